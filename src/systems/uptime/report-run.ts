// Running a report against the database: the one engine behind the report job's thread, the CLI's
// `quintet report uptime` and a store's timeline. Stores are taken by key, a batch at a time: their
// polls in (now - 8 d, now] (the week and a day before it, see MARGIN_MS) come through the driver
// under Kysely (repository.ts's windowReader, the measured hot path), column by column, grouped by
// store and in time order, and only a store whose figures could still depend on an older poll
// (StoreAccumulator.needsEarlierObservation) looks back for the latest poll before that which falls
// inside its business hours. The rows are written by store_id at the end.
import type { NativeHandle } from '../../platform/db/database.js';
import { badInput } from '../../platform/errors.js';
import { buildSchedule, type StoreSchedule, type WeeklyHours } from './business-hours.js';
import {
  REPORT_CSV_HEADER,
  StoreAccumulator,
  formatReportCsvRow,
  toReportRow,
  type StoreTimeline,
  type StoreUptime,
} from './report.js';
import {
  hoursOf,
  latestPollAt,
  pollsBefore,
  pollsInRange,
  storesWithPolls,
  timezonesOf,
  windowReader,
  type StoredPoll,
} from './repository.js';
import type { UptimeDb } from './tables.js';

/**
 * The poll query reads this far before the window too: almost every store was open, and polled,
 * in the day before, so its one earlier observation comes with its other polls (the accumulator
 * ignores the older ones) instead of a look-back query of its own; measured on 1.85M polls of
 * 4,557 stores, the per-store look-back read every poll of the file in 4,557 extra queries.
 */
const MARGIN_MS = 24 * 3_600_000;
/** Polls per look-back query, for the few stores with no observation in the margin either. */
const LOOK_BACK_PAGE = 64;

export interface ReportRunOptions {
  /** The instant to report at (epoch ms); default: the latest poll's time. */
  now?: number;
  /** Receives the CSV, header first, in pieces; awaited (backpressure). */
  write(chunk: string): Promise<void> | void;
  /** Fraction of the stores done, after each batch. */
  onProgress?(fraction: number): void;
  signal?: AbortSignal;
}

export interface ReportRunResult {
  now: number;
  stores: number;
  pollsRead: number;
}

/** Store keys' schedules, from their hours rows and timezones. */
async function schedulesOf(db: UptimeDb, keys?: readonly number[]): Promise<(key: number) => StoreSchedule> {
  const hours = new Map<number, WeeklyHours[]>();
  for (const h of await hoursOf(db, keys)) {
    const row = { weekday: h.weekday, start: h.start_s, end: h.end_s };
    const list = hours.get(h.store_key);
    if (list) list.push(row);
    else hours.set(h.store_key, [row]);
  }
  const zones = new Map((await timezonesOf(db, keys)).map((z) => [z.store_key, z.timezone]));
  const cache = new Map<number, StoreSchedule>();
  return (key) => {
    let s = cache.get(key);
    if (s === undefined) {
      s = buildSchedule(hours.get(key) ?? [], zones.get(key));
      cache.set(key, s);
    }
    return s;
  };
}

/**
 * Hands `acc` (given the store's polls in the window) the one earlier observation when it is
 * needed; returns how many polls were read for it.
 */
async function lookBack(db: UptimeDb, acc: StoreAccumulator, key: number): Promise<number> {
  if (!acc.needsEarlierObservation()) return 0;
  let read = 0;
  let before = acc.windowStart - MARGIN_MS;
  for (;;) {
    const page = await pollsBefore(db, key, before, LOOK_BACK_PAGE);
    read += page.length;
    for (const p of page) {
      const at = Number(p.ts_ms);
      if (acc.isObservation(at)) {
        acc.pushEarlierObservation(at, p.active === 1);
        return read;
      }
    }
    if (page.length < LOOK_BACK_PAGE) return read;
    before = Number((page[page.length - 1] as StoredPoll).ts_ms) - 1;
  }
}

/** The instant a report is computed at: `now` if given, else the latest poll's (bad input when there is none). */
export async function reportNow(db: UptimeDb, now?: number): Promise<number> {
  if (now !== undefined) return now;
  const latest = await latestPollAt(db);
  if (latest === undefined) throw badInput('there are no polls: import some first (quintet import uptime)');
  return latest;
}

