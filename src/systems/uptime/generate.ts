// Generated polls and demo stores for the uptime system (pure, deterministic per seed; the only I/O
// is writing to the stream a caller hands to writePollCsv).
//
// Polls are made for the stores of given hours/timezones rows, every 20-45 minutes per store, all
// day (like the real exports: the poller does not know business hours), with outages simulated
// in continuous time per store, so runs of inactive polls have varied lengths:
//   steady       (~85 %): up for ~1.5-4 days between outages; outages short (20-60 min, one or two
//                polls), medium (1-6 h) or long (6 h-2 days); plus a rare single inactive poll
//   flaky        (~7 %):  an outage every few hours, 20 min-2 h long
//   mostly down  (~5 %):  down for days, up for a few hours now and then (~80 % inactive)
//   never in hours (~3 %, stores with hours only): polled only while closed, so the report has no
//                observation for them and counts all their business time down
// Each store has its own seeded PRNG (src/platform/random.ts), so a store's polls do not depend on
// the other stores, the output order or maxStores.
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { seededRandom, type Random } from '../../platform/random.js';
import { buildSchedule, businessIntervals, type Interval, type StoreSchedule } from './business-hours.js';
import type { HoursRow, TimezoneRow } from './rows.js';
import { formatExportTimestamp } from './timestamps.js';

const MIN_MS = 60_000;
const HOUR_MS = 60 * MIN_MS;
const DAY_MS = 24 * HOUR_MS;

export type StoreProfile = 'steady' | 'flaky' | 'mostly_down' | 'never_in_hours';

export interface PollGeneratorOptions {
  hours: readonly HoursRow[];
  timezones: readonly TimezoneRow[];
  /** days of polls, ending at `end` */
  days: number;
  /** epoch ms of the end of the polled span (a fixed instant, so the output is deterministic) */
  end: number;
  seed?: number;
  /** poll only this many of the stores (a deterministic choice) */
  maxStores?: number;
  /** 'time' (default): all stores interleaved in time order, like a live feed; 'store': store by store */
  order?: 'time' | 'store';
}

export interface StorePlan {
  storeId: string;
  schedule: StoreSchedule;
  profile: StoreProfile;
  seed: number;
}

export interface GeneratedPoll {
  storeId: string;
  active: boolean;
  /** epoch ms */
  at: number;
  /** microseconds past the second, as the timestamp's fraction (0..999,999; its ms are at's) */
  micros: number;
}

function mix(a: number, b: number): number {
  let h = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(b + 0x632be5ab, 0xc2b2ae35);
  h ^= h >>> 15;
  h = Math.imul(h, 0x27d4eb2f);
  return (h ^ (h >>> 13)) >>> 0;
}

