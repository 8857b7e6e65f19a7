// The dashboard's live state (pure): a page of responses and the summary, kept current by applying
// the events of /api/surveys/events to the last snapshot.
import { isColour, type Summary } from '../../src/systems/surveys/constants.js';
import { GENDERS, type Gender, type SurveyResponse } from './survey.js';

export type { Summary };

export const STATUSES = ['all', 'completed', 'in_progress'] as const;
export type Status = (typeof STATUSES)[number];

export const SORT_KEYS = [
  'updatedAt',
  'createdAt',
  'completedAt',
  'name',
  'email',
  'age',
  'gender',
  'address',
  'book',
] as const;
export type SortKey = (typeof SORT_KEYS)[number];
export type SortDir = 'asc' | 'desc';

export interface ListQuery {
  status: Status;
  sort: SortKey;
  dir: SortDir;
  offset: number;
  limit: number;
}

export interface ListPage {
  total: number;
  offset: number;
  limit: number;
  rows: SurveyResponse[];
  eventId: number;
}

export type LiveEvent =
  | { type: 'response'; id: number; response: SurveyResponse }
  | { type: 'deleted'; id: number; responseId: string }
  | { type: 'summary'; id: number; summary: Summary }
  | { type: 'reset'; id: number };

export interface LiveState {
  query: ListQuery;
  rows: SurveyResponse[];
  total: number;
  /** The last event the rows reflect (the snapshot's, then each applied event's). */
  rowsEventId: number;
  summary: Summary | null;
  summaryEventId: number;
  /** The page may now miss rows or show them out of place: fetch it again. */
  stale: boolean;
}

export function isStatus(value: unknown): value is Status {
  return (STATUSES as readonly unknown[]).includes(value);
}

export function isSortKey(value: unknown): value is SortKey {
  return (SORT_KEYS as readonly unknown[]).includes(value);
}

/** The number of responses a filter shows, from the summary. */
export function totalFor(summary: Summary, status: Status): number {
  if (status === 'completed') return summary.completed;
  if (status === 'in_progress') return summary.inProgress;
  return summary.completed + summary.inProgress;
}

export function matchesStatus(response: SurveyResponse, status: Status): boolean {
  return status === 'all' || (status === 'completed') === response.completed;
}

function sortValue(response: SurveyResponse, key: SortKey): string | number | null {
  switch (key) {
    case 'updatedAt':
    case 'createdAt':
      return response[key];
    case 'completedAt':
      return response.completedAt;
    case 'age':
      return response.answers.age ?? null;
    default:
      return response.answers[key] ?? null;
  }
}

/** The list's order: by the sort key (no answer last either way), then by id the same way. */
export function compareResponses(a: SurveyResponse, b: SurveyResponse, sort: SortKey, dir: SortDir): number {
  const va = sortValue(a, sort);
  const vb = sortValue(b, sort);
  if (va === null || vb === null) {
    if (va !== vb) return va === null ? 1 : -1;
  } else if (va !== vb) {
    return (va < vb ? -1 : 1) * (dir === 'asc' ? 1 : -1);
  }
  if (a.id === b.id) return 0;
  return (a.id < b.id ? -1 : 1) * (dir === 'asc' ? 1 : -1);
}

/** A state from a fresh page (and, when given, a fresh summary). */
export function fromSnapshot(query: ListQuery, page: ListPage, summary: Summary | null): LiveState {
  return {
    query,
    rows: page.rows.slice(0, query.limit),
    total: page.total,
    rowsEventId: page.eventId,
    summary,
    summaryEventId: summary?.eventId ?? 0,
    stale: false,
  };
}

/** The state with a newer summary (an older one than what is shown is ignored). */
export function withSummary(state: LiveState, summary: Summary): LiveState {
  if (state.summary !== null && summary.eventId < state.summaryEventId) return state;
  return {
    ...state,
    summary,
    summaryEventId: summary.eventId,
    total: totalFor(summary, state.query.status),
  };
}

