import { describe, expect, it } from 'vitest';
import {
  applyEvents,
  compareResponses,
  fromSnapshot,
  readSummary,
  type ListQuery,
  type LiveEvent,
  type LiveState,
  type Summary,
} from '../../../web/surveys/live-table.js';
import type { Answers, SurveyResponse } from '../../../web/surveys/survey.js';

const at = (minute: number) => new Date(Date.UTC(2026, 0, 1, 0, minute)).toISOString();

function response(id: string, minute: number, answers: Answers = {}, completed = false): SurveyResponse {
  return {
    id,
    step: 1,
    answers,
    completed,
    createdAt: at(0),
    updatedAt: at(minute),
    completedAt: completed ? at(minute) : null,
  };
}

function summary(completed: number, inProgress: number, eventId: number): Summary {
  return {
    completed,
    inProgress,
    averageAge: null,
    gender: { Female: 0, Male: 0, 'Non-binary': 0, 'Prefer not to say': 0 },
    topColours: [],
    updatedAt: null,
    eventId,
  };
}

const newest: ListQuery = { status: 'all', sort: 'updatedAt', dir: 'desc', offset: 0, limit: 3 };

function state(
  rows: SurveyResponse[],
  query: ListQuery = newest,
  total = rows.length,
  eventId = 10,
): LiveState {
  return fromSnapshot(
    query,
    { total, offset: query.offset, limit: query.limit, rows, eventId },
    summary(0, total, eventId),
  );
}

const ids = (s: LiveState) => s.rows.map((r) => r.id);
let nextId = 11;
const edit = (r: SurveyResponse): LiveEvent => ({ type: 'response', id: nextId++, response: r });

describe('applyEvents on the newest-first first page', () => {
  it('puts a new response on top and pushes the last one off a full page', () => {
    const s = state([response('c', 3), response('b', 2), response('a', 1)], newest, 5);
    const { state: next, reload } = applyEvents(s, [edit(response('d', 4))]);
    expect(reload).toBe(false);
    expect(ids(next)).toEqual(['d', 'c', 'b']);
    expect(next.stale).toBe(false);
  });

  it('moves an edited response to the top with its new answers', () => {
    const s = state([response('c', 3), response('b', 2), response('a', 1, { name: 'Ada' })]);
    const { state: next } = applyEvents(s, [edit(response('a', 5, { name: 'Ada Lovelace' }))]);
    expect(ids(next)).toEqual(['a', 'c', 'b']);
    expect(next.rows[0]?.answers.name).toBe('Ada Lovelace');
  });

  it('takes the total from the summary that follows each change', () => {
    const s = state([response('a', 1)], newest, 1);
    const { state: next } = applyEvents(s, [
      edit(response('b', 2)),
      { type: 'summary', id: nextId++, summary: summary(0, 2, 0) },
    ]);
    expect(next.total).toBe(2);
    expect(ids(next)).toEqual(['b', 'a']);
  });

  it('removes a deleted response, and marks the page stale when more rows exist beyond it', () => {
    const s = state([response('c', 3), response('b', 2), response('a', 1)], newest, 4);
    const { state: next } = applyEvents(s, [
      { type: 'deleted', id: nextId++, responseId: 'b' },
      { type: 'summary', id: nextId++, summary: summary(0, 3, 0) },
    ]);
    expect(ids(next)).toEqual(['c', 'a']);
    expect(next.total).toBe(3);
    expect(next.stale).toBe(true);
  });

  it('is not stale after deleting from the only page', () => {
    const s = state([response('b', 2), response('a', 1)], newest, 2);
    const { state: next } = applyEvents(s, [
      { type: 'deleted', id: nextId++, responseId: 'a' },
      { type: 'summary', id: nextId++, summary: summary(0, 1, 0) },
    ]);
    expect(ids(next)).toEqual(['b']);
    expect(next.stale).toBe(false);
  });

  it('ignores events the snapshot already contains, and a delete of a row not shown', () => {
    const s = state([response('a', 1, { name: 'New' })], newest, 1, 50);
    const old: LiveEvent = { type: 'response', id: 49, response: response('a', 0, { name: 'Old' }) };
    const { state: next } = applyEvents(s, [old, { type: 'deleted', id: 51, responseId: 'zz' }]);
    expect(next.rows[0]?.answers.name).toBe('New');
    expect(next.rows).toBe(s.rows);
    const olderSummary = applyEvents(s, [{ type: 'summary', id: 40, summary: summary(9, 9, 0) }]).state;
    expect(olderSummary.summary?.completed).toBe(0);
  });

  it('asks for a fresh snapshot on reset and applies nothing after it', () => {
    const s = state([response('a', 1)]);
    const { state: next, reload } = applyEvents(s, [{ type: 'reset', id: 0 }, edit(response('b', 2))]);
    expect(reload).toBe(true);
    expect(ids(next)).toEqual(['a']);
  });
});

