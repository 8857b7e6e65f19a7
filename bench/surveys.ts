// npm run bench:surveys — one server process (built JS) on SQLite:
//   1. store --stored responses (default 100,000) with `quintet seed surveys`, then time the
//      dashboard's first load (summary + first page, as the page requests them: in parallel) and a
//      sort by another column (name), first request and the median of --repeat more;
//   2. --respondents simulated respondents (default 200) typing, together about --rate answer saves
//      a second (default 2,000; each respondent waits for its save's answer before the next, as the
//      page does), while --dashboards admin event streams (default 5) listen, each in a process of
//      its own (bench/surveys-dashboard.ts; --dashboards-inline: in the respondents' process), for
//      --duration seconds: saves per second sustained, errors, the CPU of the server, the
//      respondents and the dashboards, and the latency from a save's answer reaching the
//      respondent to its event reaching each dashboard (p50/p95/p99; wall clocks, the dashboards'
//      offsets measured over IPC).
// Prints a table, writes bench/results/surveys.json.
import { fork, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { machineInfo } from './machine.js';
import { keyOf, listenForResponses, wallNow } from './surveys-stream.js';

const { values: args } = parseArgs({
  options: {
    stored: { type: 'string', default: '100000' },
    respondents: { type: 'string', default: '200' },
    rate: { type: 'string', default: '2000' },
    dashboards: { type: 'string', default: '5' },
    duration: { type: 'string', default: '20' },
    repeat: { type: 'string', default: '20' },
    // A directory: the server runs with --cpu-prof and writes its profile there on exit.
    profile: { type: 'string' },
    // The dashboards listen in the respondents' process (as before 2026-12-03 15:30), not one each.
    'dashboards-inline': { type: 'boolean', default: false },
  },
});
const stored = Number(args.stored);
const respondents = Number(args.respondents);
const rate = Number(args.rate);
const dashboards = Number(args.dashboards);
const duration = Number(args.duration);
const repeat = Number(args.repeat);
const inline = args['dashboards-inline'];
const root = path.resolve(import.meta.dirname, '..');
fs.mkdirSync(path.join(root, 'bench/tmp'), { recursive: true });
const dataDir = fs.mkdtempSync(path.join(root, 'bench/tmp/surveys-'));
const PASSWORD = 'bench-password';
const env = {
  ...process.env,
  DATA_DIR: dataDir,
  LOG_LEVEL: 'warn',
  ADMIN_PASSWORD: PASSWORD,
  SYSTEMS: 'surveys',
  // Every simulated respondent comes from 127.0.0.1: the per-address limits would stop them.
  SURVEYS_SAVE_RATE_LIMIT: '10000000',
  PUBLIC_WRITE_RATE_LIMIT: '1000000',
};

const machine = machineInfo();
console.log(
  `machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, node ${machine.node}`,
);

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

const percentile = (sorted: readonly number[], p: number) =>
  sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
const round = (n: number, digits = 1) => Number(n.toFixed(digits));

/** CPU seconds a process has used so far (Linux /proc; null elsewhere). */
function cpuSeconds(pid: number | undefined): number | null {
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, in clock ticks (100/s)
  } catch {
    return null;
  }
}

// ---------- A small keep-alive HTTP client with a cookie jar ----------

const agent = new http.Agent({ keepAlive: true, maxSockets: 512 });
let port = 0;

interface Answer {
  status: number;
  body: string;
  headers: http.IncomingHttpHeaders;
}

class Session {
  private cookies = new Map<string, string>();
  private token: string | undefined;

