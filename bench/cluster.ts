// npm run bench:cluster — the production topology under all five systems' traffic at once:
// test/support/cluster.ts's startCluster (nginx in front of two `quintet serve` and one
// `quintet worker`, on a fresh PostgreSQL database, Redis and the S3 stand-in), loaded through
// nginx for --seconds (default 60) by in-process clients, a fixed number per system, each sending
// its next request when the last one is answered:
//   hiring   applicants applying (a new client address each) and funnel reads
//   diffing  analysts uploading a small generated pair and polling it until done, then downloading
//   banners  visitors (cookies kept, a new visitor now and then) opening random campaign pages
//   uptime   an owner triggering reports and polling them until Complete; a feeder posting polls (a batch a second)
//   surveys  respondents saving as they type, while admin dashboards listen on the event stream
// Then checks that nothing was lost: every acknowledged survey answer is in the database and on
// every dashboard, every diff job completed with the generator's counts, every report completed,
// every application is in the funnel, every served banner page is counted (after the flush),
// every poll posted is stored. Prints a table, writes bench/results/cluster.json; exits 1 when a
// request failed or something was lost.
//   --seconds N   load duration (default 60)
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { generateDemo, writeDemoFiles } from '../src/systems/banners/demo.js';
import {
  generateDiffPair,
  type ExpectedDiff,
  type GeneratedMetric,
} from '../src/systems/diffing/generate.js';
import { HttpSession, startCluster, until } from '../test/support/cluster.js';
import { application } from '../test/support/hiring.js';
import { parseSseBlock } from '../test/support/sse.js';
import { machineInfo } from './machine.js';
import { cpuSeconds } from './wrk.js';

process.env.TEST_DATABASE_URL ||= 'postgres://postgres@127.0.0.1:5432/test';
process.env.TEST_REDIS_URL ||= 'redis://127.0.0.1:6379';

const { values: args } = parseArgs({ options: { seconds: { type: 'string', default: '60' } } });
const seconds = Number(args.seconds);
if (!(seconds > 0)) throw new Error('--seconds must be a positive number');
const root = path.resolve(import.meta.dirname, '..');
const PASSWORD = 'cluster-password'; // startCluster's ADMIN_PASSWORD
const INGEST_TOKEN = 'bench-cluster-ingest-token';
/** Clients per system (each waits for its answer before its next request). */
const CLIENTS = {
  applicants: 2,
  funnelReaders: 2,
  analysts: 2,
  visitors: 8,
  owners: 1,
  feeders: 1,
  respondents: 20,
  dashboards: 3,
};
const UPTIME_STORES = 100;
const POLLS_PER_BATCH = 100;
/** A feeder sends a batch a second: under the write limit (PUBLIC_WRITE_RATE_LIMIT, 60 a minute). */
const FEED_INTERVAL_MS = 1000;
/** Saves a respondent makes before a new respondent takes its place. */
const SAVES_PER_RESPONDENT = 100;
/** Pages a banner visitor opens before a new visitor (no cookie) takes its place. */
const PAGES_PER_VISITOR = 20;

const machine = machineInfo();
console.log(
  `machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, node ${machine.node}, load ${machine.loadAverageAtStart.join(' ')}`,
);

// ---------- Figures per system ----------

const percentile = (sorted: readonly number[], p: number) =>
  sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
const round = (n: number, digits = 1) => Number(n.toFixed(digits));

class Stats {
  readonly latencies: number[] = [];
  readonly errors = new Map<string, number>();
  operations = 0;

  /** Times one request; an answer other than `expect` (or a failure) is an error. */
  async time(what: string, send: () => Promise<Response>, expect = 200): Promise<Response | undefined> {
    const t0 = performance.now();
    try {
      const res = await send();
      // The body belongs to the request's time, as a browser would read it.
      const body = await res.arrayBuffer();
      this.latencies.push(performance.now() - t0);
      if (res.status !== expect) {
        this.error(`${what} ${res.status}: ${Buffer.from(body).toString('utf8').slice(0, 120)}`);
        return undefined;
      }
      return new Response(res.status === 204 ? null : body, { status: res.status, headers: res.headers });
    } catch (err) {
      this.error(`${what}: ${(err as Error).message}`);
      return undefined;
    }
  }

  error(message: string): void {
    const kind = message.replace(/\d+/g, 'N'); // one kind for "retry in 26 seconds", "… 25 …"
    this.errors.set(kind, (this.errors.get(kind) ?? 0) + 1);
  }

