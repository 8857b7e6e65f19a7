// Every SQL statement of the uptime system (the poll bulk load goes through the platform's bulkInsert).
import type SQLite from 'better-sqlite3';
import { to as copyTo } from 'pg-copy-streams';
import { sql, type Insertable, type Selectable, type Updateable } from 'kysely';
import type { NativeHandle } from '../../platform/db/database.js';
import type { HoursRow, TimezoneRow } from './rows.js';
import type { ReportTable, UptimeDb } from './tables.js';

export type ReportRow = Selectable<ReportTable>;

/** IN lists and multi-row inserts are cut into pieces of this many (well within both databases' limits). */
const CHUNK = 500;

function* chunks<T>(items: readonly T[], size = CHUNK): Generator<T[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
}

/** The integer keys of these store ids, creating the stores that are new (safe against concurrent imports). */
export async function ensureStores(db: UptimeDb, storeIds: readonly string[]): Promise<Map<string, number>> {
  const keys = new Map<string, number>();
  for (const part of chunks([...new Set(storeIds)])) {
    await db
      .insertInto('uptime_stores')
      .values(part.map((store_id) => ({ store_id })))
      .onConflict((oc) => oc.column('store_id').doNothing())
      .execute();
    const rows = await db
      .selectFrom('uptime_stores')
      .select(['id', 'store_id'])
      .where('store_id', 'in', part)
      .execute();
    for (const r of rows) keys.set(r.store_id, r.id);
  }
  return keys;
}

/** Every store's key by id (a few thousand rows). */
export async function allStoreKeys(db: UptimeDb): Promise<Map<string, number>> {
  const rows = await db.selectFrom('uptime_stores').select(['id', 'store_id']).execute();
  return new Map(rows.map((r) => [r.store_id, r.id]));
}

export async function findStore(db: UptimeDb, storeId: string): Promise<number | undefined> {
  const row = await db
    .selectFrom('uptime_stores')
    .select('id')
    .where('store_id', '=', storeId)
    .executeTakeFirst();
  return row?.id;
}

/** Replaces the hours of every store in `rows` with the rows given for it, in one transaction. */
export async function replaceHours(
  db: UptimeDb,
  rows: readonly HoursRow[],
  keys: ReadonlyMap<string, number>,
): Promise<number> {
  const storeKeys = [...new Set(rows.map((r) => keys.get(r.storeId) as number))];
  await db.transaction().execute(async (trx) => {
    for (const part of chunks(storeKeys))
      await trx.deleteFrom('uptime_hours').where('store_key', 'in', part).execute();
    for (const part of chunks(rows)) {
      await trx
        .insertInto('uptime_hours')
        .values(
          part.map((r) => ({
            store_key: keys.get(r.storeId) as number,
            weekday: r.weekday,
            start_s: r.start,
            end_s: r.end,
          })),
        )
        .execute();
    }
  });
  return storeKeys.length;
}

/** Sets the timezone of every store in `rows` (the last row of a store wins). */
export async function upsertTimezones(
  db: UptimeDb,
  rows: readonly TimezoneRow[],
  keys: ReadonlyMap<string, number>,
): Promise<number> {
  const byStore = new Map<number, string>();
  for (const r of rows) byStore.set(keys.get(r.storeId) as number, r.timezone);
  await db.transaction().execute(async (trx) => {
    for (const part of chunks([...byStore])) {
      await trx
        .insertInto('uptime_timezones')
        .values(part.map(([store_key, timezone]) => ({ store_key, timezone })))
        .onConflict((oc) =>
          oc.column('store_key').doUpdateSet((eb) => ({ timezone: eb.ref('excluded.timezone') })),
        )
        .execute();
    }
  });
  return byStore.size;
}

