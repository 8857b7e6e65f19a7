// A store's business hours as UTC intervals (pure; time-zone rules come from Luxon's IANAZone, i.e.
// the ICU data of this Node, never from hand-written offsets).
//
// Rules (issue 10):
// - A store with no hours rows is open 24x7. A store with rows, but none for some weekday, is closed
//   that day. Several intervals a day are allowed; overlapping or touching ones merge.
// - Each interval is applied on each of the store's local calendar dates (the weekday of that local
//   date picks the intervals) and converted to UTC as [start, end). An end earlier than the start is
//   on the next local date (overnight). Ends are literal: 23:59:59 leaves the day's last second closed.
// - The timezone is the store's IANA zone, America/Chicago when it has none.
// Local times that do not exist or exist twice (decided here, as a restaurant owner reads a clock):
// - Spring forward (a gap, e.g. 02:00-03:00 in Chicago): a time in the gap means the instant the
//   clocks jump, i.e. the first moment the clock shows that time or later. 01:30-03:30 that night is
//   one hour long; 02:00-02:30 is empty (it never happens); 01:30-02:30 ends at the jump (30 min).
// - Fall back (a repeated hour): a time that occurs twice means its first occurrence, for a start
//   and an end alike (one opens, and closes, the first time the clock shows it). 01:30-03:30 that
//   night lasts three hours; 00:00-01:30 ends at the first 01:30.
//
// Speed (measured in bench/uptime-engine.ts): Luxon's offset lookup costs ~8 µs, too slow to call per
// interval for 3,700 stores. A local date's conversion is memoised per zone: when the zone's offset
// is the same at five UTC midnights around the date (a day before to three days after, which covers
// every instant an interval of that date can reach), every wall time of the date is `wall - offset`.
// Only dates near a transition (two a year per zone) take the exact, slower path below.
import { IANAZone } from 'luxon';

export const DEFAULT_TIMEZONE = 'America/Chicago';

const DAY_MS = 86_400_000;

/** A UTC interval [start, end) in epoch ms. */
export interface Interval {
  start: number;
  end: number;
}

/** One weekly opening: weekday 0 = Monday .. 6 = Sunday; start/end in seconds after local midnight. */
export interface WeeklyHours {
  weekday: number;
  start: number;
  end: number;
}

/** A store's weekly hours, ready for conversion (build it with buildSchedule). */
export interface StoreSchedule {
  timezone: string;
  /** null: open 24x7; else per weekday (0 = Monday) its [start, end] seconds pairs, sorted by start */
  days: readonly (readonly (readonly [number, number])[])[] | null;
}

/** The schedule of a store's hours rows (any order) and timezone (America/Chicago when absent). */
export function buildSchedule(hours: readonly WeeklyHours[], timezone?: string | null): StoreSchedule {
  const zone = timezone || DEFAULT_TIMEZONE;
  if (hours.length === 0) return { timezone: zone, days: null };
  const days: [number, number][][] = [[], [], [], [], [], [], []];
  for (const h of hours) {
    const day = days[h.weekday];
    if (day === undefined) throw new RangeError(`weekday ${h.weekday} is not 0..6`);
    day.push([h.start, h.end]);
  }
  for (const day of days) day.sort((a, b) => a[0] - b[0]);
  return { timezone: zone, days };
}

/** The weekday (0 = Monday) of a day number (days since 1970-01-01, a Thursday). */
export const weekdayOfDay = (day: number): number => (((day + 3) % 7) + 7) % 7;

class ZoneDays {
  readonly zone: IANAZone;
  /** offset (ms) at each UTC midnight, by UTC day number */
  private readonly midnightOffsets = new Map<number, number>();
  /** by local day number: the date's constant offset (ms), or NaN when a transition is near */
  private readonly dayOffsets = new Map<number, number>();

  constructor(name: string) {
    this.zone = IANAZone.create(name);
    if (!this.zone.isValid) throw new RangeError(`unknown timezone '${name}'`);
  }

  /** Offset (ms) of the zone at a UTC instant. */
  offsetAt(utc: number): number {
    return this.zone.offset(utc) * 60_000;
  }

  private midnightOffset(day: number): number {
    let o = this.midnightOffsets.get(day);
    if (o === undefined) {
      o = this.offsetAt(day * DAY_MS);
      this.midnightOffsets.set(day, o);
    }
    return o;
  }

