// npm run bench:hiring — seed 1,000,000 applicants, load funnel.json for a six-month range at 32
// connections against one server process, then time `quintet import hiring` (whole processes) on
// two original-format files, valid and historical phones. Prints a table, writes bench/results/.
//   --count N       applicants to seed (default 1000000)
//   --duration S    seconds of load (default 20)
//   --import N      rows of each original-format SQLite file to import (default 500000; 0 skips)
//   --rounds R      imports of each file, alternating valid and historical phones (default 2)
//   --import-only   skip the seed and the funnel load: only the imports
//   --postgres URL  run on PostgreSQL instead of SQLite (the database must be empty or disposable)
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { loadConfig } from '../src/config.js';
import { createPlatform } from '../src/platform/platform.js';
import { migrateAll } from '../src/platform/system-runtime.js';
import { createHiringService } from '../src/systems/hiring/service.js';
import { hiringSystem } from '../src/systems/hiring/system.js';
import { legacyRows, writeLegacyFile, type LegacyPhoneShape } from '../test/support/hiring-legacy.js';
import { machineInfo } from './machine.js';

const { values: args } = parseArgs({
  options: {
    count: { type: 'string', default: '1000000' },
    duration: { type: 'string', default: '20' },
    import: { type: 'string', default: '500000' },
    rounds: { type: 'string', default: '2' },
    postgres: { type: 'string' },
    'import-only': { type: 'boolean', default: false },
  },
});
const count = Number(args.count);
const duration = Number(args.duration);
const root = path.resolve(import.meta.dirname, '..');
fs.mkdirSync(path.join(root, 'bench/tmp'), { recursive: true });
const dataDir = fs.mkdtempSync(path.join(root, 'bench/tmp/hiring-'));
const env = {
  ...process.env,
  DATA_DIR: dataDir,
  LOG_LEVEL: 'warn',
  ADMIN_PASSWORD: 'bench-password',
  ...(args.postgres ? { DATABASE_URL: args.postgres } : {}),
};

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

async function waitFor(url: string, deadlineMs: number): Promise<void> {
  const until = Date.now() + deadlineMs;
  while (Date.now() < until) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} did not answer within ${deadlineMs} ms`);
}
const machine = machineInfo();
console.log(
  `machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, node ${machine.node}`,
);
const importOnly = args['import-only'];
/** GNU time gives the CPU time and peak memory of a child process. */
const GNU_TIME = '/usr/bin/time';
/** The CLI as `npx quintet` runs it: built JS when there is a build. */
const cli = fs.existsSync(path.join(root, 'dist/main.js'))
  ? ['bin/quintet.js']
  : ['--import', 'tsx', 'src/main.ts'];

try {
  const seed = importOnly ? undefined : await seedApplicants();
  const funnel = importOnly ? undefined : await loadFunnel();
  // The imports run after the load test, each in a fresh database, so they cannot disturb the
  // figures above, and on SQLite only (on PostgreSQL they would land in the seeded database).
  const importRows = args.postgres ? 0 : Number(args.import);
  const imports = importRows > 0 ? importBothShapes(importRows, Math.max(1, Number(args.rounds))) : undefined;

  const figures = { import: imports, seed, funnel, database: args.postgres ? 'postgres' : 'sqlite', machine };
  console.log('\n| measure | value |\n|---|---|');
  if (seed)
    console.log(`| seed ${seed.applicants} applicants | ${seed.seconds} s (${seed.rowsPerSecond}/s) |`);
  if (imports)
    for (const [shape, f] of Object.entries(imports))
      console.log(
        `| \`quintet import hiring\`, ${f.rows} original rows, ${shape} phones (whole process) | ` +
          `${f.median} s median, ${f.best} s best of ${f.runs.length}; CPU ${f.cpuMedian ?? '?'} s median |`,
      );
  if (funnel) {
    console.log(`| funnel.json, ${funnel.weeks} weeks, 32 connections | ${funnel.requestsPerSecond} req/s |`);
    const { p50, p90, p99 } = funnel.latencyMs;
    console.log(`| latency p50 / p90 / p99 | ${p50} / ${p90} / ${p99} ms |`);
  }
  fs.mkdirSync(path.join(root, 'bench/results'), { recursive: true });
  const out = path.join(
    root,
    `bench/results/hiring${args.postgres ? '-postgres' : ''}${importOnly ? '-import' : ''}.json`,
  );
  fs.writeFileSync(out, JSON.stringify(figures, null, 2) + '\n');
  console.log(`\nwritten to ${path.relative(root, out)}`);
} finally {
  fs.rmSync(dataDir, { recursive: true, force: true });
}