export async function countStores(db: UptimeDb): Promise<number> {
  const row = await db
    .selectFrom('uptime_stores')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** The latest poll's time (epoch ms), or undefined when there is no poll. */
export async function latestPollAt(db: UptimeDb): Promise<number | undefined> {
  // Each store's latest is one seek at the end of its range of the (store_key, ts_ms) key; a plain
  // max(ts_ms) would read every poll, as ts_ms is not the key's first column.
  const row = await db
    .selectFrom('uptime_stores as s')
    .select((eb) =>
      eb.fn
        .max(
          eb
            .selectFrom('uptime_polls as p')
            .select((e) => e.fn.max('p.ts_ms').as('m'))
            .whereRef('p.store_key', '=', 's.id'),
        )
        .as('latest'),
    )
    .executeTakeFirst();
  return row?.latest === null || row?.latest === undefined ? undefined : Number(row.latest);
}

/** The stores that have a poll at or before `now`: key and id. */
export async function storesWithPolls(
  db: UptimeDb,
  now: number,
): Promise<{ key: number; storeId: string }[]> {
  const rows = await db
    .selectFrom('uptime_stores as s')
    .select(['s.id', 's.store_id'])
    .where((eb) =>
      eb.exists(
        eb
          .selectFrom('uptime_polls as p')
          .select('p.store_key')
          .whereRef('p.store_key', '=', 's.id')
          .where('p.ts_ms', '<=', now),
      ),
    )
    .execute();
  return rows.map((r) => ({ key: r.id, storeId: r.store_id }));
}

export interface StoredHours {
  store_key: number;
  weekday: number;
  start_s: number;
  end_s: number;
}

/** Hours of these stores, or of every store when `storeKeys` is undefined. */
export async function hoursOf(db: UptimeDb, storeKeys?: readonly number[]): Promise<StoredHours[]> {
  const q = db.selectFrom('uptime_hours').select(['store_key', 'weekday', 'start_s', 'end_s']);
  if (storeKeys === undefined) return q.execute();
  const out: StoredHours[] = [];
  for (const part of chunks(storeKeys)) out.push(...(await q.where('store_key', 'in', part).execute()));
  return out;
}

/** Timezones of these stores, or of every store when `storeKeys` is undefined. */
export async function timezonesOf(
  db: UptimeDb,
  storeKeys?: readonly number[],
): Promise<{ store_key: number; timezone: string }[]> {
  const q = db.selectFrom('uptime_timezones').select(['store_key', 'timezone']);
  if (storeKeys === undefined) return q.execute();
  const out: { store_key: number; timezone: string }[] = [];
  for (const part of chunks(storeKeys)) out.push(...(await q.where('store_key', 'in', part).execute()));
  return out;
}

export interface StoredPoll {
  store_key: number;
  ts_ms: number;
  active: number;
}

/** The polls of these stores with from < ts_ms <= to, ordered by store and time. */
export async function pollsInRange(
  db: UptimeDb,
  storeKeys: readonly number[],
  from: number,
  to: number,
): Promise<StoredPoll[]> {
  const rows = await db
    .selectFrom('uptime_polls')
    .select(['store_key', 'ts_ms', 'active'])
    .where('store_key', 'in', [...storeKeys])
    .where('ts_ms', '>', from)
    .where('ts_ms', '<=', to)
    .orderBy('store_key')
    .orderBy('ts_ms')
    .execute();
  return rows;
}

/** A batch of polls column by column (no object per poll), reused from batch to batch. */
export class PollColumns {
  store = new Int32Array(1 << 16);
  at = new Float64Array(1 << 16);
  active = new Uint8Array(1 << 16);
  length = 0;

  push(store: number, at: number, active: number): void {
    if (this.length === this.at.length) {
      const n = this.length * 2;
      const store2 = new Int32Array(n);
      const at2 = new Float64Array(n);
      const active2 = new Uint8Array(n);
      store2.set(this.store);
      at2.set(this.at);
      active2.set(this.active);
      this.store = store2;
      this.at = at2;
      this.active = active2;
    }
    this.store[this.length] = store;
    this.at[this.length] = at;
    this.active[this.length] = active;
    this.length += 1;
  }
}

/** Stores per batch of the window: a progress step of the report; ~500 polls a store, so ~100,000 polls. */
export const STORES_PER_BATCH = 200;

/** Some stores (`keys`, ascending) and their polls: grouped by store in that order, each in time order. */
export interface WindowBatch {
  keys: readonly number[];
  polls: PollColumns;
}

/**
 * The polls with from < ts_ms <= to of the given stores, in batches of STORES_PER_BATCH stores or
 * more, by ascending key: each store is in exactly one batch's `keys`, with or without polls. A
 * batch's columns are reused for the next one. Stopping early (break, a throw) ends the read.
 */
export type WindowReader = (
  storeKeys: readonly number[],
  from: number,
  to: number,
) => AsyncGenerator<WindowBatch, void, undefined>;

/**
 * The report's poll reader, on the driver under Kysely: the report reads ~1.3M polls at 3,700
 * stores, and Kysely's row objects (batches of 200 stores with an IN list) made it cost ~2x the
 * plain query's floor (`npm run bench:uptime`, 1.5 s against 0.7 s). Measured on those 1.85M polls
 * (bench/README.md):
 * - SQLite: one prepared statement per store, a range seek on the clustered (store_key, ts_ms)
 *   key, plucking one number per poll (ts_ms * 2 + active, exact below 2^52) with .all(): ~0.22 s
 *   for the week, against ~0.55 s for .raw().all() (an array per row), ~0.9 s for .raw().iterate()
 *   and ~1.1 s for the floor's one ordered scan of the table.
 * - PostgreSQL: the table's heap is in the order polls arrived (time, across stores), so any
 *   batch of stores has polls on nearly every page of the week: a query per batch read the
 *   window's pages once a batch, and the report grew with the square of the fleet (10.4 s at 4x
 *   the polls, 1.3 s at 1x). So one COPY ... TO STDOUT of the whole window in key order, parsed
 *   byte by byte into the columns and cut into batches as it streams: the server sorts once.
 */
export function windowReader(native: NativeHandle): WindowReader {
  if (native.dialect === 'sqlite') {
    let statement: SQLite.Statement<[number, number, number], number> | undefined;
    return async function* (storeKeys, from, to) {
      statement ??= native.sqlite
        .prepare<[number, number, number], number>(
          'select ts_ms * 2 + (active = 1) from uptime_polls where store_key = ? and ts_ms > ? and ts_ms <= ? order by ts_ms',
        )
        .pluck();
      const keys = [...storeKeys].sort((a, b) => a - b);
      const polls = new PollColumns();
      for (let b = 0; b < keys.length; b += STORES_PER_BATCH) {
        const batch = keys.slice(b, b + STORES_PER_BATCH);
        polls.length = 0;
        for (const key of batch) {
          for (const v of statement.all(key, from, to)) {
            const active = Math.abs(v % 2); // -1 for a negative ts_ms
            polls.push(key, (v - active) / 2, active);
          }
        }
        yield { keys: batch, polls };
      }
    };
  }
  const { pool } = native;
  return async function* (storeKeys, from, to) {
    // COPY takes no bind parameters, so the window's bounds are written into the statement:
    // integers, checked here, so nothing but digits gets in. For the integer ts_ms, `> from` and
    // `<= to` mean the same with from and to rounded down.
    const low = Math.floor(from);
    const high = Math.floor(to);
    for (const n of [low, high])
      if (!Number.isSafeInteger(n)) throw new RangeError(`poll window: ${n} is not an integer`);
    const keys = [...storeKeys].sort((a, b) => a - b);
    const wanted = new Set(keys);
    const polls = new PollColumns();
    /** Index in `keys` of the next batch's first store. */
    let first = 0;
    /** The stores keys[first..end) as a batch; their polls are cleared once the consumer is done. */
    function* cut(end: number): Generator<WindowBatch> {
      yield { keys: keys.slice(first, end), polls };
      polls.length = 0;
      first = end;
    }
    if (keys.length === 0) return;
    // One statement from the first batch to the last, paused while its consumer works (TCP holds
    // the server back, nothing piles up here): a server-side statement_timeout shorter than a
    // report would cancel it: the attempt fails with that error (the report job tries 3 times).
    const client = await pool.connect();
    let failed: Error | undefined;
    let done = false;
    try {
      const stream = client.query(
        copyTo(
          `copy (select store_key, ts_ms, active from uptime_polls where ts_ms > ${low} and ts_ms <= ${high} ` +
            `order by store_key, ts_ms) to stdout`,
        ),
      );
      // COPY's text format here: three decimal integers a line, tab-separated (no NULLs, nothing
      // to escape); parsed byte by byte, a line across two chunks included.
      let field = 0;
      let value = 0;
      let negative = false;
      let store = 0;
      let at = 0;
      /** Index in `keys` of the store being read (keys[next] >= store), for cutting batches. */
      let next = 0;
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        for (let i = 0; i < chunk.length; i++) {
          const c = chunk[i] as number;
          if (c >= 48 && c <= 57) value = value * 10 + (c - 48);
          else if (c === 45) negative = true;
          else {
            if (negative) value = -value;
            if (c === 9) {
              if (field === 0) store = value;
              else at = value;
              field += 1;
            } else if (c === 10) {
              if (wanted.has(store)) {
                if (keys[next] !== store) {
                  while ((keys[next] as number) < store) next++;
                  // A new store: the ones before it are complete (with the stores in between,
                  // which have no poll in the window), a batch once there are enough of them.
                  if (next - first >= STORES_PER_BATCH) yield* cut(next);
                }
                polls.push(store, at, value === 1 ? 1 : 0);
              }
              field = 0;
            }
            value = 0;
            negative = false;
          }
        }
      }
      done = true;
    } catch (err) {
      failed = err as Error;
      throw err;
    } finally {
      // A connection whose COPY failed, or was left before its end, is not reused.
      client.release(failed ?? (done ? undefined : new Error('poll window read stopped early')));
    }
    if (first < keys.length) yield* cut(keys.length);
  };
}

