// Every SQL statement of the hiring system. Plain functions taking the database or a transaction.
import type SQLite from 'better-sqlite3';
import { CompiledQuery, sql, type Insertable, type Selectable, type Transaction } from 'kysely';
import type { NativeHandle } from '../../platform/db/database.js';
import { sharedRead } from '../../platform/db/shared-read.js';
import { APPLICANT_COLUMNS, type WorkflowState } from './constants.js';
import { dayOf, formatDay, mondayOnOrBefore } from './funnel.js';
import type { ApplicantTable, HiringDatabase, HiringDb } from './tables.js';

export type ApplicantRow = Selectable<ApplicantTable>;
export type NewApplicantRow = Insertable<ApplicantTable>;
type Tx = Transaction<HiringDatabase> | HiringDb;

/** (day applied, state) -> change in count. */
export class CountDeltas {
  private readonly deltas = new Map<string, number>();

  add(createdAt: string, state: string, delta: number): void {
    const day = createdAt.slice(0, 10);
    const key = `${day}|${state}`;
    this.deltas.set(key, (this.deltas.get(key) ?? 0) + delta);
  }

  *entries(): Generator<{ day: string; week: string; state: string; delta: number }> {
    for (const [key, delta] of this.deltas) {
      if (delta === 0) continue;
      const [day, state] = key.split('|') as [string, string];
      yield { day, week: formatDay(mondayOnOrBefore(dayOf(new Date(`${day}T00:00:00Z`)))), state, delta };
    }
  }
}

const UPSERT_CHUNK = 500;
/** 1000 rows x 13 columns stays under SQLite's and PostgreSQL's bound-parameter limits. */
const INSERT_CHUNK = 1000;

/** Applies count changes with upserts, and bumps the counts version, in the caller's transaction. */
export async function applyCountDeltas(tx: Tx, deltas: CountDeltas): Promise<void> {
  const rows = [...deltas.entries()].map(({ day, week, state, delta }) => ({
    day,
    week,
    state,
    count: delta,
  }));
  if (rows.length === 0) return;
  await tx
    .updateTable('hiring_counts_version')
    .set((eb) => ({ version: eb('version', '+', 1) }))
    .where('id', '=', 1)
    .execute();
  for (let i = 0; i < rows.length; i += UPSERT_CHUNK) {
    await tx
      .insertInto('hiring_daily_counts')
      .values(rows.slice(i, i + UPSERT_CHUNK))
      .onConflict((oc) =>
        oc
          .columns(['day', 'state'])
          .doUpdateSet({ count: sql<number>`hiring_daily_counts.count + excluded.count` }),
      )
      .execute();
  }
}

export async function insertApplicant(tx: Tx, row: NewApplicantRow): Promise<ApplicantRow> {
  return tx.insertInto('hiring_applicants').values(row).returningAll().executeTakeFirstOrThrow();
}

/** The columns of a bulk insert, in the order its compiled statement binds them. */
const BULK_COLUMNS = APPLICANT_COLUMNS satisfies readonly (keyof NewApplicantRow)[];

/** Compiled bulk inserts, per database (its SQL dialect), conflict handling and row count. */
const bulkInsertSql = new WeakMap<object, Map<string, string>>();

/**
 * Building and compiling a 1,000-row query costs ~2.5 µs a row, a tenth of a million-row seed: the
 * SQL is compiled once per row count from a template (Kysely, so it is right for either dialect)
 * and only the parameters change.
 */
async function runBulkInsert<R>(tx: Tx, rows: readonly NewApplicantRow[], skipTaken: boolean): Promise<R[]> {
  const parameters: unknown[] = new Array(rows.length * BULK_COLUMNS.length);
  let p = 0;
  for (const row of rows) for (const c of BULK_COLUMNS) parameters[p++] = row[c] ?? null;
  return runBulkInsertValues<R>(tx, parameters, rows.length, skipTaken);
}

/** runBulkInsert with the rows' values already in one flat array, BULK_COLUMNS' order. */
async function runBulkInsertValues<R>(
  tx: Tx,
  parameters: readonly unknown[],
  rowCount: number,
  skipTaken: boolean,
): Promise<R[]> {
  const { adapter } = tx.getExecutor();
  let byShape = bulkInsertSql.get(adapter);
  if (!byShape) bulkInsertSql.set(adapter, (byShape = new Map()));
  const key = `${skipTaken ? 'skip' : 'plain'}:${rowCount}`;
  let text = byShape.get(key);
  if (text === undefined) {
    const template = Array.from(
      { length: rowCount },
      () => Object.fromEntries(BULK_COLUMNS.map((c) => [c, ''])) as unknown as NewApplicantRow,
    );
    const insert = tx.insertInto('hiring_applicants').values(template);
    text = skipTaken
      ? insert
          .onConflict((oc) => oc.doNothing())
          .returning(['created_at', 'workflow_state'])
          .compile().sql
      : insert.compile().sql;
    byShape.set(key, text);
  }
  const result = await tx.executeQuery<R>(CompiledQuery.raw(text, parameters as unknown[]));
  return result.rows;
}

