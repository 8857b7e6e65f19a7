// Every SQL statement of the surveys system. Plain functions taking the database or a transaction;
// rows become domain types here, so none reaches a route.
import { sql, type RawBuilder, type Transaction } from 'kysely';
import type { Dialect } from '../../platform/db/database.js';
import {
  COLOURS,
  GENDERS,
  coloursToMask,
  maskToColours,
  type Answers,
  type Gender,
  type SurveyResponse,
} from './constants.js';
import type { SummaryCounts } from './summary.js';
import type { EventTable, ResponseTable, SummaryTable, SurveysDatabase, SurveysDb } from './tables.js';

type Db = SurveysDb | Transaction<SurveysDatabase>;

export const GENDER_COLUMNS = [
  'gender_female',
  'gender_male',
  'gender_non_binary',
  'gender_undisclosed',
] as const satisfies readonly (keyof SummaryTable)[];
export const COLOUR_COLUMNS = [
  'colour_red',
  'colour_orange',
  'colour_yellow',
  'colour_green',
  'colour_blue',
  'colour_indigo',
  'colour_violet',
  'colour_black',
  'colour_white',
] as const satisfies readonly (keyof SummaryTable)[];

export type Status = 'all' | 'completed' | 'in_progress';
export const SORTS = {
  updatedAt: 'updated_at',
  createdAt: 'created_at',
  completedAt: 'completed_at',
  name: 'name',
  email: 'email',
  age: 'age',
  gender: 'gender',
  address: 'address',
  book: 'book',
} as const satisfies Record<string, keyof ResponseTable>;
export type SortKey = keyof typeof SORTS;

export function toResponse(row: ResponseTable): SurveyResponse {
  const answers: Answers = {};
  if (row.name !== null) answers.name = row.name;
  if (row.email !== null) answers.email = row.email;
  if (row.age !== null) answers.age = row.age;
  if (row.about !== null) answers.about = row.about;
  if (row.address !== null) answers.address = row.address;
  if (row.gender !== null) answers.gender = row.gender as Gender;
  if (row.book !== null) answers.book = row.book;
  if (row.colours) answers.colours = maskToColours(row.colours);
  return {
    id: row.id,
    step: row.step,
    answers,
    completed: Boolean(row.completed),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    completedAt: row.completed_at,
  };
}

/** The answer columns of a response's answers (every one, null when absent). */
export function answerColumns(a: Answers) {
  return {
    name: a.name ?? null,
    email: a.email ?? null,
    age: a.age ?? null,
    about: a.about ?? null,
    address: a.address ?? null,
    gender: a.gender ?? null,
    book: a.book ?? null,
    colours: coloursToMask(a.colours ?? []),
  };
}

export function toRow(r: SurveyResponse): ResponseTable {
  return {
    id: r.id,
    ...answerColumns(r.answers),
    completed_email: r.completed ? (r.answers.email ?? '').toLowerCase() : null,
    step: r.step,
    completed: r.completed ? 1 : 0,
    created_at: r.createdAt,
    updated_at: r.updatedAt,
    completed_at: r.completedAt,
  };
}

export async function insertResponses(db: Db, responses: readonly SurveyResponse[]): Promise<void> {
  // 16 columns a row: 500 rows stay under SQLite's 32,766 parameters.
  for (let i = 0; i < responses.length; i += 500)
    await db
      .insertInto('surveys_responses')
      .values(responses.slice(i, i + 500).map(toRow))
      .execute();
}

/** The response, locked until the transaction ends on PostgreSQL (SQLite has one writer anyway). */
export async function lockResponse(
  db: Db,
  dialect: Dialect,
  id: string,
): Promise<SurveyResponse | undefined> {
  let query = db.selectFrom('surveys_responses').selectAll().where('id', '=', id);
  if (dialect === 'postgres') query = query.forUpdate();
  const row = await query.executeTakeFirst();
  return row && toResponse(row);
}

/**
 * These responses by id, in one query; on PostgreSQL locked until the transaction ends, in id
 * order (so two batches never wait for each other in a cycle).
 */
export async function lockResponses(
  db: Db,
  dialect: Dialect,
  ids: readonly string[],
): Promise<Map<string, SurveyResponse>> {
  if (ids.length === 0) return new Map();
  let query = db.selectFrom('surveys_responses').selectAll().where('id', 'in', ids).orderBy('id');
  if (dialect === 'postgres') query = query.forUpdate();
  return new Map((await query.execute()).map((row) => [row.id, toResponse(row)]));
}

