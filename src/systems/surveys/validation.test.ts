import { describe, expect, it } from 'vitest';
import { applyChanges, checkAnswers, checkComplete, checkStep, isValidEmail } from './validation.js';

const ok = (answers: unknown) => {
  const result = checkAnswers(answers);
  if (!result.ok) throw new Error(`expected valid, got ${JSON.stringify(result.fields)}`);
  return result.value;
};
const fieldsOf = (answers: unknown) => {
  const result = checkAnswers(answers);
  if (result.ok) throw new Error('expected invalid');
  return result.fields;
};

describe('checkAnswers at the boundaries', () => {
  it.each([
    ['name', 100, 'Your name can be at most 100 characters'],
    ['about', 2000, 'About me can be at most 2,000 characters'],
    ['address', 500, 'Your address can be at most 500 characters'],
    ['book', 200, 'Favourite book can be at most 200 characters'],
  ])('accepts %s of exactly %i characters and refuses one more', (field, max, message) => {
    expect(ok({ [field]: 'a'.repeat(max) })).toEqual({ [field]: 'a'.repeat(max) });
    expect(fieldsOf({ [field]: 'a'.repeat(max + 1) })).toEqual({ [field]: message });
  });

  it('counts characters, not UTF-16 units: 100 emoji make a valid name', () => {
    expect(ok({ name: '😀'.repeat(100) }).name).toBe('😀'.repeat(100));
    expect(fieldsOf({ name: '😀'.repeat(101) }).name).toMatch(/at most 100/);
  });

  it('accepts one character of name and keeps text as typed (trailing space included)', () => {
    expect(ok({ name: 'A' })).toEqual({ name: 'A' });
    expect(ok({ name: 'Ann ' })).toEqual({ name: 'Ann ' });
  });

  it('takes a blank text, a blank email or gender, an empty colour set and null as clearing the answer', () => {
    expect(ok({ name: '   ', email: ' ', gender: '', colours: [], age: '', book: null })).toEqual({
      name: null,
      email: null,
      gender: null,
      colours: null,
      age: null,
      book: null,
    });
  });

  it('accepts ages 18 and 100 (also as the text a select sends) and refuses 17, 101, 30.5 and words', () => {
    expect(ok({ age: 18 })).toEqual({ age: 18 });
    expect(ok({ age: 100 })).toEqual({ age: 100 });
    expect(ok({ age: '42' })).toEqual({ age: 42 });
    for (const age of [17, 101, 30.5, 'forty', '1e2', true])
      expect(fieldsOf({ age })).toEqual({ age: 'Choose an age from 18 to 100' });
  });

  it('checks the email shape and trims it', () => {
    expect(ok({ email: '  Ann@Example.com ' })).toEqual({ email: 'Ann@Example.com' });
    for (const email of ['ann', 'ann@', '@example.com', 'ann@example', 'a b@example.com', 'ann@@example.com'])
      expect(fieldsOf({ email })).toEqual({ email: 'Enter a valid email address, like name@example.com' });
    expect(isValidEmail(`${'a'.repeat(242)}@example.com`)).toBe(true); // 254 characters
    expect(isValidEmail(`${'a'.repeat(243)}@example.com`)).toBe(false);
  });

  it('accepts the four genders only', () => {
    for (const gender of ['Female', 'Male', 'Non-binary', 'Prefer not to say'])
      expect(ok({ gender })).toEqual({ gender });
    expect(fieldsOf({ gender: 'female' }).gender).toMatch(/^Choose one of: Female, Male/);
  });

  it('keeps colours as a set in list order, and refuses one not on the list', () => {
    expect(ok({ colours: ['White', 'Red', 'Red', 'Blue'] })).toEqual({ colours: ['Red', 'Blue', 'White'] });
    expect(fieldsOf({ colours: ['Red', 'Pink'] }).colours).toMatch(/^Choose colours from the list/);
    expect(fieldsOf({ colours: 'Red' }).colours).toMatch(/^Choose colours/);
  });

  it('names every bad field and unknown questions at once', () => {
    expect(fieldsOf({ name: 5, email: 'x', shoe: 'size 9' })).toEqual({
      name: 'Your name must be text',
      email: 'Enter a valid email address, like name@example.com',
      shoe: expect.stringMatching(/^There is no question "shoe"/),
    });
    expect(fieldsOf([1])).toEqual({ answers: 'Answers must be an object of field: value' });
  });
});

describe('steps and completion', () => {
  it('accepts steps 1 to 4', () => {
    expect(checkStep(1)).toEqual({ ok: true, value: 1 });
    expect(checkStep(4)).toEqual({ ok: true, value: 4 });
    expect(checkStep(undefined)).toEqual({ ok: true, value: undefined });
    for (const step of [0, 5, 2.5, '2']) expect(checkStep(step).ok).toBe(false);
  });

  it('asks for the answers of steps 1 and 2 only', () => {
    expect(checkComplete({ name: 'A', email: 'a@b.co', age: 30, about: 'x' })).toEqual({});
    expect(checkComplete({ name: 'A', about: 'x' })).toEqual({
      email: 'Please fill in your email',
      age: 'Please fill in your age',
    });
  });

  it('applies changes: set, clear, leave alone', () => {
    expect(applyChanges({ name: 'A', book: 'B', age: 30 }, { name: 'C', book: null })).toEqual({
      name: 'C',
      age: 30,
    });
  });
});
