// The uptime engine (pure): one store's business intervals, its polls and `now` -> uptime and
// downtime within business hours for the last hour, day and week, and the week's timeline that
// those figures are the sums of.
//
// Rules (issue 10), and what was decided where it is silent:
// - Windows are (now-1h, now], (now-24h, now], (now-7d, now]; business time as business-hours.ts.
// - Only polls inside business hours are observations ([start, end): a poll at a closing instant is
//   outside). Outside business hours a closed store reads inactive, which says nothing.
// - Every instant of business time takes the status of the observation nearest to it in time,
//   before or after, over the store's whole history; at equal distance the earlier one wins. So
//   uptime + downtime is the window's business time exactly (in ms, before rounding).
// - Observations after `now` are not used: a report at `now` says what was known at `now`, so a
//   report asked for a past instant gives what it would have given then, and re-running it later,
//   after more polls arrived, gives the same figures.
// - A store with no observation at all (inside its hours, up to `now`) is down for all its business
//   time.
// - Two observations at the same instant: inactive wins, whatever order they came in (a CSV or a
//   query does not order ties, and a report must not depend on that; an owner would rather see an
//   outage that might be one than miss it).
// - Figures stay in ms until output; toReportRow converts to minutes/hours and formatReportCsvRow
//   rounds to 2 decimals (half up), so a row's up + down can differ from the business time by 0.01.
//
// History the engine needs (reportHistory): the store's polls in (now-7d, now], plus the latest
// in-hours observation at or before now-7d, however far back it is; no earlier poll can change a
// figure (an instant inside the window is nearer to that observation than to any earlier one). A
// caller streams stores one at a time (a query ordered by store and time) through one
// StoreAccumulator: begin, push the store's polls, finish -> figures. It may push older polls too
// (they are ignored except for that one), or push only the window and then ask
// needsEarlierObservation(): only when it is true can an earlier observation change the figures,
// and the caller then hands over the latest poll before the window for which isObservation() is
// true, with pushEarlierObservation (which keeps what was worked out for the window).
import { businessIntervals, isOpenAt, type Interval, type StoreSchedule } from './business-hours.js';

export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;
export const WEEK_MS = 7 * DAY_MS;

/** The three windows, ending at `now`. */
export const REPORT_WINDOWS = [
  { name: 'hour', ms: HOUR_MS },
  { name: 'day', ms: DAY_MS },
  { name: 'week', ms: WEEK_MS },
] as const;

export interface WindowFigures {
  hour: number;
  day: number;
  week: number;
}

/** One store's figures, in ms of business time. */
export interface StoreUptime {
  storeId: string;
  up: WindowFigures;
  down: WindowFigures;
}

/**
 * What a report at `now` needs from each store's history: its polls with windowStart < at <= now,
 * plus the latest observation (a poll inside business hours) with at <= windowStart.
 */
export interface ReportHistory {
  windowStart: number;
  now: number;
}

export function reportHistory(now: number): ReportHistory {
  return { windowStart: now - WEEK_MS, now };
}

/** A poll as the timeline shows it. */
export interface TimelinePoll {
  at: number;
  active: boolean;
  /** inside business hours, so an observation */
  observation: boolean;
}

export interface StoreTimeline {
  storeId: string;
  timezone: string;
  /** open 24x7 (no hours rows) */
  allDay: boolean;
  now: number;
  windowStart: number;
  /** business time within (windowStart, now] */
  business: Interval[];
  /** the polls within (windowStart, now], in time order */
  polls: TimelinePoll[];
  /** the observation before the window that the figures use, if any */
  earlier: { at: number; active: boolean } | null;
  /** interpolated business time up and down, within (windowStart, now]; together they are `business` */
  up: Interval[];
  down: Interval[];
  /** the report's figures: the sums of `up` and `down` over each window */
  figures: StoreUptime;
}

/** Adds the piece [x, y) to each window it overlaps (all pieces end at or before `now`). */
function addPiece(into: WindowFigures, x: number, y: number, now: number): void {
  const h = now - HOUR_MS;
  const d = now - DAY_MS;
  if (y > h) into.hour += y - (x > h ? x : h);
  if (y > d) into.day += y - (x > d ? x : d);
  into.week += y - x; // pieces lie inside the week by construction
}