function hashText(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** The stores to poll: every store of either file, sorted by id, each with its schedule and profile. */
export function planStores(
  options: Pick<PollGeneratorOptions, 'hours' | 'timezones' | 'seed' | 'maxStores'>,
): StorePlan[] {
  const seed = options.seed ?? 1;
  const hoursOf = new Map<string, HoursRow[]>();
  for (const h of options.hours) {
    const list = hoursOf.get(h.storeId);
    if (list) list.push(h);
    else hoursOf.set(h.storeId, [h]);
  }
  const zoneOf = new Map(options.timezones.map((z) => [z.storeId, z.timezone]));
  let ids = [...new Set([...hoursOf.keys(), ...zoneOf.keys()])].sort();
  if (options.maxStores !== undefined && options.maxStores < ids.length) {
    // the stores whose seeded hash is smallest: a fixed sample that does not favour any id range
    ids = ids
      .map((id) => [mix(seed, hashText(id)), id] as const)
      .sort((a, b) => a[0] - b[0] || (a[1] < b[1] ? -1 : 1))
      .slice(0, options.maxStores)
      .map(([, id]) => id)
      .sort();
  }
  return ids.map((storeId) => {
    const storeSeed = mix(seed, hashText(storeId));
    const schedule = buildSchedule(hoursOf.get(storeId) ?? [], zoneOf.get(storeId));
    const r = seededRandom(storeSeed ^ 0x5bd1e995)();
    let profile: StoreProfile =
      r < 0.85 ? 'steady' : r < 0.92 ? 'flaky' : r < 0.97 ? 'mostly_down' : 'never_in_hours';
    if (profile === 'never_in_hours' && schedule.days === null) profile = 'steady'; // a 24x7 store is always in hours
    return { storeId, schedule, profile, seed: storeSeed };
  });
}

const exponential = (random: Random, mean: number) => -mean * Math.log(1 - random());
const between = (random: Random, lo: number, hi: number) => lo + random() * (hi - lo);

/** One store's polls, produced one at a time in time order. */
class StorePolls {
  readonly storeId: string;
  at = 0;
  micros = 0;
  active = true;
  private readonly random: Random;
  private readonly profile: StoreProfile;
  private readonly end: number;
  private next: number;
  private down: boolean;
  private stateUntil: number;
  private readonly closedOnly: Interval[] | null;
  private cursor = 0;
  // steady: mean up time between outages
  private readonly meanUp: number;

  constructor(plan: StorePlan, start: number, end: number) {
    this.storeId = plan.storeId;
    this.profile = plan.profile;
    this.random = seededRandom(plan.seed);
    this.end = end;
    this.meanUp = between(this.random, 1.5 * DAY_MS, 4 * DAY_MS);
    this.next = start + this.random() * this.interval();
    // start in a random phase: mostly-down stores begin down
    this.down = this.profile === 'mostly_down' ? this.random() < 0.8 : this.random() < 0.03;
    this.stateUntil = start - this.random() * DAY_MS + this.duration(this.down);
    this.closedOnly = plan.profile === 'never_in_hours' ? businessIntervals(plan.schedule, start, end) : null;
  }

  private interval(): number {
    return between(this.random, 20 * MIN_MS, 45 * MIN_MS);
  }

  private duration(down: boolean): number {
    const r = this.random;
    switch (this.profile) {
      case 'flaky':
        return down ? between(r, 20 * MIN_MS, 2 * HOUR_MS) : exponential(r, 4 * HOUR_MS);
      case 'mostly_down':
        return down ? exponential(r, 2 * DAY_MS) : between(r, 2 * HOUR_MS, 6 * HOUR_MS);
      default: {
        if (!down) return exponential(r, this.meanUp);
        const kind = r();
        if (kind < 0.6) return between(r, 20 * MIN_MS, 60 * MIN_MS);
        if (kind < 0.9) return between(r, HOUR_MS, 6 * HOUR_MS);
        return between(r, 6 * HOUR_MS, 2 * DAY_MS);
      }
    }
  }

  /** Moves to the next poll; false when the span is over. */
  advance(): boolean {
    for (;;) {
      const at = Math.floor(this.next);
      if (at >= this.end) return false;
      this.next += this.interval();
      while (at >= this.stateUntil) {
        this.down = !this.down;
        this.stateUntil += this.duration(this.down);
      }
      if (this.closedOnly !== null) {
        const open = this.closedOnly;
        while (this.cursor < open.length && (open[this.cursor] as Interval).end <= at) this.cursor += 1;
        if (this.cursor < open.length && (open[this.cursor] as Interval).start <= at) continue; // open: not polled
      }
      this.at = at;
      this.micros = (at % 1000) * 1000 + Math.floor(this.random() * 1000);
      const glitch = this.profile === 'steady' && !this.down && this.random() < 0.004;
      this.active = !this.down && !glitch;
      return true;
    }
  }
}

/**
 * The polls of all planned stores, one at a time without allocating: next() moves to the next poll
 * and sets storeId/at/micros/active. Time order is a binary min-heap of store indexes keyed by their
 * current poll (ties: the lower index, i.e. the smaller store id, as stores are sorted by id), in
 * typed arrays with a hole instead of swaps: it runs ~12 levels deep for each of ~1.85M polls.
 */
class PollSource {
  storeId = '';
  at = 0;
  micros = 0;
  active = true;
  private readonly stores: StorePolls[];
  private readonly byTime: boolean;
  private readonly heap: Int32Array;
  private readonly key: Float64Array;
  private size = 0;
  private current = 0; // store order: the store being read
  private started = false;

  get storeCount(): number {
    return this.stores.length;
  }

  constructor(options: PollGeneratorOptions) {
    const start = options.end - options.days * DAY_MS;
    this.stores = planStores(options).map((p) => new StorePolls(p, start, options.end));
    this.byTime = options.order !== 'store';
    this.heap = new Int32Array(this.byTime ? this.stores.length : 0);
    this.key = new Float64Array(this.heap.length);
  }

  private less(a: number, b: number): boolean {
    const ka = this.key[a] as number;
    const kb = this.key[b] as number;
    return ka < kb || (ka === kb && a < b);
  }

  private siftDown(from: number): void {
    const { heap, size } = this;
    const item = heap[from] as number;
    let i = from;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= size) break;
      if (c + 1 < size && this.less(heap[c + 1] as number, heap[c] as number)) c += 1;
      if (!this.less(heap[c] as number, item)) break;
      heap[i] = heap[c] as number;
      i = c;
    }
    heap[i] = item;
  }

  private take(st: StorePolls): true {
    this.storeId = st.storeId;
    this.at = st.at;
    this.micros = st.micros;
    this.active = st.active;
    return true;
  }

  next(): boolean {
    if (!this.byTime) {
      for (; this.current < this.stores.length; this.current++) {
        const st = this.stores[this.current] as StorePolls;
        if (st.advance()) return this.take(st);
      }
      return false;
    }
    const { heap, key, stores } = this;
    if (!this.started) {
      this.started = true;
      stores.forEach((st, k) => {
        if (st.advance()) {
          heap[this.size] = k;
          key[k] = st.at;
          this.size += 1;
        }
      });
      for (let i = (this.size >> 1) - 1; i >= 0; i--) this.siftDown(i);
    } else if (this.size > 0) {
      // move past the poll handed out last time
      const k = heap[0] as number;
      const st = stores[k] as StorePolls;
      if (st.advance()) key[k] = st.at;
      else {
        this.size -= 1;
        heap[0] = heap[this.size] as number;
      }
      this.siftDown(0);
    }
    if (this.size === 0) return false;
    return this.take(stores[heap[0] as number] as StorePolls);
  }
}