/** Up to `limit` polls of one store with ts_ms <= before, latest first. */
export async function pollsBefore(
  db: UptimeDb,
  storeKey: number,
  before: number,
  limit: number,
): Promise<StoredPoll[]> {
  return db
    .selectFrom('uptime_polls')
    .select(['store_key', 'ts_ms', 'active'])
    .where('store_key', '=', storeKey)
    .where('ts_ms', '<=', before)
    .orderBy('ts_ms', 'desc')
    .limit(limit)
    .execute();
}

/** Stores whose id contains `q`, with their poll counts, by id. */
export async function searchStores(
  db: UptimeDb,
  q: string,
  limit: number,
): Promise<{ store_id: string; polls: number }[]> {
  let query = db.selectFrom('uptime_stores').select(['id', 'store_id']).orderBy('store_id').limit(limit);
  if (q !== '') {
    const pattern = `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    // ESCAPE spelled out: SQLite has no default escape character, PostgreSQL's is the backslash.
    query = query.where(sql<boolean>`store_id like ${pattern} escape '\\'`);
  }
  const stores = await query.execute();
  if (stores.length === 0) return [];
  const counts = await db
    .selectFrom('uptime_polls')
    .select(['store_key', (eb) => eb.fn.countAll<number>().as('n')])
    .where(
      'store_key',
      'in',
      stores.map((s) => s.id),
    )
    .groupBy('store_key')
    .execute();
  const byKey = new Map(counts.map((c) => [c.store_key, Number(c.n)]));
  return stores.map((s) => ({ store_id: s.store_id, polls: byKey.get(s.id) ?? 0 }));
}

export async function insertReport(db: UptimeDb, row: Insertable<ReportTable>): Promise<ReportRow> {
  return db.insertInto('uptime_reports').values(row).returningAll().executeTakeFirstOrThrow();
}

export async function findReport(db: UptimeDb, id: string): Promise<ReportRow | undefined> {
  return db.selectFrom('uptime_reports').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Whether the report's row was there to update. */
export async function updateReport(
  db: UptimeDb,
  id: string,
  changes: Updateable<ReportTable>,
): Promise<boolean> {
  const result = await db.updateTable('uptime_reports').set(changes).where('id', '=', id).executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/** Progress only moves forward, and only while the report runs (a late update never undoes "complete"). */
export async function updateReportProgress(db: UptimeDb, id: string, progress: number): Promise<void> {
  await db
    .updateTable('uptime_reports')
    .set({ progress })
    .where('id', '=', id)
    .where('status', '=', 'running')
    .where('progress', '<', progress)
    .execute();
}

/** The reports still owed (queued or running), oldest first, with what their job was given. */
export async function unfinishedReports(db: UptimeDb): Promise<Pick<ReportRow, 'id' | 'requested_now_ms'>[]> {
  return db
    .selectFrom('uptime_reports')
    .select(['id', 'requested_now_ms'])
    .where('status', 'in', ['queued', 'running'])
    .orderBy('created_at')
    .orderBy('id')
    .execute();
}

export async function recentReports(db: UptimeDb, limit: number): Promise<ReportRow[]> {
  return db
    .selectFrom('uptime_reports')
    .selectAll()
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
}

/** Finished reports older than the cutoff (ISO time). */
export async function reportsFinishedBefore(db: UptimeDb, cutoff: string): Promise<string[]> {
  const rows = await db
    .selectFrom('uptime_reports')
    .select('id')
    .where('status', 'in', ['complete', 'failed'])
    .where('finished_at', '<', cutoff)
    .execute();
  return rows.map((r) => r.id);
}

export async function deleteReports(db: UptimeDb, ids: readonly string[]): Promise<void> {
  for (const part of chunks(ids)) await db.deleteFrom('uptime_reports').where('id', 'in', part).execute();
}
