// Micro-benchmark of the uptime system's pure parts: npx tsx bench/uptime-engine.ts [--rounds N] [--stores N] [--days D]
//   - timestamp parsing (parseTimestamp against Date.parse on the ISO form, 1.85M values)
//   - poll row validation (readPollRow, 1.85M rows)
//   - business hours -> UTC intervals for every store's week (memoised, against Luxon per interval)
//   - the engine: 3,700 stores x ~500 polls (~1.85M, as in the 2024 export), store by store
//     through one StoreAccumulator, figures formatted as CSV rows; all history pushed, and the window
//     plus the one earlier observation it asks for
//   - the generator: the same polls as CSV into /dev/null through a stream
// Stores, hours and zones are the 2024 export's (../shared/data/uptime/v2_2024) when present, else
// generated demo stores. Steps alternate within each round (the machine is shared and its speed
// drifts); the table shows medians. Writes bench/results/uptime-engine.json.
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { DateTime } from 'luxon';
import { businessIntervals, type StoreSchedule } from '../src/systems/uptime/business-hours.js';
import {
  generateDemoStores,
  generatePolls,
  planStores,
  writePollCsv,
} from '../src/systems/uptime/generate.js';
import { StoreAccumulator, formatReportCsvRow, toReportRow, WEEK_MS } from '../src/systems/uptime/report.js';
import {
  mapHeader,
  readHoursRow,
  readPollRow,
  readTimezoneRow,
  type HoursRow,
  type RowResult,
  type TimezoneRow,
  type UptimeCsvKind,
} from '../src/systems/uptime/rows.js';
import { formatExportTimestamp, parseTimestamp } from '../src/systems/uptime/timestamps.js';
import { machineInfo } from './machine.js';

const { values: args } = parseArgs({
  options: {
    rounds: { type: 'string', default: '5' },
    stores: { type: 'string', default: '3700' },
    days: { type: 'string', default: '11.5' },
  },
});
const rounds = Number(args.rounds);
const storeCount = Number(args.stores);
const days = Number(args.days);
const root = path.resolve(import.meta.dirname, '..');
const dataDir = path.resolve(root, '../shared/data/uptime/v2_2024');

function readCsv<T>(file: string, kind: UptimeCsvKind, read: (f: string[], c: never) => RowResult<T>): T[] {
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  const mapped = mapHeader(kind, (lines.shift() as string).split(','));
  if (!mapped.ok) throw new Error(mapped.message);
  const rows: T[] = [];
  for (const line of lines) {
    if (line === '') continue;
    const r = read(line.split(','), mapped.columns as never);
    if (!r.ok) throw new Error(`${file}: ${r.reason}`);
    rows.push(r.row);
  }
  return rows;
}

let hours: HoursRow[];
let timezones: TimezoneRow[];
let source: string;
if (fs.existsSync(dataDir)) {
  hours = readCsv(path.join(dataDir, 'menu_hours.csv'), 'hours', readHoursRow);
  timezones = readCsv(path.join(dataDir, 'timezones.csv'), 'timezones', readTimezoneRow);
  source = 'v2_2024 hours and timezones';
} else {
  ({ hours, timezones } = generateDemoStores(storeCount, 1));
  source = 'generated demo stores';
}
// The 2024 export's status span ended 2024-10-14 23:55 UTC and had ~503 polls a store over 11 days;
// the generator polls every 32.5 min on average, so 11.5 days give about as many (~1.85M polls).
const END = Date.parse('2024-10-14T23:55:18.727Z');
const genOptions = {
  hours,
  timezones,
  days,
  end: END,
  seed: 2024,
  maxStores: storeCount,
  order: 'store' as const,
};
const plans = planStores(genOptions);
const scheduleOf = new Map<string, StoreSchedule>(plans.map((p) => [p.storeId, p.schedule]));