/** Sums intervals into window figures; the one way both the report and the timeline add up. */
export function sumWindows(intervals: readonly Interval[], now: number): WindowFigures {
  const sums = { hour: 0, day: 0, week: 0 };
  const w = now - WEEK_MS;
  for (const i of intervals) {
    const x = Math.max(i.start, w);
    const y = Math.min(i.end, now);
    if (y > x) addPiece(sums, x, y, now);
  }
  return sums;
}

/**
 * The nearest-observation sweep: walks the business intervals and the observations' cells (the
 * instants nearer to observation i than to any other; the boundary between two is their midpoint)
 * together and calls `emit` for each piece of business time with the status that covers it.
 * Boundary points decide nothing measurable, so cells are taken as [m(i-1), m(i)).
 */
function sweep(
  business: readonly Interval[],
  times: Float64Array,
  active: Uint8Array,
  n: number,
  emit: (x: number, y: number, active: boolean) => void,
): void {
  let i = 0;
  for (const b of business) {
    let x = b.start;
    while (x < b.end) {
      if (n === 0) {
        emit(x, b.end, false);
        break;
      }
      const cellEnd =
        i < n - 1 ? ((times[i] as number) + (times[i + 1] as number)) / 2 : Number.POSITIVE_INFINITY;
      if (cellEnd <= x) {
        i += 1;
        continue;
      }
      const y = cellEnd < b.end ? cellEnd : b.end;
      emit(x, y, active[i] === 1);
      x = y;
    }
  }
}

/**
 * Collects one store's polls and computes its figures; reusable for store after store (begin ...
 * push ... finish), so a report holds one store's polls at a time.
 */
export class StoreAccumulator {
  readonly now: number;
  readonly windowStart: number;
  private storeId = '';
  private schedule: StoreSchedule = { timezone: 'UTC', days: null };
  private times = new Float64Array(1024);
  private active = new Uint8Array(1024);
  private count = 0;
  // filled by analyse(), valid until the next push or begin
  private analysed = false;
  private business: Interval[] = [];
  private obsTimes = new Float64Array(1024);
  private obsActive = new Uint8Array(1024);
  private obsCount = 0;
  private earlier: { at: number; active: boolean } | null = null;
  private pollsInWindow: TimelinePoll[] | null = null;
  // the observation handed to pushEarlierObservation
  private given: { at: number; active: boolean } | null = null;

  constructor(now: number) {
    if (!Number.isFinite(now)) throw new RangeError('now must be a finite epoch ms');
    this.now = now;
    this.windowStart = now - WEEK_MS;
  }

  /** Starts a store (discarding whatever the previous one left). */
  begin(storeId: string, schedule: StoreSchedule): void {
    this.storeId = storeId;
    this.schedule = schedule;
    this.count = 0;
    this.given = null;
    this.analysed = false;
  }

  /**
   * Adds a poll. Best in time order: a poll out of order is inserted in place, which costs a shift
   * of the later ones. Polls after now are not used.
   */
  push(at: number, active: boolean): void {
    if (at > this.now) return;
    if (this.count === this.times.length) {
      this.times = grow(this.times, this.count);
      this.active = grow(this.active, this.count);
    }
    let k = this.count;
    if (k > 0 && at < (this.times[k - 1] as number)) {
      let lo = 0;
      while (lo < k) {
        const mid = (lo + k) >>> 1;
        if ((this.times[mid] as number) <= at) lo = mid + 1;
        else k = mid;
      }
      this.times.copyWithin(k + 1, k, this.count);
      this.active.copyWithin(k + 1, k, this.count);
    }
    this.times[k] = at;
    this.active[k] = active ? 1 : 0;
    this.count += 1;
    this.analysed = false;
  }

  /**
   * Hands over the latest observation at or before windowStart (a poll for which isObservation is
   * true), found by the caller after needsEarlierObservation(); cheaper than push, as what was
   * worked out for the window stays valid. Observations at that same instant: call once for each.
   */
  pushEarlierObservation(at: number, active: boolean): void {
    if (at > this.windowStart)
      throw new RangeError('an earlier observation must be at or before windowStart');
    if (this.given === null || at > this.given.at) this.given = { at, active };
    else if (at === this.given.at) this.given = { at, active: this.given.active && active };
    if (!this.analysed) return;
    const e = this.earlier;
    if (e !== null && e.at > at) return; // one nearer to the window is known already
    if (e !== null && e.at === at) {
      e.active &&= active;
      this.obsActive[0] = e.active ? 1 : 0;
      return;
    }
    if (e === null) {
      if (this.obsTimes.length < this.obsCount + 1) {
        this.obsTimes = grow(this.obsTimes, this.obsCount);
        this.obsActive = grow(this.obsActive, this.obsCount);
      }
      this.obsTimes.copyWithin(1, 0, this.obsCount);
      this.obsActive.copyWithin(1, 0, this.obsCount);
      this.obsCount += 1;
    }
    this.earlier = { at, active };
    this.obsTimes[0] = at;
    this.obsActive[0] = active ? 1 : 0;
  }

