import { describe, expect, it } from 'vitest';
import { ALREADY_SUBMITTED, saveOutcome } from '../../../web/surveys/respondent.js';
import { firstStepWith, missingAnswers, readResponse, toPatchValue } from '../../../web/surveys/survey.js';

describe('missingAnswers', () => {
  it('names the unanswered required fields of steps 1 and 2 only', () => {
    expect(Object.keys(missingAnswers(1, {}))).toEqual(['name', 'email']);
    expect(missingAnswers(1, { name: 'Ada', email: 'ada@example.com' })).toEqual({});
    expect(Object.keys(missingAnswers(1, { name: '   ', email: 'ada@example.com' }))).toEqual(['name']);
    expect(Object.keys(missingAnswers(2, { age: 30 }))).toEqual(['about']);
    expect(missingAnswers(3, {})).toEqual({});
    expect(missingAnswers(4, {})).toEqual({});
  });
});

describe('firstStepWith', () => {
  it('finds the earliest step holding one of the fields and ignores unknown names', () => {
    expect(firstStepWith(['colours', 'about'])).toBe(2);
    expect(firstStepWith(['email'])).toBe(1);
    expect(firstStepWith(['gender', 'book'])).toBe(3);
    expect(firstStepWith(['nope'])).toBeNull();
  });
});

describe('toPatchValue', () => {
  it('clears a field for an empty text or set and keeps colours in list order', () => {
    expect(toPatchValue('name', '')).toBeNull();
    expect(toPatchValue('name', undefined)).toBeNull();
    expect(toPatchValue('name', 'Ada')).toBe('Ada');
    expect(toPatchValue('age', 42)).toBe(42);
    expect(toPatchValue('colours', [])).toBeNull();
    expect(toPatchValue('colours', ['White', 'Red', 'Blue'])).toEqual(['Red', 'Blue', 'White']);
  });
});

describe('readResponse', () => {
  it('reads a response and drops answers of the wrong type or outside the lists', () => {
    const read = readResponse({
      id: 'r1',
      step: 3,
      answers: { name: 'Ada', age: '30', gender: 'Robot', colours: ['Blue', 'Pink', 'Red'], about: 5 },
      completed: false,
      createdAt: '2026-01-01T00:00:00.000Z',
      updatedAt: '2026-01-01T00:01:00.000Z',
      completedAt: null,
    });
    expect(read).toEqual({
      id: 'r1',
      step: 3,
      answers: { name: 'Ada', colours: ['Red', 'Blue'] },
      completed: false,
      createdAt: '2026-01-01T00:00:00.000Z',
      updatedAt: '2026-01-01T00:01:00.000Z',
      completedAt: null,
    });
    expect(readResponse({ step: 1 })).toBeNull();
    expect(readResponse({ id: 'x', step: 9 })?.step).toBe(1);
  });
});

describe('saveOutcome', () => {
  it('maps the answers of a save to what the save queue does next', () => {
    expect(saveOutcome({ ok: true, status: 200, data: {} })).toEqual({ kind: 'saved' });
    expect(saveOutcome({ ok: false, status: 404, data: {} })).toBe('gone');
    expect(saveOutcome({ ok: false, status: 409, data: { error: ALREADY_SUBMITTED } })).toEqual({
      kind: 'stop',
      message: ALREADY_SUBMITTED,
    });
    expect(
      saveOutcome({
        ok: false,
        status: 400,
        data: { error: 'bad', fields: { email: 'enter a valid email address' } },
      }),
    ).toEqual({ kind: 'invalid', fields: { email: 'enter a valid email address' } });
    expect(saveOutcome({ ok: false, status: 0, data: {} }).valueOf()).toMatchObject({ kind: 'retry' });
    expect(saveOutcome({ ok: false, status: 429, data: {} })).toMatchObject({ kind: 'retry' });
    expect(saveOutcome({ ok: false, status: 503, data: {} })).toMatchObject({ kind: 'retry' });
  });
});