// The generator first, to a real stream, while the heap is small (the inputs built below for the other
// steps take ~800 MiB and would make its garbage collection the figure); once, it is the slowest step.
const genStart = performance.now();
const summary = await writePollCsv(fs.createWriteStream('/dev/null'), { ...genOptions, order: 'time' });
const genMs = performance.now() - genStart;

// The polls as a database read would hand them over: ordered by store and time.
const ids: string[] = [];
const storeStart: number[] = [];
const atList: number[] = [];
const activeList: number[] = [];
const micros: number[] = [];
for (const p of generatePolls(genOptions)) {
  if (ids[ids.length - 1] !== p.storeId) {
    ids.push(p.storeId);
    storeStart.push(atList.length);
  }
  atList.push(p.at);
  activeList.push(p.active ? 1 : 0);
  micros.push(p.micros);
}
storeStart.push(atList.length);
const at = Float64Array.from(atList);
const active = Uint8Array.from(activeList);
const N = at.length;
const now = at.reduce((m, x) => (x > m ? x : m), 0);
console.log(
  `${source}: ${ids.length} stores, ${N.toLocaleString()} polls, now ${new Date(now).toISOString()}`,
);

const exportTexts = Array.from({ length: N }, (_, i) => formatExportTimestamp(at[i] as number, micros[i]));
const isoTexts = Array.from({ length: N }, (_, i) => new Date(at[i] as number).toISOString());
const pollFields = Array.from({ length: N }, (_, i) => [
  ids[0] as string,
  active[i] ? 'active' : 'inactive',
  exportTexts[i] as string,
]);
const pollCols = mapHeader('polls', ['store_id', 'status', 'timestamp_utc']);
if (!pollCols.ok) throw new Error(pollCols.message);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1] as number;
function time(fn: () => number): { ms: number; check: number } {
  const t0 = performance.now();
  const check = fn();
  return { ms: performance.now() - t0, check };
}

const steps: Record<string, () => number> = {
  'parseTimestamp, exports form': () => {
    let s = 0;
    for (const t of exportTexts) s += parseTimestamp(t);
    return s;
  },
  'parseTimestamp, ISO form': () => {
    let s = 0;
    for (const t of isoTexts) s += parseTimestamp(t);
    return s;
  },
  'Date.parse, ISO form': () => {
    let s = 0;
    for (const t of isoTexts) s += Date.parse(t);
    return s;
  },
  readPollRow: () => {
    let s = 0;
    for (const f of pollFields) {
      const r = readPollRow(f, pollCols.columns);
      if (r.ok) s += 1;
    }
    return s;
  },
  'business hours, all stores, memoised': () => {
    let s = 0;
    for (const id of ids)
      s += businessIntervals(scheduleOf.get(id) as StoreSchedule, now - WEEK_MS, now + 1).length;
    return s;
  },
  'engine, all history pushed': () => {
    const acc = new StoreAccumulator(now);
    let bytes = 0;
    for (let k = 0; k < ids.length; k++) {
      const id = ids[k] as string;
      acc.begin(id, scheduleOf.get(id) as StoreSchedule);
      for (let i = storeStart[k] as number; i < (storeStart[k + 1] as number); i++) {
        acc.push(at[i] as number, active[i] === 1);
      }
      bytes += formatReportCsvRow(toReportRow(acc.finish())).length;
    }
    return bytes;
  },
  'engine, window + earlier observation': () => {
    const acc = new StoreAccumulator(now);
    let bytes = 0;
    for (let k = 0; k < ids.length; k++) {
      const id = ids[k] as string;
      acc.begin(id, scheduleOf.get(id) as StoreSchedule);
      const first = storeStart[k] as number;
      let i = storeStart[k + 1] as number;
      while (i > first && (at[i - 1] as number) > acc.windowStart) i -= 1;
      for (let j = i; j < (storeStart[k + 1] as number); j++) acc.push(at[j] as number, active[j] === 1);
      if (acc.needsEarlierObservation()) {
        // what a caller does with a backward query: the latest in-hours poll at or before the window
        for (let j = i - 1; j >= first; j--) {
          if (acc.isObservation(at[j] as number)) {
            acc.pushEarlierObservation(at[j] as number, active[j] === 1);
            break;
          }
        }
      }
      bytes += formatReportCsvRow(toReportRow(acc.finish())).length;
    }
    return bytes;
  },
};