/** The polls of the planned stores over (end - days, end), as objects. */
export function* generatePolls(options: PollGeneratorOptions): Generator<GeneratedPoll> {
  const source = new PollSource(options);
  while (source.next()) {
    yield { storeId: source.storeId, active: source.active, at: source.at, micros: source.micros };
  }
}

export const POLL_CSV_HEADER = 'store_id,status,timestamp_utc\n';
const CHUNK_CHARS = 256 * 1024;

function* csvChunks(
  options: PollGeneratorOptions,
  counted: { rows: number; stores: number },
): Generator<string> {
  let chunk = POLL_CSV_HEADER;
  const p = new PollSource(options);
  counted.stores = p.storeCount;
  while (p.next()) {
    chunk += `${p.storeId},${p.active ? 'active' : 'inactive'},${formatExportTimestamp(p.at, p.micros)}\n`;
    counted.rows += 1;
    if (chunk.length >= CHUNK_CHARS) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk.length > 0) yield chunk;
}

/** The polls as CSV text in the older export's format, header first, in chunks of ~256 KiB. */
export function generatePollCsv(options: PollGeneratorOptions): Generator<string> {
  return csvChunks(options, { rows: 0, stores: 0 });
}

export interface GenerateSummary {
  rows: number;
  stores: number;
  bytes: number;
}

/**
 * Writes the polls' CSV to `out` (which stays open), waiting whenever it asks to (backpressure), so
 * the file is never held in memory; rejects when `out` fails. `onProgress` gets the fraction of the
 * rows expected, after each chunk.
 */
export async function writePollCsv(
  out: Writable,
  options: PollGeneratorOptions,
  onProgress?: (fraction: number) => void,
): Promise<GenerateSummary> {
  const counted = { rows: 0, stores: 0 };
  let bytes = 0;
  let failure: unknown;
  const onError = (error: unknown) => {
    failure ??= error;
  };
  out.on('error', onError);
  try {
    for (const chunk of csvChunks(options, counted)) {
      if (failure !== undefined) throw failure;
      const buffer = Buffer.from(chunk); // encoded once: counted here, and `out` takes it as it is
      bytes += buffer.length;
      if (!out.write(buffer)) await once(out, 'drain');
      const expected = (counted.stores * options.days * DAY_MS) / (32.5 * MIN_MS);
      onProgress?.(Math.min(1, counted.rows / Math.max(1, expected)));
    }
    if (failure !== undefined) throw failure;
  } finally {
    out.off('error', onError);
  }
  onProgress?.(1);
  return { rows: counted.rows, stores: counted.stores, bytes };
}

// ---------------------------------------------------------------------------------------------
// Demo stores: hours and timezones with every shape the report must handle, made up (no file
// outside the repository is needed).

export const DEMO_ZONES = [
  'America/Chicago',
  'America/New_York',
  'America/Los_Angeles',
  'America/Denver',
  'America/Phoenix',
  'Australia/Sydney', // southern hemisphere DST
  'America/Santiago', // southern hemisphere, transitions at midnight
  'Asia/Kolkata', // +05:30
  'Asia/Kathmandu', // +05:45
  'Australia/Adelaide', // +09:30/+10:30
] as const;

export type DemoHoursKind =
  | 'regular'
  | 'lunch_and_dinner'
  | 'overnight'
  | 'overnight_two_rows'
  | 'closed_mondays'
  | 'weekdays_breakfast'
  | 'four_a_day'
  | 'all_week';