export async function findResponse(db: Db, id: string): Promise<SurveyResponse | undefined> {
  const row = await db.selectFrom('surveys_responses').selectAll().where('id', '=', id).executeTakeFirst();
  return row && toResponse(row);
}

/**
 * Writes what changed between two states of a response. Only the changed columns are set: SQLite
 * rewrites the entries of every index on a column named in SET, changed or not (19 indexes here).
 */
export async function updateResponse(db: Db, before: SurveyResponse, after: SurveyResponse): Promise<void> {
  const old = toRow(before);
  const changes: Partial<ResponseTable> = {};
  for (const [column, value] of Object.entries(toRow(after)) as [keyof ResponseTable, never][])
    if (old[column] !== value) changes[column] = value;
  if (!Object.keys(changes).length) return;
  await db.updateTable('surveys_responses').set(changes).where('id', '=', after.id).execute();
}

export async function deleteResponse(db: Db, id: string): Promise<void> {
  await db.deleteFrom('surveys_responses').where('id', '=', id).execute();
}

/** Whether a completed response other than `id` has this email (case-insensitive). */
export async function completedEmailTaken(db: Db, email: string, id: string): Promise<boolean> {
  const row = await db
    .selectFrom('surveys_responses')
    .select('id')
    .where('completed_email', '=', email.toLowerCase())
    .where('id', '!=', id)
    .executeTakeFirst();
  return row !== undefined;
}

export const isUniqueViolation = (err: unknown): boolean => {
  const e = err as { code?: string };
  return e?.code === '23505' || e?.code === 'SQLITE_CONSTRAINT_UNIQUE';
};

export function countsOfRow(row: SummaryTable): SummaryCounts {
  return {
    completed: Number(row.completed),
    inProgress: Number(row.in_progress),
    ageSum: Number(row.age_sum),
    ageCount: Number(row.age_count),
    gender: GENDER_COLUMNS.map((c) => Number(row[c])),
    colours: COLOUR_COLUMNS.map((c) => Number(row[c])),
  };
}

export interface SummaryState {
  counts: SummaryCounts;
  updatedAt: string | null;
  lastEventId: number;
}

const summaryState = (row: SummaryTable): SummaryState => ({
  counts: countsOfRow(row),
  updatedAt: row.updated_at,
  lastEventId: Number(row.last_event_id),
});

/**
 * Adds a write's change to the sums and takes the next `events` event ids (the last is returned),
 * in the write's transaction. The row stays locked until commit, so event ids follow commit order
 * on PostgreSQL too.
 */
export async function applySummaryDelta(
  db: Db,
  delta: SummaryCounts,
  now: string,
  events = 1,
): Promise<SummaryState> {
  const row = await db
    .updateTable('surveys_summary')
    .set((eb) => {
      const plus = (column: keyof SummaryTable, n: number) => eb(column, '+', n);
      const changes: Record<string, unknown> = {
        updated_at: now,
        last_event_id: plus('last_event_id', events),
      };
      const add = (column: keyof SummaryTable, n: number) => {
        if (n !== 0) changes[column] = plus(column, n);
      };
      add('completed', delta.completed);
      add('in_progress', delta.inProgress);
      add('age_sum', delta.ageSum);
      add('age_count', delta.ageCount);
      GENDER_COLUMNS.forEach((c, i) => add(c, delta.gender[i]!));
      COLOUR_COLUMNS.forEach((c, i) => add(c, delta.colours[i]!));
      return changes;
    })
    .where('id', '=', 1)
    .returningAll()
    .executeTakeFirstOrThrow();
  return summaryState(row);
}

export async function readSummary(db: Db): Promise<SummaryState> {
  return summaryState(
    await db.selectFrom('surveys_summary').selectAll().where('id', '=', 1).executeTakeFirstOrThrow(),
  );
}

export async function lastEventId(db: Db): Promise<number> {
  const row = await db
    .selectFrom('surveys_summary')
    .select('last_event_id')
    .where('id', '=', 1)
    .executeTakeFirstOrThrow();
  return Number(row.last_event_id);
}