// Business hours without the memo, on fewer stores: what a Luxon conversion per interval costs.
function luxonPerInterval(sample: number): number {
  let s = 0;
  const start = DateTime.fromMillis(now - WEEK_MS, { zone: 'UTC' });
  for (const id of ids.slice(0, sample)) {
    const sch = scheduleOf.get(id) as StoreSchedule;
    if (sch.days === null) continue;
    let date = DateTime.fromMillis(start.toMillis(), { zone: sch.timezone })
      .startOf('day')
      .minus({ days: 1 });
    for (let d = 0; d < 9; d++, date = date.plus({ days: 1 })) {
      for (const [a, b] of sch.days[date.weekday - 1] ?? []) {
        s += DateTime.fromObject(
          { year: date.year, month: date.month, day: date.day, second: a },
          { zone: sch.timezone },
        ).toMillis();
        s += DateTime.fromObject(
          { year: date.year, month: date.month, day: date.day + (b > a ? 0 : 1), second: b },
          { zone: sch.timezone },
        ).toMillis();
      }
    }
  }
  return s;
}

const coldBusiness = time(steps['business hours, all stores, memoised'] as () => number).ms; // the first run fills the memo
const results: Record<string, number[]> = {};
const luxonSample = Math.min(500, ids.length);
const luxonMs: number[] = [];
for (let r = 0; r < rounds; r++) {
  for (const [name, fn] of Object.entries(steps)) (results[name] ??= []).push(time(fn).ms);
  luxonMs.push((time(() => luxonPerInterval(luxonSample)).ms * ids.length) / luxonSample);
}

const rows: [string, number, string][] = [];
const perRow = (ms: number) => `${((ms * 1e6) / N).toFixed(0)} ns/poll`;
for (const [name, xs] of Object.entries(results)) {
  const ms = median(xs);
  rows.push([
    name,
    ms,
    name.startsWith('business') ? `${((ms * 1000) / ids.length).toFixed(2)} µs/store` : perRow(ms),
  ]);
}
rows.push(['business hours, first run (fills the memo)', coldBusiness, '']);
rows.push([`business hours, Luxon per interval (x${ids.length}/${luxonSample})`, median(luxonMs), '']);
rows.push([`generator: ${summary.rows.toLocaleString()} rows CSV to /dev/null`, genMs, perRow(genMs)]);
console.log(`\n${'step'.padEnd(58)} ${'median ms'.padStart(10)}  per item`);
for (const [name, ms, note] of rows) console.log(`${name.padEnd(58)} ${ms.toFixed(1).padStart(10)}  ${note}`);
const parseRatio =
  median(results['parseTimestamp, ISO form'] as number[]) /
  median(results['Date.parse, ISO form'] as number[]);
console.log(`\nparseTimestamp / Date.parse on ISO text: ${parseRatio.toFixed(2)}`);
console.log(
  `heap used: ${(process.memoryUsage().heapUsed / 2 ** 20).toFixed(0)} MiB (inputs held for all steps)`,
);

const out = {
  machine: machineInfo(),
  source,
  stores: ids.length,
  polls: N,
  now: new Date(now).toISOString(),
  rounds,
  medianMs: Object.fromEntries(rows.map(([name, ms]) => [name, Number(ms.toFixed(2))])),
  perRoundMs: results,
  parseTimestampOverDateParse: Number(parseRatio.toFixed(3)),
  generator: { ...summary, ms: Number(genMs.toFixed(1)) },
};
fs.mkdirSync(path.join(root, 'bench/results'), { recursive: true });
fs.writeFileSync(path.join(root, 'bench/results/uptime-engine.json'), JSON.stringify(out, null, 2) + '\n');