/** 1. Seed through the same service `quintet seed hiring` uses. */
async function seedApplicants() {
  const platform = createPlatform(loadConfig(env, [hiringSystem]));
  await migrateAll(platform, [hiringSystem]);
  const to = new Date('2026-06-30T23:59:59Z');
  const from = new Date('2026-01-01T00:00:00Z');
  let lastPct = -1;
  const seedStart = performance.now();
  await createHiringService(platform).seed({
    count,
    from,
    to,
    seed: 42,
    onProgress: (done) => {
      const pct = Math.floor((done / count) * 100);
      if (pct % 10 === 0 && pct !== lastPct) process.stderr.write(`seeding ${pct}%\n`);
      lastPct = pct;
    },
  });
  const seconds = (performance.now() - seedStart) / 1000;
  await platform.close();
  console.log(`seeded ${count} applicants in ${seconds.toFixed(2)} s (${Math.round(count / seconds)}/s)`);
  return {
    applicants: count,
    seconds: Number(seconds.toFixed(2)),
    rowsPerSecond: Math.round(count / seconds),
  };
}

/** 2. funnel.json under load from one server process, built JS as in production. */
async function loadFunnel() {
  const port = await freePort();
  const server = spawn(process.execPath, [...cli, 'serve'], {
    cwd: root,
    env: { ...env, PORT: String(port), SYSTEMS: 'hiring' },
    stdio: 'inherit',
  });
  try {
    await waitFor(`http://127.0.0.1:${port}/health`, 60_000);
    const url = `http://127.0.0.1:${port}/hiring/funnel.json?start_date=2026-01-01&end_date=2026-06-30`;
    const sample = await (await fetch(url)).json();
    const weeks = Object.keys(sample).length;
    const total = Object.values(sample as Record<string, Record<string, number>>).reduce(
      (s, w) => s + Object.values(w).reduce((a, b) => a + b, 0),
      0,
    );
    if (total !== count) throw new Error(`funnel counts ${total} applicants, expected ${count}`);

    await autocannon({ url, connections: 32, duration: 3 }); // warm-up
    const result = await autocannon({ url, connections: 32, duration });
    if (result.non2xx || result.errors)
      throw new Error(`${result.non2xx} non-2xx responses, ${result.errors} errors`);
    return {
      range: '2026-01-01..2026-06-30',
      weeks,
      connections: 32,
      durationSeconds: duration,
      requestsPerSecond: Math.round(result.requests.average),
      latencyMs: {
        p50: result.latency.p50,
        p90: result.latency.p90,
        p99: result.latency.p99,
        max: result.latency.max,
      },
      requests: result.requests.total,
    };
  } finally {
    server.kill('SIGTERM');
  }
}

/**
 * 3. `quintet import hiring` of two original-format files that differ only in their phones:
 * `valid` (today's form accepts them all) and `historical` (201-000-0001, …: it refuses nearly all,
 * as in the original data, so nearly every row is kept with a warning). Each import is a whole
 * process on a fresh database, as a user runs it; the shapes alternate, so a change in the
 * machine's load hits both.
 */