function applyResponse(state: LiveState, response: SurveyResponse): LiveState {
  const { query } = state;
  const at = state.rows.findIndex((r) => r.id === response.id);
  const rows = at === -1 ? state.rows.slice() : [...state.rows.slice(0, at), ...state.rows.slice(at + 1)];
  let stale = state.stale;
  if (matchesStatus(response, query.status)) {
    let position = rows.findIndex((r) => compareResponses(response, r, query.sort, query.dir) < 0);
    if (position === -1) position = rows.length;
    const beforePage = position === 0 && query.offset > 0;
    // After every row shown: on this page only if it has room and no other row lies beyond it.
    const afterPage =
      position === rows.length &&
      (rows.length >= query.limit || state.total > query.offset + state.rows.length);
    if (!beforePage && !afterPage) {
      rows.splice(position, 0, response);
      if (rows.length > query.limit) rows.length = query.limit;
      // Off the first page, rows moving in or out shift the page's neighbours too.
      if (query.offset > 0 && at !== position) stale = true;
    } else if (at !== -1 || beforePage) {
      // It left this page, or one before it grew: this page's rows shift.
      stale = true;
    }
  } else if (at === -1) {
    return state;
  }
  return { ...state, rows, stale };
}

function applyDeleted(state: LiveState, id: string): LiveState {
  if (!state.rows.some((r) => r.id === id)) return state;
  return {
    ...state,
    rows: state.rows.filter((r) => r.id !== id),
    stale: state.stale || state.query.offset > 0,
  };
}

/** Applies one event; `reset` is left to the caller (it needs a fresh snapshot). */
export function applyEvent(state: LiveState, event: LiveEvent): LiveState {
  switch (event.type) {
    case 'summary':
      return event.id > state.summaryEventId
        ? withSummary(state, { ...event.summary, eventId: event.id })
        : state;
    case 'response':
      if (event.id <= state.rowsEventId) return state;
      return { ...applyResponse(state, event.response), rowsEventId: event.id };
    case 'deleted':
      if (event.id <= state.rowsEventId) return state;
      return { ...applyDeleted(state, event.responseId), rowsEventId: event.id };
    case 'reset':
      return state;
  }
}

export interface Applied {
  state: LiveState;
  /** A `reset` came: the dashboard was away too long and needs a fresh snapshot. */
  reload: boolean;
}

/** Applies events in order; afterwards a page left short while more rows exist is marked stale. */
export function applyEvents(state: LiveState, events: readonly LiveEvent[]): Applied {
  let next = state;
  for (const event of events) {
    if (event.type === 'reset') return { state: next, reload: true };
    next = applyEvent(next, event);
  }
  const { offset, limit } = next.query;
  if (!next.stale && next.rows.length < limit && next.total > offset + next.rows.length) {
    next = { ...next, stale: true };
  }
  return { state: next, reload: false };
}

function count(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : 0;
}

/** A Summary from the API read defensively. */
export function readSummary(raw: unknown, eventId?: number): Summary | null {
  if (raw === null || typeof raw !== 'object') return null;
  const r = raw as Record<string, unknown>;
  const gender = (r['gender'] ?? {}) as Record<string, unknown>;
  const top = Array.isArray(r['topColours']) ? (r['topColours'] as unknown[]) : [];
  return {
    completed: count(r['completed']),
    inProgress: count(r['inProgress']),
    averageAge: typeof r['averageAge'] === 'number' ? r['averageAge'] : null,
    gender: Object.fromEntries(GENDERS.map((g) => [g, count(gender[g])])) as Record<Gender, number>,
    topColours: top.flatMap((t) => {
      const item = t as { colour?: unknown; count?: unknown } | null;
      return item !== null && isColour(item.colour)
        ? [{ colour: item.colour, count: count(item.count) }]
        : [];
    }),
    updatedAt: typeof r['updatedAt'] === 'string' ? r['updatedAt'] : null,
    eventId: eventId ?? count(Number(r['eventId'])),
  };
}