/**
 * Inserts many applicants, skipping rows whose email or phone is taken; returns the rows that went in
 * (created_at and state), so counts stay exact even when some were skipped.
 */
export async function insertApplicantsSkippingTaken(
  tx: Tx,
  rows: readonly NewApplicantRow[],
): Promise<{ created_at: string; workflow_state: string }[]> {
  if (rows.length === 0) return [];
  return runBulkInsert(tx, rows, true);
}

export async function findApplicant(db: Tx, id: number): Promise<ApplicantRow | undefined> {
  return db.selectFrom('hiring_applicants').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function findApplicantByEmail(db: Tx, email: string): Promise<ApplicantRow | undefined> {
  return db.selectFrom('hiring_applicants').selectAll().where('email', '=', email).executeTakeFirst();
}

/**
 * Plain insert of rows given as one flat array of values, APPLICANT_COLUMNS.length per row in that
 * order (a packed import batch), in the caller's transaction (which has checked uniqueness). On
 * SQLite, one prepared single-row statement run per row on the transaction's own connection (the
 * native handle is the connection Kysely holds, and the caller holds the transaction): SQLite
 * spends less on that than on multi-row VALUES statements (500,000 rows into the table and its
 * four indexes: 2.8-3.1 s CPU against 4.4-4.7 s, load ~14). Elsewhere, multi-row inserts.
 */
export function applicantValuesInserter(
  tx: Tx,
  native: NativeHandle,
): (values: readonly unknown[]) => Promise<void> {
  const width = BULK_COLUMNS.length;
  if (native.dialect === 'sqlite') {
    const template = Object.fromEntries(BULK_COLUMNS.map((c) => [c, ''])) as unknown as NewApplicantRow;
    const statement = native.sqlite.prepare(
      tx.insertInto('hiring_applicants').values(template).compile().sql,
    );
    return (values) => {
      for (let at = 0; at < values.length; at += width) statement.run(values.slice(at, at + width));
      return Promise.resolve();
    };
  }
  const step = INSERT_CHUNK * width;
  return async (values) => {
    for (let i = 0; i < values.length; i += step) {
      const chunk = i === 0 && values.length <= step ? values : values.slice(i, i + step);
      await runBulkInsertValues(tx, chunk, chunk.length / width, false);
    }
  };
}

/** Whether the table holds any applicant. */
export async function hasApplicants(db: Tx): Promise<boolean> {
  return (await db.selectFrom('hiring_applicants').select('id').limit(1).executeTakeFirst()) !== undefined;
}

/** Which of these emails and phone keys already exist. */
export async function takenAmong(
  db: Tx,
  emails: readonly string[],
  phoneKeys: readonly string[],
): Promise<{ emails: Set<string>; phoneKeys: Set<string> }> {
  const found = { emails: new Set<string>(), phoneKeys: new Set<string>() };
  for (let i = 0; i < emails.length; i += INSERT_CHUNK) {
    const rows = await db
      .selectFrom('hiring_applicants')
      .select('email')
      .where('email', 'in', emails.slice(i, i + INSERT_CHUNK))
      .execute();
    for (const r of rows) found.emails.add(r.email);
  }
  for (let i = 0; i < phoneKeys.length; i += INSERT_CHUNK) {
    const rows = await db
      .selectFrom('hiring_applicants')
      .select('phone_key')
      .where('phone_key', 'in', phoneKeys.slice(i, i + INSERT_CHUNK))
      .execute();
    for (const r of rows) found.phoneKeys.add(r.phone_key);
  }
  return found;
}

/** Which of email / phone key belong to someone other than `exceptId`. */
export async function takenBy(
  db: Tx,
  email: string,
  phoneKey: string,
  exceptId?: number,
): Promise<{ email: boolean; phone: boolean }> {
  let query = db
    .selectFrom('hiring_applicants')
    .select(['email', 'phone_key'])
    .where((eb) => eb.or([eb('email', '=', email), eb('phone_key', '=', phoneKey)]));
  if (exceptId !== undefined) query = query.where('id', '!=', exceptId);
  const rows = await query.execute();
  return { email: rows.some((r) => r.email === email), phone: rows.some((r) => r.phone_key === phoneKey) };
}

export async function updateApplicant(
  tx: Tx,
  id: number,
  changes: Partial<NewApplicantRow>,
): Promise<ApplicantRow | undefined> {
  return tx
    .updateTable('hiring_applicants')
    .set(changes)
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst();
}

export interface ApplicantFilter {
  q?: string;
  state?: WorkflowState;
  limit: number;
  offset: number;
}

/** Newest first; `q` matches name, email or phone, case-insensitively. */
export async function listApplicants(
  db: Tx,
  filter: ApplicantFilter,
): Promise<{ rows: ApplicantRow[]; total: number }> {
  let base = db.selectFrom('hiring_applicants');
  if (filter.state) base = base.where('workflow_state', '=', filter.state);
  const q = filter.q?.trim().toLowerCase();
  if (q) {
    const pattern = `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    const digits = q.replace(/\D/g, '');
    base = base.where((eb) =>
      eb.or([
        eb(sql`lower(first_name || ' ' || last_name)`, 'like', sql<string>`${pattern} escape '\\'`),
        eb('email', 'like', sql<string>`${pattern} escape '\\'`),
        eb('phone', 'like', sql<string>`${pattern} escape '\\'`),
        ...(digits.length >= 3 ? [eb('phone_key', 'like', `%${digits}%`)] : []),
      ]),
    );
  }
  const [rows, total] = await Promise.all([
    base
      .selectAll()
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(filter.limit)
      .offset(filter.offset)
      .execute(),
    base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
  ]);
  return { rows, total: Number(total.n) };
}

/** Counts per (week Monday, state) for weeks whose Monday lies in [firstMonday, lastMonday]. */
export async function weekCounts(
  db: Tx,
  firstMonday: string,
  lastMonday: string,
): Promise<{ week: string; state: string; count: number }[]> {
  const rows = await db
    .selectFrom('hiring_daily_counts')
    .select(['week', 'state', (eb) => eb.fn.sum<number>('count').as('count')])
    .where('week', '>=', firstMonday)
    .where('week', '<=', lastMonday)
    .groupBy(['week', 'state'])
    .execute();
  return rows.map((r) => ({ week: r.week, state: r.state, count: Number(r.count) }));
}

/**
 * The counts' version (see CountsVersionTable), read on every funnel request. Compiled once per
 * database. On SQLite it bypasses Kysely for one prepared better-sqlite3 statement: Kysely's
 * connection hand-off cost ~6 µs a request, a fifth of funnel.json's CPU under wrk
 * (`npm run bench:platform`), against ~1 µs for the statement itself. Requests of one event-loop
 * turn share one read (sharedRead: each still sees every write committed before it asked).
 */
export function countsVersionReader(db: HiringDb, native: NativeHandle): () => Promise<number> {
  if (native.dialect === 'sqlite') {
    const { sqlite } = native;
    let statement: SQLite.Statement | undefined;
    return sharedRead(() => {
      // Prepared on first use: the table exists only once the system's migrations ran.
      statement ??= sqlite.prepare('select version from hiring_counts_version where id = 1').pluck();
      return Promise.resolve(Number(statement.get() ?? 0));
    });
  }
  const query = db.selectFrom('hiring_counts_version').select('version').where('id', '=', 1).compile();
  return sharedRead(async () => Number((await db.executeQuery(query)).rows[0]?.version ?? 0));
}

export async function countApplicants(db: Tx): Promise<number> {
  const row = await db
    .selectFrom('hiring_applicants')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Which unique column a failed insert/update collided on, if that is why it failed. */
export function uniqueViolation(err: unknown): 'email' | 'phone' | undefined {
  if (!err || typeof err !== 'object') return undefined;
  const e = err as { code?: string; message?: string; constraint?: string };
  const unique = e.code === 'SQLITE_CONSTRAINT_UNIQUE' || e.code === '23505';
  if (!unique) return undefined;
  const where = `${e.constraint ?? ''} ${e.message ?? ''}`;
  if (where.includes('email')) return 'email';
  if (where.includes('phone_key')) return 'phone';
  return undefined;
}

/**
 * Counts one attempt of (scope, key) and returns the window's count so far and its start: a new
 * window begins when the stored one started at or before `staleBefore`. One statement, so
 * concurrent attempts on any instance are all counted.
 */
export async function countAttempt(
  db: Tx,
  scope: string,
  key: string,
  now: string,
  staleBefore: string,
): Promise<{ attempts: number; window_start: string }> {
  const stale = sql<boolean>`hiring_attempts.window_start <= ${staleBefore}`;
  return db
    .insertInto('hiring_attempts')
    .values({ scope, key, window_start: now, attempts: 1 })
    .onConflict((oc) =>
      oc.columns(['scope', 'key']).doUpdateSet({
        attempts: sql<number>`case when ${stale} then 1 else hiring_attempts.attempts + 1 end`,
        window_start: sql<string>`case when ${stale} then ${now} else hiring_attempts.window_start end`,
      }),
    )
    .returning(['attempts', 'window_start'])
    .executeTakeFirstOrThrow();
}

export async function clearAttempts(db: Tx, scope: string, key: string): Promise<void> {
  await db.deleteFrom('hiring_attempts').where('scope', '=', scope).where('key', '=', key).execute();
}

/** Drops the scope's windows that have ended (an index range; keeps the table as small as the traffic). */
export async function pruneAttempts(db: Tx, scope: string, staleBefore: string): Promise<void> {
  await db
    .deleteFrom('hiring_attempts')
    .where('scope', '=', scope)
    .where('window_start', '<=', staleBefore)
    .execute();
}
