// npm run bench:platform — the platform's per-request overhead: Quintet (built JS, its own process)
// against a bare node:http server (its own process) sending the same bytes, loaded by wrk in turn.
// Prints a table, writes bench/results/platform.json.
//   --count N        applicants to seed for funnel.json (default 50000, six months)
//   --rounds N       rounds; each runs every target once, bare and Quintet alternating (default 5)
//   --duration S     seconds of load per target per round (default 5)
//   --connections N  wrk connections (default 32); --threads N  wrk threads (default 2)
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config.js';
import { createPlatform } from '../src/platform/platform.js';
import { migrateAll } from '../src/platform/system-runtime.js';
import { createHiringService } from '../src/systems/hiring/service.js';
import { hiringSystem } from '../src/systems/hiring/system.js';
import { machineInfo } from './machine.js';
import { ensureWrk, freePort, median, runWrk, waitFor, type LoadFigures } from './wrk.js';

const { values: args } = parseArgs({
  options: {
    count: { type: 'string', default: '50000' },
    rounds: { type: 'string', default: '5' },
    duration: { type: 'string', default: '5' },
    connections: { type: 'string', default: '32' },
    threads: { type: 'string', default: '2' },
  },
});
const count = Number(args.count);
const rounds = Number(args.rounds);
const duration = Number(args.duration);
const connections = Number(args.connections);
const threads = Number(args.threads);
const root = path.resolve(import.meta.dirname, '..');

/** One wrk run of `url`; a non-2xx answer or a socket error fails the benchmark. */
function wrk(url: string, seconds: number, pid: number): LoadFigures {
  const figures = runWrk({
    url,
    seconds,
    connections,
    threads,
    script: path.join(root, 'bench/wrk-report.lua'),
    serverPid: pid,
  });
  if (figures.non2xx || figures.socketErrors) {
    throw new Error(`${url}: ${figures.non2xx} non-2xx responses, ${figures.socketErrors} socket errors`);
  }
  return figures;
}

if (!ensureWrk()) {
  throw new Error('could not install wrk with apt-get: install Debian package `wrk` and run again');
}
const machine = machineInfo();
console.log(
  `machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, node ${machine.node}`,
);

fs.mkdirSync(path.join(root, 'bench/tmp'), { recursive: true });
const dataDir = fs.mkdtempSync(path.join(root, 'bench/tmp/platform-'));
const env = { ...process.env, DATA_DIR: dataDir, LOG_LEVEL: 'warn', ADMIN_PASSWORD: 'bench-password' };

// Six months of applicants, through the same service `quintet seed hiring` uses.
const from = new Date('2026-01-01T00:00:00Z');
const to = new Date('2026-06-30T23:59:59Z');
const platform = createPlatform(loadConfig(env, [hiringSystem]));
await migrateAll(platform, [hiringSystem]);
await createHiringService(platform).seed({ count, from, to, seed: 42 });
await platform.close();
console.log(`seeded ${count} applicants (2026-01-01..2026-06-30)`);

