// Running a report against the database: the one engine behind the report job's thread, the CLI's
// `quintet report uptime` and a store's timeline. Stores are taken in store_id order, a batch at a
// time: their polls in (now - 8 d, now] (the week and a day before it, see MARGIN_MS) come in one
// query ordered by store and time, and only a store whose figures could still depend on an older
// poll (StoreAccumulator.needsEarlierObservation) looks back for the latest poll before that which
// falls inside its business hours.
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
  type StoredPoll,
} from './repository.js';
import type { UptimeDb } from './tables.js';

/** Stores per poll query: ~500 polls a store, so ~100,000 rows a query. */
const STORES_PER_BATCH = 200;
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
 * Hands the store's polls (in time order, within the window) to `acc`, then the one earlier
 * observation when it is needed; returns how many polls were read for the look-back.
 */
async function feedStore(
  db: UptimeDb,
  acc: StoreAccumulator,
  key: number,
  polls: readonly StoredPoll[],
  from: number,
  to: number,
): Promise<number> {
  for (let i = from; i < to; i++) {
    const p = polls[i] as StoredPoll;
    acc.push(Number(p.ts_ms), p.active === 1);
  }
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

/** Computes the whole report and writes it as CSV: one row per store with a poll at or before now, by store_id. */
export async function runReport(db: UptimeDb, options: ReportRunOptions): Promise<ReportRunResult> {
  const now = await reportNow(db, options.now);
  // Sorted here, by UTF-16 code units: a database's collation may order text otherwise.
  const stores = (await storesWithPolls(db, now)).sort((a, b) =>
    a.storeId < b.storeId ? -1 : a.storeId > b.storeId ? 1 : 0,
  );
  const scheduleOf = await schedulesOf(db);
  const acc = new StoreAccumulator(now);
  await options.write(REPORT_CSV_HEADER);
  let pollsRead = 0;
  for (let b = 0; b < stores.length; b += STORES_PER_BATCH) {
    options.signal?.throwIfAborted();
    const batch = stores.slice(b, b + STORES_PER_BATCH);
    const polls = await pollsInRange(
      db,
      batch.map((s) => s.key),
      acc.windowStart - MARGIN_MS,
      now,
    );
    pollsRead += polls.length;
    // Where each store's polls are in the result (ordered by store key, then time).
    const ranges = new Map<number, [number, number]>();
    for (let i = 0; i < polls.length;) {
      const key = (polls[i] as StoredPoll).store_key;
      let j = i + 1;
      while (j < polls.length && (polls[j] as StoredPoll).store_key === key) j++;
      ranges.set(key, [i, j]);
      i = j;
    }
    let text = '';
    for (const store of batch) {
      const [from, to] = ranges.get(store.key) ?? [0, 0];
      acc.begin(store.storeId, scheduleOf(store.key));
      pollsRead += await feedStore(db, acc, store.key, polls, from, to);
      text += formatReportCsvRow(toReportRow(acc.finish()));
    }
    await options.write(text);
    options.onProgress?.(Math.min(1, (b + batch.length) / stores.length));
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
  const polls = await pollsInRange(db, [key], acc.windowStart - MARGIN_MS, now);
  await feedStore(db, acc, key, polls, 0, polls.length);
  const timeline = acc.timeline();
  return { schedule, timezoneDefaulted: zones.length === 0, hours, timeline, figures: timeline.figures };
}