const hm = (h: number, m = 0) => h * 3600 + m * 60;

function demoHours(kind: DemoHoursKind, storeId: string, random: Random): HoursRow[] {
  const rows: HoursRow[] = [];
  const add = (weekday: number, start: number, end: number) => rows.push({ storeId, weekday, start, end });
  const open = hm(10 + Math.floor(random() * 2), random() < 0.5 ? 0 : 30);
  const close = hm(21 + Math.floor(random() * 2), random() < 0.5 ? 0 : 30);
  for (let d = 0; d < 7; d++) {
    switch (kind) {
      case 'regular':
        add(d, open, d >= 4 ? hm(23, 59) + 59 : close); // Friday to Sunday until 23:59:59
        break;
      case 'lunch_and_dinner':
        add(d, hm(11), hm(14, 30));
        add(d, hm(17), hm(22));
        break;
      case 'overnight': // one row whose end is before its start
        add(d, hm(18), d >= 3 && d <= 5 ? hm(2) : hm(23));
        break;
      case 'overnight_two_rows': // as the real exports write it
        add(d, hm(17), d >= 4 ? hm(23, 59) + 59 : hm(22));
        if (d === 5 || d === 6) add(d, 0, hm(2));
        break;
      case 'closed_mondays':
        if (d !== 0 && !(d === 1 && random() < 0.5)) add(d, open, close);
        break;
      case 'weekdays_breakfast':
        if (d < 5) add(d, hm(6, 30), hm(14));
        break;
      case 'four_a_day':
        add(d, hm(7), hm(9));
        add(d, hm(11), hm(14));
        add(d, hm(17), hm(20));
        add(d, hm(21), hm(23, 30));
        break;
      case 'all_week':
        break; // no rows: open 24x7
    }
  }
  return rows;
}

const KINDS: readonly [DemoHoursKind, number][] = [
  ['regular', 0.3],
  ['lunch_and_dinner', 0.15],
  ['overnight', 0.1],
  ['overnight_two_rows', 0.1],
  ['closed_mondays', 0.1],
  ['weekdays_breakfast', 0.08],
  ['four_a_day', 0.07],
  ['all_week', 0.1],
];

function uuid(random: Random): string {
  const hex = (n: number) =>
    Array.from({ length: n }, () => '0123456789abcdef'[Math.floor(random() * 16)] as string).join('');
  return `${hex(8)}-${hex(4)}-4${hex(3)}-${'89ab'[Math.floor(random() * 4)]}${hex(3)}-${hex(12)}`;
}

export interface DemoStores {
  hours: HoursRow[];
  timezones: TimezoneRow[];
  /** each store's hours shape and zone (null: no timezone row, so America/Chicago) */
  stores: { storeId: string; kind: DemoHoursKind; timezone: string | null }[];
}

/**
 * `count` demo stores (UUID ids) whose hours cover every case: one interval a day, lunch and dinner,
 * overnight hours in one row and in two, closed weekdays, weekday-only, four intervals a day and
 * 24x7; zones include a southern-hemisphere DST zone, 30- and 45-minute offsets, and ~10 % of the
 * stores have no timezone row (never a 24x7 one, which would then be in neither file). The first stores take each kind and zone in turn, so even a small
 * count has them all.
 */
export function generateDemoStores(count = 300, seed = 1): DemoStores {
  const random = seededRandom(seed);
  const hours: HoursRow[] = [];
  const timezones: TimezoneRow[] = [];
  const stores: DemoStores['stores'] = [];
  for (let i = 0; i < count; i++) {
    const storeId = uuid(random);
    let kind: DemoHoursKind;
    if (i < KINDS.length) kind = (KINDS[i] as [DemoHoursKind, number])[0];
    else {
      let pick = random();
      kind = KINDS.find(([, share]) => (pick -= share) < 0)?.[0] ?? 'regular';
    }
    let timezone: string | null;
    if (i < DEMO_ZONES.length) timezone = DEMO_ZONES[i] as string;
    else if (i === DEMO_ZONES.length) timezone = null;
    else timezone = random() < 0.1 ? null : (DEMO_ZONES[Math.floor(random() * DEMO_ZONES.length)] as string);
    // a 24x7 store (no hours rows) without a timezone row would be in neither file, so unknown
    if (kind === 'all_week' && timezone === null) timezone = DEMO_ZONES[0];
    hours.push(...demoHours(kind, storeId, random));
    if (timezone !== null) timezones.push({ storeId, timezone });
    stores.push({ storeId, kind, timezone });
  }
  return { hours, timezones, stores };
}