/** CSV rows per write once the report is worked out. */
const ROWS_PER_WRITE = 1000;

/**
 * Computes the whole report and writes it as CSV: one row per store with a poll at or before now,
 * by store_id. Reads the polls through the driver under Kysely (`native`, see windowReader), in
 * batches by store key; the rows (one short line a store) are sorted by store_id and written once
 * all are known, so a run that fails or is stopped writes nothing.
 */
export async function runReport(
  db: UptimeDb,
  native: NativeHandle,
  options: ReportRunOptions,
): Promise<ReportRunResult> {
  const now = await reportNow(db, options.now);
  const stores = await storesWithPolls(db, now);
  const idOf = new Map(stores.map((s) => [s.key, s.storeId]));
  const scheduleOf = await schedulesOf(db);
  const acc = new StoreAccumulator(now);
  const read = windowReader(native)(
    stores.map((s) => s.key),
    acc.windowStart - MARGIN_MS,
    now,
  );
  const rows: [storeId: string, line: string][] = [];
  // The stores that need a look-back, with their polls of the window: no query is made while the
  // read is suspended (on PostgreSQL it holds a connection mid-COPY, and a look-back waiting for
  // another would fail a pool of one, or of as many reports), so they are finished after it.
  const later: { key: number; at: Float64Array; active: Uint8Array }[] = [];
  let pollsRead = 0;
  for await (const { keys, polls } of read) {
    options.signal?.throwIfAborted();
    pollsRead += polls.length;
    const { store, at, active } = polls;
    let i = 0;
    for (const key of keys) {
      const first = i;
      acc.begin(idOf.get(key) as string, scheduleOf(key));
      for (; i < polls.length && store[i] === key; i++) acc.push(at[i] as number, active[i] === 1);
      if (acc.needsEarlierObservation())
        later.push({ key, at: at.slice(first, i), active: active.slice(first, i) });
      else rows.push([idOf.get(key) as string, formatReportCsvRow(toReportRow(acc.finish()))]);
    }
    options.onProgress?.(Math.min(1, (rows.length + later.length) / stores.length));
  }
  for (const { key, at, active } of later) {
    options.signal?.throwIfAborted();
    const storeId = idOf.get(key) as string;
    acc.begin(storeId, scheduleOf(key));
    for (let i = 0; i < at.length; i++) acc.push(at[i] as number, active[i] === 1);
    pollsRead += await lookBack(db, acc, key);
    rows.push([storeId, formatReportCsvRow(toReportRow(acc.finish()))]);
  }
  options.signal?.throwIfAborted();
  // By UTF-16 code units: a database's collation may order text otherwise.
  rows.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  await options.write(REPORT_CSV_HEADER);
  for (let r = 0; r < rows.length; r += ROWS_PER_WRITE) {
    let text = '';
    for (const [, line] of rows.slice(r, r + ROWS_PER_WRITE)) text += line;
    await options.write(text);
  }
  options.onProgress?.(1);
  return { now, stores: stores.length, pollsRead };
}

export interface StoreWeek {
  schedule: StoreSchedule;
  /** whether the store has no timezone row (so America/Chicago) */
  timezoneDefaulted: boolean;
  hours: WeeklyHours[];
  timeline: StoreTimeline;
  figures: StoreUptime;
}

/** One store's week at `now`, by the same steps as the report (so its figures are the report's). */
export async function storeWeek(db: UptimeDb, key: number, storeId: string, now: number): Promise<StoreWeek> {
  const scheduleOf = await schedulesOf(db, [key]);
  const schedule = scheduleOf(key);
  const zones = await timezonesOf(db, [key]);
  const hours = (await hoursOf(db, [key]))
    .map((h) => ({ weekday: h.weekday, start: h.start_s, end: h.end_s }))
    .sort((a, b) => a.weekday - b.weekday || a.start - b.start);
  const acc = new StoreAccumulator(now);
  acc.begin(storeId, schedule);
  for (const p of await pollsInRange(db, [key], acc.windowStart - MARGIN_MS, now))
    acc.push(Number(p.ts_ms), p.active === 1);
  await lookBack(db, acc, key);
  const timeline = acc.timeline();
  return { schedule, timezoneDefaulted: zones.length === 0, hours, timeline, figures: timeline.figures };
}
