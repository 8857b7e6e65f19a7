// npm run bench:hiring — seed 1,000,000 applicants, then load funnel.json for a six-month range at
// 32 connections against one server process. Prints a table, writes bench/results/hiring.json.
//   --count N       applicants to seed (default 1000000)
//   --duration S    seconds of load (default 20)
//   --import N      rows of each original-format SQLite file to import (default 500000; 0 skips)
//   --rounds R      imports of each file, alternating valid and historical phones (default 2)
//   --postgres URL  run on PostgreSQL instead of SQLite (the database must be empty or disposable)
import { spawn } from 'node:child_process';
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
import { openLegacyFile } from '../src/systems/hiring/legacy-source.js';
import { legacyRows, writeLegacyFile, type LegacyPhoneShape } from '../test/support/hiring-legacy.js';
import { machineInfo } from './machine.js';

const { values: args } = parseArgs({
  options: {
    count: { type: 'string', default: '1000000' },
    duration: { type: 'string', default: '20' },
    import: { type: 'string', default: '500000' },
    rounds: { type: 'string', default: '2' },
    postgres: { type: 'string' },
  },
});
const count = Number(args.count);
const duration = Number(args.duration);
const root = path.resolve(import.meta.dirname, '..');
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

// 1. Seed through the same service `quintet seed hiring` uses.
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
const seedSeconds = (performance.now() - seedStart) / 1000;
await platform.close();
console.log(
  `seeded ${count} applicants in ${seedSeconds.toFixed(2)} s (${Math.round(count / seedSeconds)}/s)`,
);

// 2. One server process, built JS as in production.
const port = await freePort();
const main = fs.existsSync(path.join(root, 'dist/main.js'))
  ? ['bin/quintet.js']
  : ['--import', 'tsx', 'src/main.ts'];
const server = spawn(process.execPath, [...main, 'serve'], {
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

  // The imports run after the load test, each in its own database, so they cannot disturb the
  // figures above. Two files of the original format that differ only in their phones: `valid`
  // (today's form accepts them all) and `historical` (it refuses nearly all, as in the original
  // data: one warning per row). They alternate, so a change in the machine's load hits both.
  // On PostgreSQL the import would land in the seeded database too: the import runs on SQLite only.
  const importRows = args.postgres ? 0 : Number(args.import);
  const rounds = Math.max(1, Number(args.rounds));
  const shapes: LegacyPhoneShape[] = ['valid', 'historical'];
  const importRuns: ImportRun[] = [];
  if (importRows > 0) {
    const files = Object.fromEntries(
      shapes.map((shape) => {
        const file = path.join(dataDir, `legacy-${shape}.sqlite3`);
        writeLegacyFile(file, [...legacyRows(importRows, shape)]);
        return [shape, file];
      }),
    ) as Record<LegacyPhoneShape, string>;
    for (let round = 1; round <= rounds; round++)
      for (const shape of shapes) {
        const run = await importOnce(files[shape], shape, path.join(dataDir, `import-${shape}-${round}`));
        importRuns.push(run);
        console.log(
          `import ${shape} phones, round ${round}: ${run.imported} of ${importRows} rows in ${run.seconds} s ` +
            `(${run.cpuSeconds} s CPU over both threads; ${run.warnings} kept with warnings; load ${run.loadAverage})`,
        );
      }
  }
  const importFigures = importRows
    ? Object.fromEntries(
        shapes.map((shape) => {
          const runs = importRuns.filter((r) => r.shape === shape);
          const seconds = runs.map((r) => r.seconds).sort((a, b) => a - b);
          return [shape, { rows: importRows, median: median(seconds), best: seconds[0], runs }];
        }),
      )
    : undefined;

  const figures = {
    import: importFigures,
    seed: {
      applicants: count,
      seconds: Number(seedSeconds.toFixed(2)),
      rowsPerSecond: Math.round(count / seedSeconds),
    },
    funnel: {
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
    },
    database: args.postgres ? 'postgres' : 'sqlite',
    machine,
  };
  console.log('\n| measure | value |\n|---|---|');
  console.log(`| seed ${count} applicants | ${figures.seed.seconds} s (${figures.seed.rowsPerSecond}/s) |`);
  if (importFigures)
    for (const [shape, f] of Object.entries(importFigures))
      console.log(
        `| import ${f.rows} original rows, ${shape} phones | ${f.median} s median, ${f.best} s best of ${f.runs.length} |`,
      );
  console.log(`| funnel.json, ${weeks} weeks, 32 connections | ${figures.funnel.requestsPerSecond} req/s |`);
  console.log(
    `| latency p50 / p90 / p99 | ${result.latency.p50} / ${result.latency.p90} / ${result.latency.p99} ms |`,
  );
  fs.mkdirSync(path.join(root, 'bench/results'), { recursive: true });
  const out = path.join(root, `bench/results/hiring${args.postgres ? '-postgres' : ''}.json`);
  fs.writeFileSync(out, JSON.stringify(figures, null, 2) + '\n');
  console.log(`\nwritten to ${path.relative(root, out)}`);
} finally {
  server.kill('SIGTERM');
  fs.rmSync(dataDir, { recursive: true, force: true });
}

interface ImportRun {
  shape: LegacyPhoneShape;
  seconds: number;
  /** Process CPU time during the import: the main thread and the checking thread together. */
  cpuSeconds: number;
  imported: number;
  rejected: number;
  warnings: number;
  /** 1-minute load average when the import ended. */
  loadAverage: number;
}

/** Imports `file` into a fresh database under `dir`, timed. */
async function importOnce(file: string, shape: LegacyPhoneShape, dir: string): Promise<ImportRun> {
  const importPlatform = createPlatform(loadConfig({ ...env, DATA_DIR: dir }, [hiringSystem]));
  await migrateAll(importPlatform, [hiringSystem]);
  const source = await openLegacyFile(file);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const summary = await createHiringService(importPlatform).importLegacy(source);
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  await source.close();
  await importPlatform.close();
  fs.rmSync(dir, { recursive: true, force: true });
  return {
    shape,
    seconds: Number(seconds.toFixed(2)),
    cpuSeconds: Number(((cpu.user + cpu.system) / 1e6).toFixed(2)),
    imported: summary.imported,
    rejected: summary.rejected.length,
    warnings: summary.warnings,
    loadAverage: Number(os.loadavg()[0]!.toFixed(2)),
  };
}

function median(sorted: readonly number[]): number {
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : Number(((sorted[mid - 1]! + sorted[mid]!) / 2).toFixed(2));
}