describe('applyEvents with a filter', () => {
  const inProgress: ListQuery = { ...newest, status: 'in_progress' };

  it('drops a response that was completed from the in-progress list and shows new ones', () => {
    const s = state([response('b', 2), response('a', 1)], inProgress, 2);
    const { state: next } = applyEvents(s, [
      edit(response('a', 3, {}, true)),
      edit(response('c', 4)),
      { type: 'summary', id: nextId++, summary: summary(1, 2, 0) },
    ]);
    expect(ids(next)).toEqual(['c', 'b']);
    expect(next.total).toBe(2);
    expect(next.stale).toBe(false);
  });

  it('ignores a response of the other status that was not shown', () => {
    const s = state([response('b', 2)], { ...newest, status: 'completed' }, 1);
    const { state: next } = applyEvents(s, [edit(response('x', 9))]);
    expect(next.rows).toBe(s.rows);
  });
});

describe('applyEvents sorted by another column', () => {
  const byName: ListQuery = { status: 'all', sort: 'name', dir: 'asc', offset: 0, limit: 3 };

  it('inserts in sort order, keeps an edit in place when its position holds, and puts no answer last', () => {
    const s = state([response('1', 1, { name: 'Ada' }), response('2', 2, { name: 'Cleo' })], byName, 2);
    let next = applyEvents(s, [edit(response('3', 3, { name: 'Bea' }))]).state;
    expect(next.rows.map((r) => r.answers.name)).toEqual(['Ada', 'Bea', 'Cleo']);
    next = applyEvents(next, [edit(response('2', 4, { name: 'Cleo', email: 'c@example.com' }))]).state;
    expect(next.rows.map((r) => r.id)).toEqual(['1', '3', '2']);
    expect(next.rows[2]?.answers.email).toBe('c@example.com');
    expect(compareResponses(response('x', 1), response('y', 1, { name: 'Zed' }), 'name', 'asc')).toBe(1);
    expect(compareResponses(response('x', 1), response('y', 1, { name: 'Zed' }), 'name', 'desc')).toBe(1);
  });

  it('leaves a full page alone for a row sorting after it, and marks it stale when a shown row moves off', () => {
    const s = state(
      [
        response('1', 1, { name: 'Ada' }),
        response('2', 2, { name: 'Bea' }),
        response('3', 3, { name: 'Cleo' }),
      ],
      byName,
      10,
    );
    const after = applyEvents(s, [edit(response('9', 4, { name: 'Zoe' }))]).state;
    expect(after.rows).toEqual(s.rows);
    expect(after.stale).toBe(false);
    const moved = applyEvents(s, [edit(response('2', 5, { name: 'Yara' }))]).state;
    expect(moved.rows.map((r) => r.id)).toEqual(['1', '3']);
    expect(moved.stale).toBe(true);
  });

  it('on a later page, a row that belongs before it marks the page stale', () => {
    const later: ListQuery = { ...byName, offset: 3 };
    const s = state([response('4', 1, { name: 'Dan' }), response('5', 2, { name: 'Eve' })], later, 5);
    const { state: next } = applyEvents(s, [edit(response('9', 3, { name: 'Abe' }))]);
    expect(ids(next)).toEqual(['4', '5']);
    expect(next.stale).toBe(true);
  });
});

describe('readSummary', () => {
  it('reads a summary and fills in missing genders with zero', () => {
    const read = readSummary({
      completed: 3,
      inProgress: 2,
      averageAge: 30.5,
      gender: { Female: 2 },
      topColours: [{ colour: 'Red', count: 2 }, { nope: 1 }],
      updatedAt: at(1),
      eventId: '7',
    });
    expect(read).toEqual({
      completed: 3,
      inProgress: 2,
      averageAge: 30.5,
      gender: { Female: 2, Male: 0, 'Non-binary': 0, 'Prefer not to say': 0 },
      topColours: [{ colour: 'Red', count: 2 }],
      updatedAt: at(1),
      eventId: 7,
    });
    expect(readSummary(null)).toBeNull();
  });
});