const quintetPort = await freePort();
const barePort = await freePort();
const children: ChildProcess[] = [];
try {
  // Quintet as in production: the built JS, one process, hiring only (what funnel.json needs).
  const quintet = spawn(process.execPath, ['bin/quintet.js', 'serve'], {
    cwd: root,
    env: { ...env, PORT: String(quintetPort), SYSTEMS: 'hiring' },
    stdio: 'inherit',
  });
  children.push(quintet);
  await waitFor(`http://127.0.0.1:${quintetPort}/health`, quintet, 60_000);

  const targets = [
    { name: 'trivial JSON (/api/ping)', path: '/api/ping' },
    { name: '/health (database round trip)', path: '/health' },
    {
      name: 'funnel.json, six months',
      path: '/hiring/funnel.json?start_date=2026-01-01&end_date=2026-06-30',
    },
  ];
  const bodies: Record<string, { type: string; body: string }> = {};
  for (const t of targets) {
    const res = await fetch(`http://127.0.0.1:${quintetPort}${t.path}`);
    if (!res.ok) throw new Error(`${t.path} answered ${res.status}`);
    bodies[t.path] = { type: res.headers.get('content-type') ?? 'application/json', body: await res.text() };
  }
  const funnel = JSON.parse(bodies[targets[2]!.path]!.body) as Record<string, Record<string, number>>;
  const total = Object.values(funnel).reduce((s, w) => s + Object.values(w).reduce((a, b) => a + b, 0), 0);
  if (total !== count) throw new Error(`funnel counts ${total} applicants, expected ${count}`);
  const bodiesFile = path.join(dataDir, 'bodies.json');
  fs.writeFileSync(bodiesFile, JSON.stringify(bodies));

  const bare = spawn(
    process.execPath,
    ['--import', 'tsx', 'bench/bare-http-server.ts', bodiesFile, String(barePort)],
    {
      cwd: root,
      stdio: 'inherit',
    },
  );
  children.push(bare);
  await waitFor(`http://127.0.0.1:${barePort}/api/ping`, bare, 30_000);

  const servers = {
    bare: { port: barePort, pid: bare.pid! },
    quintet: { port: quintetPort, pid: quintet.pid! },
  };
  type Server = keyof typeof servers;
  const load = (server: Server, p: string, seconds: number) =>
    wrk(`http://127.0.0.1:${servers[server].port}${p}`, seconds, servers[server].pid);
  for (const t of targets) for (const s of ['bare', 'quintet'] as const) load(s, t.path, 2); // warm-up

  const runs: Record<string, Record<Server, LoadFigures[]>> = {};
  for (const t of targets) runs[t.path] = { bare: [], quintet: [] };
  for (let round = 0; round < rounds; round++) {
    // Every other round reverses the order, so neither server always runs right after the other.
    const order: Server[] = round % 2 ? ['quintet', 'bare'] : ['bare', 'quintet'];
    const paths = round % 2 ? [...targets].reverse() : targets;
    for (const t of paths) {
      for (const s of order) {
        const f = load(s, t.path, duration);
        runs[t.path]![s].push(f);
        process.stderr.write(
          `round ${round + 1}/${rounds} ${s.padEnd(7)} ${t.path}: ${f.requestsPerSecond} req/s, ${f.serverCpuUsPerRequest} µs CPU/request\n`,
        );
      }
    }
  }

  const summarise = (list: LoadFigures[]) => ({
    requestsPerSecond: Math.round(median(list.map((f) => f.requestsPerSecond))),
    p50Ms: median(list.map((f) => f.p50Ms)),
    p99Ms: median(list.map((f) => f.p99Ms)),
    serverCpuUsPerRequest: median(list.map((f) => f.serverCpuUsPerRequest)),
  });
  const results = targets.map((t) => {
    const { bare: b, quintet: q } = runs[t.path]!;
    const roundRatios = q.map((f, i) => Number((f.requestsPerSecond / b[i]!.requestsPerSecond).toFixed(3)));
    // The bare server's CPU per request over Quintet's: the throughput ratio on an idle machine.
    const cpuRatios = q.map((f, i) =>
      Number((b[i]!.serverCpuUsPerRequest / f.serverCpuUsPerRequest).toFixed(3)),
    );
    return {
      target: t.name,
      path: t.path,
      bodyBytes: Buffer.byteLength(bodies[t.path]!.body),
      bare: summarise(b),
      quintet: summarise(q),
      ratio: Number(median(roundRatios).toFixed(3)),
      roundRatios,
      cpuRatio: Number(median(cpuRatios).toFixed(3)),
      cpuRatios,
      runs: runs[t.path],
    };
  });

  console.log(
    `\nwrk, ${connections} connections, ${threads} threads, ${rounds} rounds of ${duration} s (medians)\n`,
  );
  console.log(
    '| target | body | bare req/s | Quintet req/s | Quintet p50 / p99 | ratio | per round | server CPU µs/request bare / Quintet | CPU ratio |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const r of results) {
    console.log(
      `| ${r.target} | ${r.bodyBytes} B | ${r.bare.requestsPerSecond} | ${r.quintet.requestsPerSecond} | ${r.quintet.p50Ms} / ${r.quintet.p99Ms} ms | ${r.ratio.toFixed(2)}x | ${r.roundRatios.map((x) => x.toFixed(2)).join(', ')} | ${r.bare.serverCpuUsPerRequest} / ${r.quintet.serverCpuUsPerRequest} | ${r.cpuRatio.toFixed(2)}x |`,
    );
  }
  const figures = {
    tool: 'wrk',
    connections,
    threads,
    rounds,
    durationSeconds: duration,
    applicants: count,
    results,
    machine: {
      ...machine,
      loadAverageAtEnd: (await import('node:os')).loadavg().map((l) => Number(l.toFixed(2))),
    },
  };
  fs.mkdirSync(path.join(root, 'bench/results'), { recursive: true });
  const out = path.join(root, 'bench/results/platform.json');
  fs.writeFileSync(out, JSON.stringify(figures, null, 2) + '\n');
  console.log(`\nwritten to ${path.relative(root, out)}`);
} finally {
  for (const child of children) child.kill('SIGTERM');
  await Promise.all(
    children.map((c) => (c.exitCode === null ? new Promise((r) => c.once('exit', r)) : Promise.resolve())),
  );
  fs.rmSync(dataDir, { recursive: true, force: true });
}
