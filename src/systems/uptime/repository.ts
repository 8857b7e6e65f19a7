// Every SQL statement of the uptime system (the poll bulk load goes through the platform's bulkInsert).
import { sql, type Insertable, type Selectable, type Updateable } from 'kysely';
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

export async function updateReport(
  db: UptimeDb,
  id: string,
  changes: Updateable<ReportTable>,
): Promise<void> {
  await db.updateTable('uptime_reports').set(changes).where('id', '=', id).execute();
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
