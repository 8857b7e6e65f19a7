// npm run bench:uptime — the uptime report on SQLite at 3,700 stores x ~500 polls (~1.85M polls,
// the business hours and timezones of the 2024 export), then at 2x and 4x the polls (the stores
// copied under new ids, so each store keeps ~500 polls and the week the report reads grows with
// them). For each size: generate the polls (quintet seed uptime's generator), import the three
// files, then, in a fresh process, trigger reports over HTTP and time trigger -> Complete, with the
// process's peak RSS, and beside each the floor: the same week of polls read with one plain query.
// Prints a table, writes bench/results/uptime.json.
//   --scales 1,2,4   sizes, as multiples of 3,700 stores   --rounds N   reports per size (default 3)
//   --days D         days of polls (default 11.5: ~500 polls a store)   --keep   keep bench/tmp/uptime-*
//   --postgres URL   the same on PostgreSQL: each size in a database of its own, quintet_bench_uptime,
//                    created afresh on that server (dropped at the end); the import goes through COPY
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { writePollCsv } from '../src/systems/uptime/generate.js';
import { readRowsFile } from '../src/systems/uptime/import.js';
import { formatTimeOfDay, type HoursRow, type TimezoneRow } from '../src/systems/uptime/rows.js';
import { machineInfo } from './machine.js';

const { values: args } = parseArgs({
  options: {
    scales: { type: 'string', default: '1,2,4' },
    rounds: { type: 'string', default: '3' },
    days: { type: 'string', default: '11.5' },
    keep: { type: 'boolean', default: false },
    postgres: { type: 'string' },
  },
});
const scales = args.scales.split(',').map(Number);
const rounds = Number(args.rounds);
const days = Number(args.days);
const STORES = 3700;
// The 2024 export's last poll (its full status file ran 2024-10-03 .. 2024-10-14 23:55:18 UTC).
const END = Date.parse('2024-10-14T23:55:18Z');
const root = path.resolve(import.meta.dirname, '..');
const source = path.resolve(root, '../shared/data/uptime/v2_2024');

const machine = machineInfo();
const database = args.postgres ? 'postgres' : 'sqlite';
console.log(
  `machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, node ${machine.node}; ${database}`,
);

const hours = (await readRowsFile('hours', { path: path.join(source, 'menu_hours.csv') })).rows;
const timezones = (await readRowsFile('timezones', { path: path.join(source, 'timezones.csv') })).rows;

/** The export's stores `k` times: copy c > 0 of store s is `s~c`, with the same hours and zone. */
function copies<T extends { storeId: string }>(rows: readonly T[], k: number): T[] {
  const out: T[] = [];
  for (let c = 0; c < k; c++)
    for (const r of rows) out.push({ ...r, storeId: c === 0 ? r.storeId : `${r.storeId}~${c}` });
  return out;
}

function writeCsv(file: string, header: string, lines: Iterable<string>): void {
  fs.writeFileSync(file, `${header}\n${[...lines].join('\n')}\n`);
}

const BENCH_DATABASE = 'quintet_bench_uptime';