/** Stores events in the replay buffer (500 a statement: 5 columns each, under SQLite's parameter limit). */
export async function insertEvents(db: Db, events: readonly EventTable[]): Promise<void> {
  for (let i = 0; i < events.length; i += 500)
    await db
      .insertInto('surveys_events')
      .values(events.slice(i, i + 500))
      .execute();
}

/** Drops the buffered events older than the last `keep` before `lastId` (once per transaction). */
export async function pruneEvents(db: Db, lastId: number, keep: number): Promise<void> {
  await db
    .deleteFrom('surveys_events')
    .where('id', '<=', lastId - keep)
    .execute();
}

export interface StoredEvent {
  id: number;
  kind: 'response' | 'deleted';
  /** JSON text, sent as it is. */
  payload: string;
  summary: string;
}

/** The buffered events with an id of at least `fromId`, oldest first (at most `limit`). */
export async function eventsFrom(db: Db, fromId: number, limit: number): Promise<StoredEvent[]> {
  const rows = await db
    .selectFrom('surveys_events')
    .select(['id', 'kind', 'payload', 'summary'])
    .where('id', '>=', fromId)
    .orderBy('id')
    .limit(limit)
    .execute();
  return rows.map((r) => ({ ...r, id: Number(r.id), kind: r.kind as StoredEvent['kind'] }));
}

export interface ListQuery {
  status: Status;
  sort: SortKey;
  dir: 'asc' | 'desc';
  offset: number;
  limit: number;
}

function filtered(db: Db, status: Status) {
  const query = db.selectFrom('surveys_responses');
  return status === 'all' ? query : query.where('completed', '=', status === 'completed' ? 1 : 0);
}

/** A page of responses: by the sort column (no answer last either way), then id in the same direction. */
export async function listResponses(db: Db, q: ListQuery): Promise<SurveyResponse[]> {
  const column = SORTS[q.sort];
  const rows = await filtered(db, q.status)
    .selectAll()
    .orderBy(column, (ob) => (q.dir === 'asc' ? ob.asc() : ob.desc()).nullsLast())
    .orderBy('id', q.dir)
    .offset(q.offset)
    .limit(q.limit)
    .execute();
  return rows.map(toResponse);
}

/** Responses in creation order after a (created_at, id) position: the CSV export's batches. */
export async function responsesAfter(
  db: Db,
  status: Status,
  after: { createdAt: string; id: string } | undefined,
  limit: number,
): Promise<SurveyResponse[]> {
  let query = filtered(db, status).selectAll();
  if (after)
    query = query.where((eb) =>
      eb.or([
        eb('created_at', '>', after.createdAt),
        eb.and([eb('created_at', '=', after.createdAt), eb('id', '>', after.id)]),
      ]),
    );
  const rows = await query.orderBy('created_at').orderBy('id').limit(limit).execute();
  return rows.map(toResponse);
}

export async function countResponses(db: Db): Promise<number> {
  const row = await db
    .selectFrom('surveys_responses')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** The sums counted from every response with SQL aggregates: the reference for the incremental row. */
export async function recountSummary(db: Db): Promise<SummaryCounts> {
  const row = await db
    .selectFrom('surveys_responses')
    .select((eb) => {
      const count = (cond: RawBuilder<unknown>) =>
        sql<number>`coalesce(sum(case when ${cond} then 1 else 0 end), 0)`;
      return [
        count(sql`completed = 1`).as('completed'),
        count(sql`completed = 0`).as('in_progress'),
        sql<number>`coalesce(sum(age), 0)`.as('age_sum'),
        eb.fn.count<number>('age').as('age_count'),
        ...GENDERS.map((g, i) => count(sql`gender = ${g}`).as(`g${i}`)),
        ...COLOURS.map((_, i) => count(sql`(colours & ${1 << i}) <> 0`).as(`c${i}`)),
      ];
    })
    .executeTakeFirstOrThrow();
  const r = row as Record<string, unknown>;
  return {
    completed: Number(r.completed),
    inProgress: Number(r.in_progress),
    ageSum: Number(r.age_sum),
    ageCount: Number(r.age_count),
    gender: GENDERS.map((_, i) => Number(r[`g${i}`])),
    colours: COLOURS.map((_, i) => Number(r[`c${i}`])),
  };
}