  /** The offset that converts every wall time of local day `day` (and the next), NaN if none does. */
  dayOffset(day: number): number {
    let o = this.dayOffsets.get(day);
    if (o === undefined) {
      o = this.midnightOffset(day - 1);
      for (let d = day; d <= day + 3; d++) if (this.midnightOffset(d) !== o) o = Number.NaN;
      this.dayOffsets.set(day, o);
    }
    return o;
  }

  /** The UTC instant of a wall time (ms as if the wall clock were UTC), by the rules above. */
  wallToUtc(wall: number): number {
    const before = this.offsetAt(wall - DAY_MS);
    const after = this.offsetAt(wall + DAY_MS);
    let best = Number.POSITIVE_INFINITY;
    for (const o of before === after ? [before] : [before, after]) {
      if (this.offsetAt(wall - o) === o) best = Math.min(best, wall - o); // earliest = first occurrence
    }
    if (best !== Number.POSITIVE_INFINITY) return best;
    // In a gap: the transition lies in (wall - larger offset, wall - smaller offset]; find it to the
    // second (transitions fall on whole seconds; offsets are whole minutes, so the bounds are too).
    const smaller = Math.min(before, after);
    let lo = wall - Math.max(before, after);
    let hi = wall - smaller;
    while (hi - lo > 1000) {
      const mid = lo + Math.floor((hi - lo) / 2000) * 1000;
      if (this.offsetAt(mid) === smaller) lo = mid;
      else hi = mid;
    }
    return hi;
  }
}

const zones = new Map<string, ZoneDays>();

function zoneDays(name: string): ZoneDays {
  let z = zones.get(name);
  if (z === undefined) {
    if (zones.size > 1000) zones.clear(); // a bound for pathological input; real fleets use ~a dozen
    z = new ZoneDays(name);
    zones.set(name, z);
  }
  return z;
}

/** The UTC instant of a local wall-clock time in `timezone`, by the gap and repeat rules above. */
export function localToUtc(
  timezone: string,
  year: number,
  month: number,
  day: number,
  secondOfDay: number,
): number {
  const dayNumber = Date.UTC(year, month - 1, day) / DAY_MS;
  return wallToUtc(zoneDays(timezone), dayNumber, dayNumber * DAY_MS + secondOfDay * 1000);
}

function wallToUtc(z: ZoneDays, day: number, wall: number): number {
  const o = z.dayOffset(day);
  return Number.isNaN(o) ? z.wallToUtc(wall) : wall - o;
}

/**
 * The store's business time within [from, to) (epoch ms) as sorted, disjoint, non-touching UTC
 * intervals, clipped to the range.
 */
export function businessIntervals(schedule: StoreSchedule, from: number, to: number): Interval[] {
  if (!(from < to)) return [];
  if (schedule.days === null) return [{ start: from, end: to }];
  const z = zoneDays(schedule.timezone);
  const out: Interval[] = [];
  // Local dates whose intervals can reach [from, to): offsets lie within ±18 h and an interval ends
  // at most a day after its date, so two days before `from` through one after `to` cover them.
  const last = Math.floor(to / DAY_MS) + 1;
  for (let day = Math.floor(from / DAY_MS) - 2; day <= last; day++) {
    const opens = schedule.days[weekdayOfDay(day)] as readonly (readonly [number, number])[];
    const midnight = day * DAY_MS;
    for (const [s, e] of opens) {
      const start = Math.max(from, wallToUtc(z, day, midnight + s * 1000));
      const endWall = e > s ? midnight + e * 1000 : midnight + DAY_MS + e * 1000;
      const end = Math.min(to, wallToUtc(z, day, endWall));
      if (end <= start) continue;
      // Starts come in order (dates in order, each date's intervals sorted, conversion monotonic),
      // so merging with the last interval is enough.
      const prev = out[out.length - 1];
      if (prev !== undefined && start <= prev.end) {
        if (end > prev.end) prev.end = end;
      } else {
        out.push({ start, end });
      }
    }
  }
  return out;
}

/** Whether the store is open at instant `at`. */
export function isOpenAt(schedule: StoreSchedule, at: number): boolean {
  return businessIntervals(schedule, at, at + 1).length > 0;
}

/** Total length (ms) of a list of disjoint intervals. */
export function totalLength(intervals: readonly Interval[]): number {
  let sum = 0;
  for (const i of intervals) sum += i.end - i.start;
  return sum;
}