/** The bench's PostgreSQL database, dropped and created again (empty); its URL. */
async function freshDatabase(serverUrl: string): Promise<string> {
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`drop database if exists ${BENCH_DATABASE} with (force)`);
    await admin.query(`create database ${BENCH_DATABASE}`);
  } finally {
    await admin.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${BENCH_DATABASE}`;
  return url.toString();
}

async function dropDatabase(serverUrl: string): Promise<void> {
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`drop database if exists ${BENCH_DATABASE} with (force)`).finally(() => admin.end());
}

/** DATABASE_URL for the children: unset on SQLite. */
let databaseUrl: string | undefined;

function child(...argv: string[]): Record<string, unknown> {
  const env = { ...process.env };
  delete env.DATABASE_URL;
  if (databaseUrl) env.DATABASE_URL = databaseUrl;
  const out = spawnSync(
    process.execPath,
    ['--import', 'tsx', path.join(root, 'bench/uptime-child.ts'), ...argv],
    {
      cwd: root,
      env,
      encoding: 'utf8',
      maxBuffer: 64 * 2 ** 20,
    },
  );
  // The result is the child's last line (log lines, JSON too, may come before it).
  // The child's log (warnings: retried attempts, slow jobs) is kept beside the results.
  fs.appendFileSync(
    path.join(root, 'bench/tmp/uptime-child.log'),
    `--- ${argv.join(' ')}\n${out.stderr}${out.stdout}`,
  );
  const line = out.stdout.trimEnd().split('\n').at(-1);
  if (out.status !== 0 || line === undefined)
    throw new Error(`bench child ${argv[0]} failed:\n${out.stderr}\n${out.stdout}`);
  return JSON.parse(line) as Record<string, unknown>;
}

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

interface Result {
  scale: number;
  stores: number;
  polls: number;
  generateS: number;
  importS: number;
  importPeakRssMb: number;
  reports: {
    triggerToCompleteS: number;
    jobS: number;
    queuedS: number;
    attempts: number;
    stores: number;
    pollsRead: number;
  }[];
  floors: { s: number; rows: number }[];
  triggerToCompleteMedianS: number;
  floorMedianS: number;
  reportOverFloor: number;
  reportProcessIdleRssMb: number;
  reportProcessPeakRssMb: number;
}
const results: Result[] = [];

fs.mkdirSync(path.join(root, 'bench/tmp'), { recursive: true });
for (const scale of scales) {
  const dir = fs.mkdtempSync(path.join(root, `bench/tmp/uptime-${scale}x-`));
  try {
    const h: HoursRow[] = copies(hours, scale);
    const z: TimezoneRow[] = copies(timezones, scale);
    const files = {
      status: path.join(dir, 'store_status.csv'),
      hours: path.join(dir, 'menu_hours.csv'),
      timezones: path.join(dir, 'timezones.csv'),
    };
    writeCsv(
      files.hours,
      'store_id,dayOfWeek,start_time_local,end_time_local',
      h.map((r) => `${r.storeId},${r.weekday},${formatTimeOfDay(r.start)},${formatTimeOfDay(r.end)}`),
    );
    writeCsv(
      files.timezones,
      'store_id,timezone_str',
      z.map((r) => `${r.storeId},${r.timezone}`),
    );
    const g0 = performance.now();
    const out = fs.createWriteStream(files.status);
    const written = await writePollCsv(out, {
      hours: h,
      timezones: z,
      days,
      end: END,
      maxStores: STORES * scale,
    });
    await new Promise<void>((resolve, reject) =>
      out.end((err?: Error | null) => (err ? reject(err) : resolve())),
    );
    const generateS = (performance.now() - g0) / 1000;
    console.log(
      `${scale}x: generated ${written.rows.toLocaleString()} polls of ${written.stores.toLocaleString()} stores in ${generateS.toFixed(1)} s`,
    );

    const data = path.join(dir, 'data');
    if (args.postgres) databaseUrl = await freshDatabase(args.postgres);
    const imported = child('import', data, files.status, files.hours, files.timezones) as {
      importS: number;
      peakRssMb: number;
    };
    console.log(`${scale}x: imported in ${imported.importS} s (peak RSS ${imported.peakRssMb} MB)`);
    fs.rmSync(files.status);

    const run = child('report', data, String(rounds)) as {
      reports: Result['reports'];
      floors: Result['floors'];
      idleRssMb: number;
      peakRssMb: number;
    };
    const report = median(run.reports.map((r) => r.triggerToCompleteS));
    const floor = median(run.floors.map((f) => f.s));
    results.push({
      scale,
      stores: written.stores,
      polls: written.rows,
      generateS: Number(generateS.toFixed(2)),
      importS: imported.importS,
      importPeakRssMb: imported.peakRssMb,
      reports: run.reports,
      floors: run.floors,
      triggerToCompleteMedianS: report,
      floorMedianS: floor,
      reportOverFloor: Number((report / floor).toFixed(2)),
      reportProcessIdleRssMb: run.idleRssMb,
      reportProcessPeakRssMb: run.peakRssMb,
    });
    console.log(
      `${scale}x: report ${run.reports.map((r) => r.triggerToCompleteS).join(' / ')} s, floor ${run.floors.map((f) => f.s).join(' / ')} s, peak RSS ${run.peakRssMb} MB`,
    );
  } finally {
    if (!args.keep) fs.rmSync(dir, { recursive: true, force: true });
    if (args.postgres && !args.keep) await dropDatabase(args.postgres);
  }
}

console.log('');
console.log(
  '| polls | stores | import s | trigger → Complete s (median) | floor: one plain query s | report / floor | peak RSS MB (idle) |',
);
console.log('| ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const r of results) {
  console.log(
    `| ${r.polls.toLocaleString('en-US')} | ${r.stores.toLocaleString('en-US')} | ${r.importS} | ${r.triggerToCompleteMedianS} | ${r.floorMedianS} | ${r.reportOverFloor} | ${r.reportProcessPeakRssMb} (${r.reportProcessIdleRssMb}) |`,
  );
}
fs.mkdirSync(path.join(root, 'bench/results'), { recursive: true });
fs.writeFileSync(
  path.join(root, `bench/results/uptime${args.postgres ? '-postgres' : ''}.json`),
  JSON.stringify({ machine, database, days, end: new Date(END).toISOString(), rounds, results }, null, 2) +
    '\n',
);
console.log(`wrote bench/results/uptime${args.postgres ? '-postgres' : ''}.json`);