  send(method: string, url: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = http.request(
        {
          host: '127.0.0.1',
          port,
          path: url,
          method,
          agent,
          headers: {
            accept: 'application/json',
            ...(payload !== undefined ? { 'content-type': 'application/json' } : {}),
            ...(this.cookies.size > 0
              ? { cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ') }
              : {}),
            ...headers,
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            this.remember(res.headers['set-cookie']);
            resolve({
              status: res.statusCode ?? 0,
              body: Buffer.concat(chunks).toString('utf8'),
              headers: res.headers,
            });
          });
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  }

  remember(setCookie: string[] | undefined): void {
    for (const line of setCookie ?? []) {
      const [pair] = line.split(';');
      const at = pair!.indexOf('=');
      this.cookies.set(pair!.slice(0, at).trim(), pair!.slice(at + 1).trim());
    }
  }

  cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  async write(
    method: string,
    url: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<Answer> {
    if (this.token === undefined) {
      const answer = await this.send('GET', '/api/csrf-token');
      this.token = (JSON.parse(answer.body) as { token: string }).token;
    }
    return this.send(method, url, body, { ...headers, 'x-csrf-token': this.token });
  }
}

async function admin(): Promise<Session> {
  const session = new Session();
  const answer = await session.write('POST', '/api/admin/login', { password: PASSWORD });
  if (answer.status !== 200) throw new Error(`admin login answered ${answer.status}: ${answer.body}`);
  return session;
}

// ---------- 1. Stored responses, server, first load ----------

const main = fs.existsSync(path.join(root, 'dist/main.js'))
  ? ['bin/quintet.js']
  : ['--import', 'tsx', 'src/main.ts'];
let seedSeconds = 0;
if (stored > 0) {
  const t0 = performance.now();
  const seeded = spawnSync(
    process.execPath,
    [...main, 'seed', 'surveys', '--count', String(stored), '--seed', '7'],
    {
      cwd: root,
      env,
      stdio: ['ignore', 'inherit', 'inherit'],
    },
  );
  if (seeded.status !== 0) throw new Error(`seed surveys exited with ${seeded.status}`);
  seedSeconds = (performance.now() - t0) / 1000;
}

port = await freePort();
const profile =
  args.profile === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${path.resolve(args.profile)}`];
const server = spawn(process.execPath, [...profile, ...main, 'serve'], {
  cwd: root,
  env: { ...env, PORT: String(port) },
  stdio: 'inherit',
});

async function waitForHealth(deadlineMs: number): Promise<void> {
  const until = Date.now() + deadlineMs;
  while (Date.now() < until) {
    try {
      if ((await new Session().send('GET', '/health')).status === 200) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`the server did not answer within ${deadlineMs} ms`);
}

/** Times `run` once (the first, cold request) and `repeat` more times. */
async function timed(
  run: () => Promise<void>,
): Promise<{ firstMs: number; medianMs: number; p95Ms: number }> {
  const times: number[] = [];
  for (let i = 0; i <= repeat; i++) {
    const t0 = performance.now();
    await run();
    times.push(performance.now() - t0);
  }
  const rest = times.slice(1).sort((a, b) => a - b);
  return {
    firstMs: round(times[0]!),
    medianMs: round(percentile(rest, 50)),
    p95Ms: round(percentile(rest, 95)),
  };
}

function expectOk(answer: Answer, what: string): void {
  if (answer.status !== 200)
    throw new Error(`${what} answered ${answer.status}: ${answer.body.slice(0, 200)}`);
}

try {
  await waitForHealth(60_000);
  const owner = await admin();

  let total = 0;
  const firstLoad = await timed(async () => {
    const [summary, page] = await Promise.all([
      owner.send('GET', '/api/surveys/summary'),
      owner.send('GET', '/api/surveys/responses?status=all&sort=updatedAt&dir=desc&offset=0&limit=25'),
    ]);
    expectOk(summary, 'summary');
    expectOk(page, 'first page');
    total = (JSON.parse(page.body) as { total: number }).total;
  });
  if (total !== stored) throw new Error(`the list counts ${total} responses, expected ${stored}`);
  const sortByName = await timed(async () => {
    expectOk(
      await owner.send('GET', '/api/surveys/responses?status=all&sort=name&dir=asc&offset=0&limit=25'),
      'sort',
    );
  });
  const sortByAgeCompleted = await timed(async () => {
    expectOk(
      await owner.send('GET', '/api/surveys/responses?status=completed&sort=age&dir=desc&offset=0&limit=25'),
      'sort',
    );
  });
  console.log(
    `with ${stored.toLocaleString('en-US')} stored: first load (summary + first page) ${firstLoad.firstMs} ms first, ` +
      `${firstLoad.medianMs} ms median; sort by name ${sortByName.firstMs} ms first, ${sortByName.medianMs} ms median`,
  );

  // ---------- 2. Respondents typing while dashboards listen ----------

  interface Dashboard {
    /** The process listening (undefined with --dashboards-inline). */
    pid: number | undefined;
    /** This dashboard's clock minus the respondents' (ms), measured over IPC; 0 inline. */
    offsetMs: number;
    /** Stops listening; each response event's key and when it arrived (the dashboard's clock). */
    stop(): Promise<{ count: number; events: Map<string, number> }>;
  }

  const ackAt = new Map<string, number>();

  /** A dashboard listening in this process (the respondents' event loop). */
  async function listenInline(session: Session): Promise<Dashboard> {
    const listening = await listenForResponses(port, session.cookieHeader());
    return { pid: undefined, offsetMs: 0, stop: async () => listening.stop() };
  }

  /** A dashboard in a process of its own (bench/surveys-dashboard.ts), as each is its own browser. */
  async function listenInChild(session: Session): Promise<Dashboard> {
    const child = fork(path.join(root, 'bench/surveys-dashboard.ts'), [], {
      cwd: root,
      execArgv: ['--import', 'tsx'],
      env: { ...process.env, SURVEYS_BENCH_PORT: String(port), SURVEYS_BENCH_COOKIE: session.cookieHeader() },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const next = <T>(type: string) =>
      new Promise<T>((resolve, reject) => {
        const onMessage = (m: { type: string; error?: string }) => {
          if (m.type !== type && m.type !== 'failed') return;
          child.off('message', onMessage);
          if (m.type === 'failed') reject(new Error(`a dashboard failed: ${m.error}`));
          else resolve(m as T);
        };
        child.on('message', onMessage);
      });
    await next('ready');
    // The offset from the ping with the shortest round trip: off by at most half of it.
    let best = { rtt: Infinity, offset: 0 };
    for (let i = 0; i < 20; i++) {
      const t0 = wallNow();
      const pong = next<{ now: number }>('pong');
      child.send({ type: 'ping', t: t0 });
      const { now } = await pong;
      const t1 = wallNow();
      if (t1 - t0 < best.rtt) best = { rtt: t1 - t0, offset: now - (t0 + t1) / 2 };
    }
    return {
      pid: child.pid,
      offsetMs: best.offset,
      stop: async () => {
        const result = next<{ count: number; events: [string, number][] }>('result');
        child.send({ type: 'stop' });
        const { count, events } = await result;
        return { count, events: new Map(events) };
      },
    };
  }

  const listeners = await Promise.all(
    Array.from({ length: dashboards }, () => (inline ? listenInline(owner) : listenInChild(owner))),
  );
  const errors = new Map<string, number>();
  const fail = (what: string) => errors.set(what, (errors.get(what) ?? 0) + 1);
  let saves = 0;
  const intervalMs = (respondents / rate) * 1000;
  const started = performance.now();
  const stopAt = started + duration * 1000;
  const serverCpuBefore = cpuSeconds(server.pid);
  const dashboardCpuBefore = listeners.map((l) => cpuSeconds(l.pid));
  const benchCpuBefore = process.cpuUsage();

  async function respondent(n: number): Promise<void> {
    const session = new Session();
    // Spread the first keystrokes over one interval, like people arriving.
    await new Promise((r) => setTimeout(r, (n / respondents) * intervalMs));
    const created = await session.write('POST', '/api/surveys/responses', {
      answers: { name: `Respondent ${n}` },
    });
    if (created.status !== 201) {
      fail(`create ${created.status}`);
      return;
    }
    const id = (JSON.parse(created.body) as { id: string }).id;
    const headers = { 'x-survey-respondent': id };
    let about = '';
    const t0 = performance.now();
    for (let k = 1; performance.now() < stopAt; k++) {
      about = about.length >= 1990 ? 'a' : `${about}${String.fromCharCode(97 + (k % 26))}`;
      try {
        const answer = await session.write(
          'PATCH',
          `/api/surveys/responses/${id}`,
          { answers: { about } },
          headers,
        );
        if (answer.status === 200) {
          saves += 1;
          ackAt.set(keyOf(id, about), wallNow());
        } else fail(`save ${answer.status}`);
      } catch (err) {
        fail(`save ${(err as Error).message}`);
      }
      const wait = t0 + k * intervalMs - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
  }

  await Promise.all(Array.from({ length: respondents }, (_, n) => respondent(n)));
  const elapsed = (performance.now() - started) / 1000;
  const serverCpuAfter = cpuSeconds(server.pid);
  const benchCpu = process.cpuUsage(benchCpuBefore);
  const dashboardCpuAfter = listeners.map((l) => cpuSeconds(l.pid));
  // How busy each side was (1 = one core all the time): tells a slow server from a slow client.
  const serverCores =
    serverCpuBefore === null || serverCpuAfter === null
      ? null
      : round((serverCpuAfter - serverCpuBefore) / elapsed, 2);
  const benchCores = round((benchCpu.user + benchCpu.system) / 1e6 / elapsed, 2);
  // All the dashboard processes together (null inline: their work is in benchCores).
  const dashboardSeconds = dashboardCpuAfter.map((after, i) =>
    after === null || dashboardCpuBefore[i] === null ? NaN : after - dashboardCpuBefore[i]!,
  );
  const dashboardCores = inline ? null : round(dashboardSeconds.reduce((a, b) => a + b, 0) / elapsed, 2);
  // The server's CPU time per save (ms): steadier than saves/s on a shared machine.
  const serverCpuMsPerSave =
    serverCpuBefore === null || serverCpuAfter === null || saves === 0
      ? null
      : round(((serverCpuAfter - serverCpuBefore) * 1000) / saves, 3);
  // Let the last events arrive.
  await new Promise((r) => setTimeout(r, 1000));
  const seen = await Promise.all(listeners.map((l) => l.stop()));

  const latencies: number[] = [];
  let unmatched = 0;
  listeners.forEach((l, i) => {
    const { events } = seen[i]!;
    for (const [key, ack] of ackAt) {
      const at = events.get(key);
      if (at === undefined) unmatched += 1;
      // An event can arrive before the save's own answer: that counts as no wait at all.
      else latencies.push(Math.max(0, at - l.offsetMs - ack));
    }
  });
  latencies.sort((a, b) => a - b);
  const errorCount = [...errors.values()].reduce((a, b) => a + b, 0);

  const figures = {
    stored: {
      responses: stored,
      seedSeconds: round(seedSeconds),
      firstLoadMs: firstLoad,
      sortByNameMs: sortByName,
      sortCompletedByAgeMs: sortByAgeCompleted,
      repeat,
    },
    live: {
      respondents,
      targetSavesPerSecond: rate,
      dashboards,
      durationSeconds: round(elapsed),
      saves,
      savesPerSecond: Math.round(saves / elapsed),
      errors: errorCount,
      errorsByKind: Object.fromEntries(errors),
      eventsPerDashboard: seen.map((l) => l.count),
      dashboardsIn: inline ? 'the respondents’ process' : 'a process each',
      dashboardClockOffsetMs: listeners.map((l) => round(l.offsetMs, 3)),
      serverCores,
      serverCpuMsPerSave,
      benchClientCores: benchCores,
      dashboardCores,
      saveAckToEventMs: {
        samples: latencies.length,
        unmatched,
        p50: round(percentile(latencies, 50)),
        p95: round(percentile(latencies, 95)),
        p99: round(percentile(latencies, 99)),
        max: round(latencies[latencies.length - 1] ?? NaN),
      },
    },
    database: 'sqlite',
    machine,
  };

  const rows: [string, string][] = [
    [`seed ${stored.toLocaleString('en-US')} responses`, `${figures.stored.seedSeconds} s`],
    ['first load (summary + first page), first', `${firstLoad.firstMs} ms`],
    [`first load, median of ${repeat}`, `${firstLoad.medianMs} ms (p95 ${firstLoad.p95Ms} ms)`],
    ['sort by name, first', `${sortByName.firstMs} ms`],
    [`sort by name, median of ${repeat}`, `${sortByName.medianMs} ms (p95 ${sortByName.p95Ms} ms)`],
    ['completed sorted by age, median', `${sortByAgeCompleted.medianMs} ms`],
    [`saves/s sustained (${respondents} respondents, target ${rate})`, String(figures.live.savesPerSecond)],
    [
      'CPU during the saves: server / respondents / dashboards (cores)',
      `${serverCores ?? '?'} / ${benchCores} / ${dashboardCores ?? 'inline'}`,
    ],
    ['server CPU per save', `${serverCpuMsPerSave ?? '?'} ms`],
    ['save errors', `${errorCount}${errorCount > 0 ? ` ${JSON.stringify(figures.live.errorsByKind)}` : ''}`],
    [
      `save ack → event, ${dashboards} dashboards (${figures.live.dashboardsIn}): p50`,
      `${figures.live.saveAckToEventMs.p50} ms`,
    ],
    ['save ack → event: p95', `${figures.live.saveAckToEventMs.p95} ms`],
    ['save ack → event: p99', `${figures.live.saveAckToEventMs.p99} ms`],
    ['events not seen by a dashboard', String(unmatched)],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  console.log('');
  for (const [k, v] of rows) console.log(`${k.padEnd(width)}  ${v}`);
  fs.mkdirSync(path.join(root, 'bench/results'), { recursive: true });
  fs.writeFileSync(path.join(root, 'bench/results/surveys.json'), JSON.stringify(figures, null, 2) + '\n');
  console.log('\nwritten bench/results/surveys.json');
} finally {
  server.kill('SIGTERM');
  await new Promise((r) => server.once('exit', r));
  agent.destroy();
  fs.rmSync(dataDir, { recursive: true, force: true });
}