  /** Whether a poll at `at` would be an observation (inside business hours, not after now). */
  isObservation(at: number): boolean {
    return at <= this.now && isOpenAt(this.schedule, at);
  }

  /**
   * Whether an observation at or before windowStart, not pushed yet, could change the figures:
   * true when none was pushed and business time in the window comes before the first
   * observation in it (or there is none).
   */
  needsEarlierObservation(): boolean {
    this.analyse(false);
    if (this.earlier !== null || this.business.length === 0) return false;
    return this.obsCount === 0 || (this.business[0] as Interval).start < (this.obsTimes[0] as number);
  }

  /** The store's figures. */
  finish(): StoreUptime {
    this.analyse(false);
    const up = { hour: 0, day: 0, week: 0 };
    const down = { hour: 0, day: 0, week: 0 };
    const now = this.now;
    sweep(this.business, this.obsTimes, this.obsActive, this.obsCount, (x, y, a) =>
      addPiece(a ? up : down, x, y, now),
    );
    return { storeId: this.storeId, up, down };
  }

  /** The store's week: business time, polls, interpolated up and down periods, and the figures they sum to. */
  timeline(): StoreTimeline {
    this.analyse(true);
    const up: Interval[] = [];
    const down: Interval[] = [];
    sweep(this.business, this.obsTimes, this.obsActive, this.obsCount, (x, y, a) => {
      const list = a ? up : down;
      const last = list[list.length - 1];
      if (last !== undefined && last.end === x) last.end = y;
      else list.push({ start: x, end: y });
    });
    return {
      storeId: this.storeId,
      timezone: this.schedule.timezone,
      allDay: this.schedule.days === null,
      now: this.now,
      windowStart: this.windowStart,
      business: this.business.map((b) => ({ ...b })),
      polls: this.pollsInWindow ?? [],
      earlier: this.earlier && { ...this.earlier },
      up,
      down,
      figures: { storeId: this.storeId, up: sumWindows(up, this.now), down: sumWindows(down, this.now) },
    };
  }

  private analyse(withPolls: boolean): void {
    if (this.analysed && (!withPolls || this.pollsInWindow !== null)) return;
    const { times, active, count, now, windowStart } = this;
    // Business time for the window, one ms past now so that a poll at `now` can be classified.
    const open = businessIntervals(this.schedule, windowStart, now + 1);
    this.business = [];
    for (const b of open) {
      const end = b.end > now ? now : b.end;
      if (end > b.start) this.business.push({ start: b.start, end });
    }
    // First poll inside the window (binary search: the polls are sorted).
    let lo = 0;
    let hi = count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((times[mid] as number) <= windowStart) lo = mid + 1;
      else hi = mid;
    }
    const first = lo;
    // The latest observation at or before windowStart (several at that instant: inactive wins).
    let earlierAt = Number.NaN;
    let earlierActive = true;
    for (let k = first - 1; k >= 0; k--) {
      const at = times[k] as number;
      if (at < earlierAt) break; // false while none is found (NaN)
      if (isOpenAt(this.schedule, at)) {
        earlierAt = at;
        earlierActive &&= active[k] === 1;
      }
    }
    const given = this.given;
    if (given !== null && !(given.at < earlierAt)) {
      earlierActive = given.at === earlierAt ? earlierActive && given.active : given.active;
      earlierAt = given.at;
    }
    this.earlier = Number.isNaN(earlierAt) ? null : { at: earlierAt, active: earlierActive };
    if (this.obsTimes.length < count - first + 1) {
      this.obsTimes = new Float64Array(count - first + 1);
      this.obsActive = new Uint8Array(count - first + 1);
    }
    let n = 0;
    if (this.earlier !== null) {
      this.obsTimes[0] = this.earlier.at;
      this.obsActive[0] = this.earlier.active ? 1 : 0;
      n = 1;
    }
    const polls: TimelinePoll[] | null = withPolls ? [] : null;
    let j = 0; // cursor into `open`, whose intervals ascend like the polls
    for (let k = first; k < count; k++) {
      const at = times[k] as number;
      while (j < open.length && (open[j] as Interval).end <= at) j += 1;
      const inHours = j < open.length && (open[j] as Interval).start <= at;
      if (polls !== null) polls.push({ at, active: active[k] === 1, observation: inHours });
      if (!inHours) continue;
      if (n > 0 && this.obsTimes[n - 1] === at) {
        if (active[k] === 0) this.obsActive[n - 1] = 0;
        continue;
      }
      this.obsTimes[n] = at;
      this.obsActive[n] = active[k] as number;
      n += 1;
    }
    this.obsCount = n;
    this.pollsInWindow = polls;
    this.analysed = true;
  }
}