function importBothShapes(rows: number, rounds: number) {
  const shapes: LegacyPhoneShape[] = ['valid', 'historical'];
  const files = Object.fromEntries(
    shapes.map((shape) => {
      const file = path.join(dataDir, `legacy-${shape}.sqlite3`);
      writeLegacyFile(file, [...legacyRows(rows, shape)]);
      return [shape, file];
    }),
  ) as Record<LegacyPhoneShape, string>;
  const runs: ImportRun[] = [];
  for (let round = 1; round <= rounds; round++)
    for (const shape of shapes) {
      const run = importOnce(files[shape], shape, rows, path.join(dataDir, `import-${shape}-${round}`));
      runs.push(run);
      console.log(
        `import ${shape} phones, round ${round}: ${run.imported} of ${rows} rows, whole process ${run.seconds} s` +
          (run.cpuSeconds === undefined ? '' : ` (${run.cpuSeconds} s CPU, ${run.maxRssMiB} MiB peak)`) +
          `; ${run.warnings} kept with warnings; load ${run.loadAverage.join(' → ')}`,
      );
    }
  return Object.fromEntries(
    shapes.map((shape) => {
      const mine = runs.filter((r) => r.shape === shape);
      const seconds = mine.map((r) => r.seconds).sort((a, b) => a - b);
      const cpu = mine
        .flatMap((r) => (r.cpuSeconds === undefined ? [] : [r.cpuSeconds]))
        .sort((a, b) => a - b);
      return [
        shape,
        {
          rows,
          median: median(seconds),
          best: seconds[0],
          cpuMedian: cpu.length ? median(cpu) : undefined,
          runs: mine,
        },
      ];
    }),
  );
}

interface ImportRun {
  shape: LegacyPhoneShape;
  /** Wall time of the whole `quintet import hiring` process, start-up included. */
  seconds: number;
  /** Its user + system CPU time, all threads (from GNU time; undefined without it). */
  cpuSeconds?: number;
  maxRssMiB?: number;
  imported: number;
  rejected: number;
  warnings: number;
  /** 1-minute load average before and after the import. */
  loadAverage: [number, number];
}

/** Runs `quintet import hiring FILE` into a fresh database under `dir`, timed from spawn to exit. */
function importOnce(file: string, shape: LegacyPhoneShape, rows: number, dir: string): ImportRun {
  const load0 = Number(os.loadavg()[0]!.toFixed(2));
  const timed = fs.existsSync(GNU_TIME);
  const command = [process.execPath, ...cli, 'import', 'hiring', file];
  const t0 = performance.now();
  const child = spawnSync(
    timed ? GNU_TIME : command[0]!,
    timed ? ['-f', 'TIME %e %U %S %M', ...command] : command.slice(1),
    {
      cwd: root,
      env: { ...env, DATA_DIR: dir },
      encoding: 'utf8',
      maxBuffer: 64 * 2 ** 20,
    },
  );
  const seconds = (performance.now() - t0) / 1000;
  if (child.status !== 0)
    throw new Error(`quintet import hiring exited with ${child.status}: ${child.stderr}`);
  const summary = /imported (\d+), rejected (\d+), kept with warnings (\d+)/.exec(child.stdout);
  if (!summary) throw new Error(`no summary in the import's output:\n${child.stdout}`);
  const [imported, rejected, warnings] = summary.slice(1).map(Number) as [number, number, number];
  if (imported + rejected !== rows)
    throw new Error(`imported ${imported} + rejected ${rejected} ≠ ${rows} rows`);
  const time = /TIME ([\d.]+) ([\d.]+) ([\d.]+) (\d+)/.exec(child.stderr);
  fs.rmSync(dir, { recursive: true, force: true });
  return {
    shape,
    seconds: Number(seconds.toFixed(2)),
    ...(time
      ? {
          cpuSeconds: Number((Number(time[2]) + Number(time[3])).toFixed(2)),
          maxRssMiB: Math.round(Number(time[4]) / 1024),
        }
      : {}),
    imported,
    rejected,
    warnings,
    loadAverage: [load0, Number(os.loadavg()[0]!.toFixed(2))],
  };
}

function median(sorted: readonly number[]): number {
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : Number(((sorted[mid - 1]! + sorted[mid]!) / 2).toFixed(2));
}