  summary(elapsed: number) {
    const sorted = [...this.latencies].sort((a, b) => a - b);
    const errors = [...this.errors.values()].reduce((a, b) => a + b, 0);
    return {
      requests: sorted.length,
      requestsPerSecond: round(sorted.length / elapsed),
      operations: this.operations,
      operationsPerSecond: round(this.operations / elapsed, 2),
      p50Ms: round(percentile(sorted, 50)),
      p99Ms: round(percentile(sorted, 99)),
      maxMs: round(sorted[sorted.length - 1] ?? NaN),
      errors,
      errorsByKind: Object.fromEntries(this.errors),
    };
  }
}

const stats = {
  hiring: new Stats(),
  diffing: new Stats(),
  banners: new Stats(),
  uptime: new Stats(),
  surveys: new Stats(),
};
type System = keyof typeof stats;

/** Each simulated client comes from an address of its own (nginx forwards it; TRUST_PROXY=true). */
let clients = 0;
const newClient = () => {
  const n = ++clients;
  return new HttpSession({ 'x-forwarded-for': `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}` });
};
const json = async <T>(res: Response | undefined) => (res ? ((await res.json()) as T) : undefined);
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---------- The cluster and its data ----------

const cluster = await startCluster({
  systems: 'hiring,diffing,uptime,banners,surveys',
  env: { UPTIME_INGEST_TOKEN: INGEST_TOKEN },
});
const lb = cluster.lb;
const db = new pg.Client({ connectionString: cluster.env.DATABASE_URL });
let failed = false;
try {
  await db.connect();
  const work = path.join(cluster.env.DATA_DIR!, 'bench');
  const runOrThrow = async (argv: string[]) => {
    const r = await cluster.run(argv);
    if (r.code !== 0) throw new Error(`quintet ${argv.join(' ')} failed:\n${r.output}`);
  };

  // Banners: the demo's 50 campaigns, through the real import.
  const demo = generateDemo();
  await writeDemoFiles(path.join(work, 'banners'), demo);
  await runOrThrow(['import', 'banners', path.join(work, 'banners')]);
  const campaigns = [...demo.campaigns.keys()];

  // Uptime: stores open 08:00–22:00 local every day, 8 days of generated polls, imported.
  const stores = Array.from({ length: UPTIME_STORES }, (_, i) => `bench-store-${i}`);
  const zones = ['America/New_York', 'America/Chicago', 'America/Los_Angeles'];
  fs.mkdirSync(path.join(work, 'uptime'), { recursive: true });
  const hoursFile = path.join(work, 'uptime', 'menu_hours.csv');
  const zonesFile = path.join(work, 'uptime', 'timezones.csv');
  const pollsFile = path.join(work, 'uptime', 'polls.csv');
  fs.writeFileSync(
    hoursFile,
    ['store_id,dayOfWeek,start_time_local,end_time_local']
      .concat(stores.flatMap((s) => [0, 1, 2, 3, 4, 5, 6].map((d) => `${s},${d},08:00:00,22:00:00`)))
      .join('\n') + '\n',
  );
  fs.writeFileSync(
    zonesFile,
    ['store_id,timezone_str'].concat(stores.map((s, i) => `${s},${zones[i % zones.length]}`)).join('\n') +
      '\n',
  );
  await runOrThrow([
    'seed',
    'uptime',
    '--hours',
    hoursFile,
    '--timezones',
    zonesFile,
    '--days',
    '8',
    '--seed',
    '3',
    '--out',
    pollsFile,
  ]);
  await runOrThrow([
    'import',
    'uptime',
    '--status',
    pollsFile,
    '--hours',
    hoursFile,
    '--timezones',
    zonesFile,
  ]);
  const pollCount = async () => Number((await db.query('select count(*) as n from uptime_polls')).rows[0].n);
  const pollsBefore = await pollCount();

  // Diffing: small generated pairs, each with the diff the generator predicts.
  const pairs: { metric: GeneratedMetric; old: string; new: string; expected: ExpectedDiff }[] = [];
  for (let i = 0; i < 6; i++) {
    const metric: GeneratedMetric = i % 2 ? 'c-revenue' : 'revenue';
    const pair = await generateDiffPair({
      metric,
      rows: 1000 + 800 * i,
      outDir: path.join(work, 'diffing', String(i)),
      seed: 100 + i,
    });
    pairs.push({
      metric,
      old: fs.readFileSync(pair.oldPath, 'utf8'),
      new: fs.readFileSync(pair.newPath, 'utf8'),
      expected: pair.expected,
    });
  }
  console.log(
    `data: ${campaigns.length} banner campaigns, ${UPTIME_STORES} stores with ${pollsBefore.toLocaleString('en-US')} polls, ${pairs.length} diff pairs`,
  );

  const admin = new HttpSession();
  const login = await admin.post(lb, '/api/admin/login', { password: PASSWORD });
  if (login.status !== 200) throw new Error(`admin login answered ${login.status}`);
  const today = new Date().toISOString().slice(0, 10);
  const appliedToday = async () => {
    const res = await fetch(`${lb}/hiring/funnel.json?start_date=${today}&end_date=${today}`);
    const weeks = Object.values((await res.json()) as Record<string, { applied: number }>);
    return weeks.reduce((sum, w) => sum + w.applied, 0);
  };
  const appliedBefore = await appliedToday();

  // ---------- Dashboards: event streams through nginx, reconnecting as a browser's EventSource ----------

  interface Dashboard {
    /** The last `about` seen per response id. */
    about: Map<string, string | null>;
    events: number;
    gaps: number;
    resets: number;
    reconnects: number;
    lastId: number;
    stop: () => void;
  }
  const summary0 = (await (await admin.get(lb, '/api/surveys/summary')).json()) as { eventId: number };
  const dashboards: Dashboard[] = [];
  const listening: Promise<void>[] = [];
  for (let i = 0; i < CLIENTS.dashboards; i++) {
    const controller = new AbortController();
    const d: Dashboard = {
      about: new Map(),
      events: 0,
      gaps: 0,
      resets: 0,
      reconnects: -1,
      lastId: summary0.eventId,
      stop: () => controller.abort(),
    };
    dashboards.push(d);
    let opened!: () => void;
    const open = new Promise<void>((r) => (opened = r));
    listening.push(
      (async () => {
        while (!controller.signal.aborted) {
          d.reconnects++;
          try {
            const res = await fetch(`${lb}/api/surveys/events`, {
              headers: {
                accept: 'text/event-stream',
                'last-event-id': String(d.lastId),
                ...admin.cookieHeader(),
              },
              signal: controller.signal,
            });
            if (res.status !== 200) throw new Error(`events answered ${res.status}`);
            opened();
            const decoder = new TextDecoder();
            let buffer = '';
            for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
              buffer += decoder.decode(chunk, { stream: true });
              let end: number;
              while ((end = buffer.indexOf('\n\n')) >= 0) {
                const frame = parseSseBlock(buffer.slice(0, end));
                buffer = buffer.slice(end + 2);
                if (!frame) continue;
                if (frame.event === 'reset') d.resets++;
                if (frame.event !== 'response' && frame.event !== 'deleted') continue;
                const id = Number(frame.id);
                if (id !== d.lastId + 1) d.gaps++;
                d.lastId = id;
                d.events++;
                const response = JSON.parse(frame.data) as { id: string; answers: { about?: string | null } };
                d.about.set(response.id, response.answers.about ?? null);
              }
            }
          } catch (err) {
            if (controller.signal.aborted) return;
            stats.surveys.error(`dashboard stream: ${(err as Error).message}`);
            await pause(500);
          }
        }
      })(),
    );
    await open;
  }

  // ---------- The load ----------

  const started = performance.now();
  const stopAt = started + seconds * 1000;
  const running = () => performance.now() < stopAt;
  const loops = (n: number, body: (i: number) => Promise<void>) =>
    Array.from({ length: n }, async (_, i) => {
      while (running()) await body(i);
    });
  const cpuOf = (children: ChildProcess[]) => children.reduce((s, c) => s + cpuSeconds(c.pid!), 0);
  const roles = { instances: cluster.servers, worker: cluster.workers, nginx: [cluster.nginx] };
  const cpuBefore = Object.fromEntries(Object.entries(roles).map(([k, v]) => [k, cpuOf(v)]));
  const benchCpuBefore = process.cpuUsage();

  let applied = 0;
  let applicationNo = 0;
  const hiring = [
    ...loops(CLIENTS.applicants, async () => {
      const n = ++applicationNo;
      const applicant = newClient();
      const s = stats.hiring;
      if (!(await s.time('csrf token', () => applicant.get(lb, '/api/csrf-token')))) return;
      const phone = `(415) ${200 + Math.floor(n / 10_000)}-${String(n % 10_000).padStart(4, '0')}`;
      const res = await s.time(
        'apply',
        () =>
          applicant.post(lb, '/hiring/api/applications', {
            ...application(n, { phone }),
            background_check_consent: true,
          }),
        201,
      );
      if (res) {
        applied++;
        s.operations++;
      }
    }),
    ...loops(CLIENTS.funnelReaders, async () => {
      if (
        await stats.hiring.time('funnel', () =>
          fetch(`${lb}/hiring/funnel.json?start_date=${today}&end_date=${today}`),
        )
      )
        stats.hiring.operations++;
    }),
  ];

  let diffJobs = 0;
  let diffsRight = 0;
  const diffing = loops(CLIENTS.analysts, async () => {
    const s = stats.diffing;
    const analyst = newClient();
    const pair = pairs[Math.floor(Math.random() * pairs.length)]!;
    if (!(await s.time('csrf token', () => analyst.get(lb, '/api/csrf-token')))) return;
    const form = new FormData();
    form.set('metric', pair.metric);
    form.set('old', new Blob([pair.old], { type: 'text/csv' }), 'old.csv');
    form.set('new', new Blob([pair.new], { type: 'text/csv' }), 'new.csv');
    const created = await json<{ job_id: number }>(
      await s.time('upload', () => analyst.post(lb, '/api/diffing/jobs', form), 201),
    );
    if (!created) return;
    diffJobs++;
    // The job is followed to its end even past the deadline: it must complete, right.
    for (;;) {
      const status = await json<{
        status: string;
        new: number;
        changed: number;
        deleted: number;
        error?: string;
      }>(await s.time('status', () => analyst.get(lb, `/api/diffing/job/${created.job_id}/status`)));
      if (status?.status === 'failed') return s.error(`job failed: ${status.error}`);
      if (status?.status === 'done') {
        const { added, changed, deleted } = pair.expected;
        if (status.new !== added || status.changed !== changed || status.deleted !== deleted)
          return s.error(
            `job ${created.job_id}: ${status.new}/${status.changed}/${status.deleted} new/changed/deleted, expected ${added}/${changed}/${deleted}`,
          );
        break;
      }
      await pause(100);
    }
    const result = await s.time('result', () => analyst.get(lb, `/api/diffing/job/${created.job_id}`));
    if (!result) return;
    const lines = (await result.text()).split('\n').filter((l) => l !== '').length;
    if (lines !== 1 + pair.expected.added + pair.expected.changed)
      return s.error(
        `job ${created.job_id}: ${lines} lines downloaded, expected ${1 + pair.expected.added + pair.expected.changed}`,
      );
    diffsRight++;
    s.operations++;
  });

  let pagesServed = 0;
  const banners = loops(CLIENTS.visitors, async () => {
    const visitor = newClient();
    for (let p = 0; p < PAGES_PER_VISITOR && running(); p++) {
      const campaign = campaigns[Math.floor(Math.random() * campaigns.length)]!;
      const page = await stats.banners.time('page', () => visitor.get(lb, `/campaigns/${campaign}`));
      if (page) {
        pagesServed++;
        stats.banners.operations++;
      }
    }
  });

  let reports = 0;
  let reportsComplete = 0;
  let pollsStored = 0;
  let pollClock = Date.now();
  const owner = newClient();
  const uptime = [
    ...loops(CLIENTS.owners, async () => {
      const s = stats.uptime;
      const triggered = await json<{ report_id: string }>(
        await s.time('trigger', () => owner.post(lb, '/trigger_report')),
      );
      if (!triggered) return;
      reports++;
      for (;;) {
        const answer = await json<{ status: string; error?: string }>(
          await s.time('get_report', () => owner.get(lb, `/get_report?report_id=${triggered.report_id}`)),
        );
        if (answer?.status === 'Failed') return s.error(`report failed: ${answer.error}`);
        if (answer?.status === 'Complete') break;
        await pause(200);
      }
      const csv = await s.time('report csv', () =>
        owner.get(lb, `/get_report?report_id=${triggered.report_id}`, { accept: 'text/csv' }),
      );
      if (!csv) return;
      const rows = (await csv.text()).trim().split(/\r?\n/).length - 1;
      if (rows !== UPTIME_STORES)
        return s.error(`report ${triggered.report_id}: ${rows} rows, expected ${UPTIME_STORES}`);
      reportsComplete++;
      s.operations++;
    }),
    ...loops(CLIENTS.feeders, async () => {
      const next = performance.now() + FEED_INTERVAL_MS;
      // Each store's next poll, a millisecond apart, never repeated.
      const polls = Array.from({ length: POLLS_PER_BATCH }, (_, i) => ({
        store_id: stores[i % stores.length]!,
        status: Math.random() < 0.9 ? 'active' : 'inactive',
        timestamp_utc: new Date(++pollClock).toISOString(),
      }));
      const res = await json<{ stored: number; duplicates: number; rejected: unknown[] }>(
        await stats.uptime.time('polls', () =>
          fetch(`${lb}/api/uptime/polls`, {
            method: 'POST',
            headers: { authorization: `Bearer ${INGEST_TOKEN}`, 'content-type': 'application/json' },
            body: JSON.stringify(polls),
          }),
        ),
      );
      if (!res) return void (await pause(next - performance.now()));
      pollsStored += res.stored;
      if (res.stored !== polls.length) stats.uptime.error(`polls: ${res.stored} of ${polls.length} stored`);
      await pause(next - performance.now());
    }),
  ];

  /** Per response: the last answer acknowledged, and one sent whose outcome is unknown (a failed request). */
  const saved = new Map<string, { acked: string | null; unsure?: string }>();
  let respondentNo = 0;
  const surveys = loops(CLIENTS.respondents, async () => {
    const s = stats.surveys;
    const respondent = newClient();
    const n = ++respondentNo;
    if (!(await s.time('csrf token', () => respondent.get(lb, '/api/csrf-token')))) return;
    const created = await json<{ id: string }>(
      await s.time(
        'create',
        () => respondent.post(lb, '/api/surveys/responses', { answers: { name: `Respondent ${n}` } }),
        201,
      ),
    );
    if (!created) return;
    saved.set(created.id, { acked: null });
    let about = '';
    for (let k = 0; k < SAVES_PER_RESPONDENT && running(); k++) {
      about += k % 6 === 5 ? ' ' : String.fromCharCode(97 + (k % 26));
      const text = about;
      const res = await s.time('save', () =>
        respondent.patch(lb, `/api/surveys/responses/${created.id}`, { answers: { about: text } }),
      );
      if (res) {
        saved.set(created.id, { acked: text });
        s.operations++;
      } else saved.set(created.id, { ...saved.get(created.id)!, unsure: text });
    }
  });

  await Promise.all([...hiring, ...diffing, ...banners, ...uptime, ...surveys]);
  const elapsed = (performance.now() - started) / 1000;
  const cpu = Object.fromEntries(
    Object.entries(roles).map(([k, v]) => [k, round((cpuOf(v) - cpuBefore[k]!) / elapsed, 2)]),
  );
  const benchCpu = process.cpuUsage(benchCpuBefore);
  cpu.bench = round((benchCpu.user + benchCpu.system) / 1e6 / elapsed, 2);
  const loadAtEnd = os.loadavg().map((l) => round(l, 2));
  console.log(`load ran ${round(elapsed)} s (jobs followed to their end); checking that nothing was lost…`);

  // ---------- Nothing lost ----------

  const lost: string[] = [];
  const check = (ok: boolean, what: string) => {
    if (!ok) lost.push(what);
  };

  const appliedAfter = await appliedToday();
  check(
    appliedAfter - appliedBefore === applied,
    `funnel counts ${appliedAfter - appliedBefore} applications, ${applied} were accepted`,
  );
  check(
    diffsRight === diffJobs,
    `${diffJobs - diffsRight} of ${diffJobs} diff jobs did not complete with the right result`,
  );
  check(
    reportsComplete === reports,
    `${reports - reportsComplete} of ${reports} uptime reports did not complete right`,
  );
  const pollsAfter = await pollCount();
  check(
    pollsAfter - pollsBefore === pollsStored,
    `${pollsAfter - pollsBefore} polls in the database, ${pollsStored} acknowledged`,
  );

  // Served impressions are flushed every BANNER_SERVED_FLUSH_MS (2 s): wait for the count to settle.
  const servedCount = async () =>
    Number(
      (await db.query('select coalesce(sum(served), 0) as n from banners_served_impressions')).rows[0].n,
    );
  const counted = await until(
    'served impressions to be flushed',
    async () => ((await servedCount()) >= pagesServed ? true : undefined),
    15_000,
  )
    .then(servedCount)
    .catch(servedCount);
  check(counted === pagesServed, `${counted} banner impressions counted, ${pagesServed} pages served`);

  const rows = await db.query<{ id: string; about: string | null }>(
    'select id, about from surveys_responses',
  );
  const inDb = new Map(rows.rows.map((r) => [r.id, r.about]));
  let answersMissing = 0;
  for (const [id, s] of saved) {
    const about = inDb.get(id);
    if (about === undefined || (about !== s.acked && about !== s.unsure)) answersMissing++;
  }
  check(
    answersMissing === 0,
    `${answersMissing} of ${saved.size} responses lack their last saved answer in the database`,
  );
  // Every dashboard ends with each response's stored state (give the last events a few seconds).
  const behind = (d: Dashboard) =>
    [...inDb].filter(([id, about]) => saved.has(id) && d.about.get(id) !== about).length;
  await until(
    'the dashboards to catch up',
    async () => (dashboards.every((d) => behind(d) === 0) ? true : undefined),
    10_000,
  ).catch(() => undefined);
  for (const d of dashboards) d.stop();
  await Promise.all(listening);
  dashboards.forEach((d, i) => {
    check(behind(d) === 0, `dashboard ${i + 1} never saw the last answer of ${behind(d)} responses`);
    check(
      d.gaps === 0 && d.resets === 0,
      `dashboard ${i + 1}: ${d.gaps} gaps in event ids, ${d.resets} resets`,
    );
  });

  // ---------- Report ----------

  const perSystem = Object.fromEntries(
    Object.entries(stats).map(([k, s]) => [k, s.summary(elapsed)]),
  ) as Record<System, ReturnType<Stats['summary']>>;
  const operationName: Record<System, string> = {
    hiring: 'applications + funnel reads',
    diffing: 'diff jobs done',
    banners: 'pages served',
    uptime: 'reports complete',
    surveys: 'answer saves',
  };
  const errors = Object.values(perSystem).reduce((n, s) => n + s.errors, 0);
  const result = {
    seconds: round(elapsed),
    topology: {
      instances: cluster.instances.length,
      workers: cluster.workers.length,
      database: 'postgresql',
      loadBalancer: 'nginx',
    },
    clients: CLIENTS,
    systems: perSystem,
    counts: {
      applications: applied,
      funnelReads: perSystem.hiring.operations - applied,
      diffJobs,
      pagesServed,
      impressionsCounted: counted,
      reports,
      pollsStored,
      pollBatches: pollsStored / POLLS_PER_BATCH,
      responses: saved.size,
      saves: perSystem.surveys.operations,
      dashboardEvents: dashboards.map((d) => d.events),
      dashboardReconnects: dashboards.map((d) => d.reconnects),
    },
    coresBusy: cpu,
    errors,
    lost,
    machine: { ...machine, loadAverageAtEnd: loadAtEnd },
  };

  console.log(
    `\n${round(elapsed)} s through nginx, 2 instances + 1 worker on PostgreSQL + Redis + S3 stand-in\n`,
  );
  console.log('| system | requests/s | p50 ms | p99 ms | errors | operations |');
  console.log('|---|---:|---:|---:|---:|---|');
  for (const [name, s] of Object.entries(perSystem) as [System, (typeof perSystem)[System]][])
    console.log(
      `| ${name} | ${s.requestsPerSecond} | ${s.p50Ms} | ${s.p99Ms} | ${s.errors} | ${s.operations} ${operationName[name]} (${s.operationsPerSecond}/s) |`,
    );
  console.log(
    `\ncores busy: ${Object.entries(cpu)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}; load average ${machine.loadAverageAtStart.join(' ')} → ${loadAtEnd.join(' ')}`,
  );
  for (const [name, s] of Object.entries(perSystem))
    for (const [kind, n] of Object.entries(s.errorsByKind)) console.log(`error ${name}: ${n}× ${kind}`);
  console.log(
    lost.length
      ? `LOST:\n  ${lost.join('\n  ')}`
      : 'nothing lost: every answer, job, report, application, poll and impression accounted for',
  );
  fs.mkdirSync(path.join(root, 'bench/results'), { recursive: true });
  fs.writeFileSync(path.join(root, 'bench/results/cluster.json'), JSON.stringify(result, null, 2) + '\n');
  console.log('written bench/results/cluster.json');
  failed = errors > 0 || lost.length > 0;
} finally {
  await db.end().catch(() => undefined);
  await cluster.stop();
}
process.exitCode = failed ? 1 : 0;