function grow<T extends Float64Array | Uint8Array>(array: T, used: number): T {
  const bigger = new (array.constructor as new (n: number) => T)(array.length * 2);
  bigger.set(array.subarray(0, used));
  return bigger;
}

export interface Poll {
  at: number;
  active: boolean;
}

/** One store's figures from its polls (any order). */
export function storeUptime(
  storeId: string,
  schedule: StoreSchedule,
  polls: Iterable<Poll>,
  now: number,
): StoreUptime {
  const acc = new StoreAccumulator(now);
  acc.begin(storeId, schedule);
  for (const p of polls) acc.push(p.at, p.active);
  return acc.finish();
}

/** One store's week (see StoreTimeline) from its polls (any order). */
export function storeTimeline(
  storeId: string,
  schedule: StoreSchedule,
  polls: Iterable<Poll>,
  now: number,
): StoreTimeline {
  const acc = new StoreAccumulator(now);
  acc.begin(storeId, schedule);
  for (const p of polls) acc.push(p.at, p.active);
  return acc.timeline();
}

export interface StorePoll extends Poll {
  storeId: string;
}

/**
 * The figures of each store in `polls`, which must come grouped by store (e.g. ordered by store
 * and time), yielded store by store in that order; `scheduleOf` gives a store's schedule.
 */
export function* reportStores(
  polls: Iterable<StorePoll>,
  scheduleOf: (storeId: string) => StoreSchedule,
  now: number,
): Generator<StoreUptime> {
  const acc = new StoreAccumulator(now);
  const done = new Set<string>();
  let current: string | null = null;
  for (const p of polls) {
    if (p.storeId !== current) {
      if (current !== null) {
        done.add(current);
        yield acc.finish();
      }
      if (done.has(p.storeId)) throw new Error(`polls are not grouped by store: ${p.storeId} comes again`);
      current = p.storeId;
      acc.begin(current, scheduleOf(current));
    }
    acc.push(p.at, p.active);
  }
  if (current !== null) yield acc.finish();
}

/** The report's columns, in order. */
export const REPORT_COLUMNS = [
  'store_id',
  'uptime_last_hour',
  'uptime_last_day',
  'uptime_last_week',
  'downtime_last_hour',
  'downtime_last_day',
  'downtime_last_week',
] as const;

export const REPORT_CSV_HEADER = REPORT_COLUMNS.join(',') + '\n';

/** A report row, unrounded: the hour in minutes, the day and week in hours. */
export interface UptimeReportRow {
  store_id: string;
  uptime_last_hour: number;
  uptime_last_day: number;
  uptime_last_week: number;
  downtime_last_hour: number;
  downtime_last_day: number;
  downtime_last_week: number;
}

export function toReportRow(u: StoreUptime): UptimeReportRow {
  return {
    store_id: u.storeId,
    uptime_last_hour: u.up.hour / 60_000,
    uptime_last_day: u.up.day / HOUR_MS,
    uptime_last_week: u.up.week / HOUR_MS,
    downtime_last_hour: u.down.hour / 60_000,
    downtime_last_day: u.down.day / HOUR_MS,
    downtime_last_week: u.down.week / HOUR_MS,
  };
}

/** A figure as the report writes it: 2 decimals, half up. */
export function formatFigure(value: number): string {
  return (Math.round(value * 100 + 1e-9) / 100).toFixed(2);
}

function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** One CSV line (with its '\n') of the report, columns in REPORT_COLUMNS order. */
export function formatReportCsvRow(row: UptimeReportRow): string {
  return (
    `${csvField(row.store_id)},${formatFigure(row.uptime_last_hour)},${formatFigure(row.uptime_last_day)},` +
    `${formatFigure(row.uptime_last_week)},${formatFigure(row.downtime_last_hour)},` +
    `${formatFigure(row.downtime_last_day)},${formatFigure(row.downtime_last_week)}\n`
  );
}
