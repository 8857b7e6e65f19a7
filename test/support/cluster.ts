// The production topology on one machine, for cluster tests: N app instances and M workers (built
// JS, own processes) on a fresh PostgreSQL database, Redis (own key prefix) and an S3 stand-in,
// behind Debian's nginx running the very site file in deploy/nginx/.
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll } from 'vitest';
import { freshPostgresDatabase } from './platform.js';
import { startTestS3, type TestS3 } from './s3.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
export const NGINX = process.env.NGINX_PATH || '/usr/sbin/nginx';
export const hasNginx = () => fs.existsSync(NGINX);

export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Thrown by a probe of `until` to stop waiting at once (other errors count as "not yet"). */
export class GiveUp extends Error {}

/** Polls until `probe` gives a value (not a fixed sleep: it returns as soon as the condition holds). */
export async function until<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch((err: unknown) => {
      if (err instanceof GiveUp) throw err;
      return undefined;
    });
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Polls a job's status (a diff, a report: whatever `status` fetches) until `finished` says it is
 * over, and gives that status; `what` names the job in the timeout's message.
 */
export function untilFinished<S>(
  what: string,
  status: () => Promise<S>,
  finished: (s: S) => boolean,
  timeoutMs = 60_000,
): Promise<S> {
  return until(
    `${what} to finish`,
    async () => {
      const s = await status();
      return finished(s) ? s : undefined;
    },
    timeoutMs,
  );
}

/** deploy/nginx/quintet.conf with these upstream ports and this listening port. */
export function renderNginxSite(upstreams: number[], listen: number): string {
  const site = fs.readFileSync(path.join(ROOT, 'deploy/nginx/quintet.conf'), 'utf8');
  const upstreamBlock = /# QUINTET_UPSTREAMS_BEGIN\n[\s\S]*?# QUINTET_UPSTREAMS_END/;
  const listenLine = /# QUINTET_LISTEN\n(\s*)listen [^;]+;/;
  if (!upstreamBlock.test(site) || !listenLine.test(site))
    throw new Error('deploy/nginx/quintet.conf lost its QUINTET_* markers');
  return site
    .replace(upstreamBlock, upstreams.map((p) => `server 127.0.0.1:${p};`).join('\n    '))
    .replace(listenLine, `$1listen 127.0.0.1:${listen};`);
}

async function startNginx(dir: string, upstreams: number[]): Promise<{ url: string; process: ChildProcess }> {
  const port = await freePort();
  fs.writeFileSync(path.join(dir, 'site.conf'), renderNginxSite(upstreams, port));
  fs.writeFileSync(
    path.join(dir, 'nginx.conf'),
    [
      'daemon off;',
      'worker_processes 1;',
      `pid ${dir}/nginx.pid;`,
      `error_log ${dir}/error.log warn;`,
      ...(process.getuid?.() === 0 ? ['user root;'] : []),
      'events { worker_connections 1024; }',
      'http {',
      '  access_log off;',
      `  client_body_temp_path ${dir}/body;`,
      `  proxy_temp_path ${dir}/proxy;`,
      `  fastcgi_temp_path ${dir}/fastcgi;`,
      `  uwsgi_temp_path ${dir}/uwsgi;`,
      `  scgi_temp_path ${dir}/scgi;`,
      `  include ${dir}/site.conf;`,
      '}',
    ].join('\n'),
  );
  const child = spawn(NGINX, ['-p', dir, '-c', path.join(dir, 'nginx.conf')], { stdio: 'pipe' });
  const url = `http://127.0.0.1:${port}`;
  await until('nginx', async () => {
    if (child.exitCode !== null)
      throw new GiveUp(`nginx exited: ${fs.readFileSync(path.join(dir, 'error.log'), 'utf8')}`);
    await fetch(`${url}/health`);
    return true;
  });
  return { url, process: child };
}

export interface Cluster {
  /** Through nginx. */
  lb: string;
  /** Each app instance directly. */
  instances: string[];
  env: Record<string, string>;
  s3: TestS3;
  /** Everything the processes printed, for failure messages. */
  output(): string;
  /** Runs `quintet <args>` once against the cluster's services and waits for it. */
  run(args: string[]): Promise<{ code: number | null; output: string }>;
  /** The `quintet serve` processes, in the order of `instances`. */
  servers: ChildProcess[];
  /** The `quintet worker` processes, in start order (killed ones stay listed). */
  workers: ChildProcess[];
  /** The nginx master process. */
  nginx: ChildProcess;
  /** Starts one more `quintet worker` and waits until it has started its job workers. */
  startWorker(): Promise<ChildProcess>;
  stop(): Promise<void>;
}

export interface ClusterOptions {
  systems: string;
  instances?: number;
  workers?: number;
  env?: Record<string, string>;
  /** The cluster's own Redis (a fault test's private redis-server); TEST_REDIS_URL by default. */
  redisUrl?: string;
}

export async function startCluster(options: ClusterOptions): Promise<Cluster> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'quintet-cluster-'));
  const database = await freshPostgresDatabase();
  const s3 = await startTestS3();
  const processes: ChildProcess[] = [];
  const output: string[] = [];
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    DATABASE_URL: database.url,
    REDIS_URL: options.redisUrl ?? process.env.TEST_REDIS_URL!,
    REDIS_PREFIX: `quintet-test-${crypto.randomBytes(4).toString('hex')}`,
    DATA_DIR: path.join(dir, 'data'),
    ADMIN_PASSWORD: 'cluster-password',
    SESSION_SECRET: crypto.randomBytes(32).toString('hex'),
    LOG_LEVEL: 'warn',
    TRUST_PROXY: 'true',
    SYSTEMS: options.systems,
    ...s3.env('cluster'),
    ...options.env,
  };
  const spawnQuintet = (args: string[], extra: Record<string, string> = {}) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'bin/quintet.js'), ...args], {
      cwd: ROOT,
      env: { ...env, ...extra },
    });
    child.stdout?.on('data', (d: Buffer) => output.push(d.toString()));
    child.stderr?.on('data', (d: Buffer) => output.push(d.toString()));
    return child;
  };
  const run = async (args: string[]) => {
    const start = output.length;
    const child = spawnQuintet(args);
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    return { code, output: output.slice(start).join('') };
  };
  const workers: ChildProcess[] = [];
  const startWorker = async () => {
    const start = output.length;
    // LOG_LEVEL info for this process only: its "job workers started" line says it is ready.
    const child = spawnQuintet(['worker'], { LOG_LEVEL: 'info' });
    processes.push(child);
    workers.push(child);
    let text = '';
    child.stdout?.on('data', (d: Buffer) => (text += d.toString()));
    await until(
      'a worker to start',
      async () => {
        if (child.exitCode !== null) throw new GiveUp(`a worker exited:\n${output.slice(start).join('')}`);
        return text.includes('job workers started') ? true : undefined;
      },
      60_000,
    );
    return child;
  };
  let nginx: ChildProcess | undefined;
  const stop = async () => {
    // nginx's master stops its workers on SIGTERM (on SIGKILL they would stay). Ours need no
    // graceful stop here (sigterm.test.ts checks that): SIGKILL spares the seconds a stopping
    // instance may take to drain, up to its forced exit at 10 s.
    nginx?.kill('SIGTERM');
    for (const child of processes) child.kill('SIGKILL');
    await Promise.all(
      [...processes, ...(nginx ? [nginx] : [])].map((child) =>
        child.exitCode === null && child.signalCode === null
          ? new Promise((r) => child.on('exit', r))
          : undefined,
      ),
    );
    const clearRedis = async () => {
      const redis = new Redis(env.REDIS_URL!);
      const keys = await redis.keys(`${env.REDIS_PREFIX}:*`);
      if (keys.length) await redis.del(...keys);
      await redis.quit();
    };
    await Promise.all([database.drop(), clearRedis(), s3.close()]);
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    const migrated = await run(['migrate']);
    if (migrated.code !== 0) throw new Error(`quintet migrate failed:\n${migrated.output}`);
    const ports = await Promise.all(Array.from({ length: options.instances ?? 2 }, freePort));
    const servers = ports.map((port) => spawnQuintet(['serve'], { PORT: String(port) }));
    processes.push(...servers);
    const starting = Array.from({ length: options.workers ?? 1 }, startWorker);
    const instances = ports.map((p) => `http://127.0.0.1:${p}`);
    // An instance that exited (its port taken meanwhile by another process: freePort cannot
    // reserve it) must not pass for healthy because something else answers on that port.
    const alive = () => {
      const dead = servers.findIndex((child) => child.exitCode !== null);
      if (dead >= 0) throw new GiveUp(`the instance on port ${ports[dead]} exited`);
    };
    for (const base of instances) {
      await until(
        `${base}/health`,
        async () => {
          alive();
          return (await fetch(`${base}/health`)).ok ? true : undefined;
        },
        60_000,
      );
    }
    await Promise.all(starting);
    alive();
    const lb = await startNginx(dir, ports);
    nginx = lb.process;
    return {
      lb: lb.url,
      instances,
      env,
      s3,
      output: () => output.join(''),
      run,
      servers,
      workers,
      nginx: lb.process,
      startWorker,
      stop,
    };
  } catch (err) {
    await stop();
    throw new Error(`${(err as Error).message}\n${output.join('')}`);
  }
}

/**
 * One cluster for several describe blocks of a file, for the checks that do not fault it (each
 * cluster costs seconds to start): call it at the top of the enclosing describe; it starts the
 * cluster before the first block and stops it after the last. The function it returns gives the
 * running cluster (call it in hooks and tests, not while the blocks are collected).
 */
export function sharedCluster(options: ClusterOptions, timeoutMs = 120_000): () => Cluster {
  let cluster: Cluster | undefined;
  beforeAll(async () => {
    cluster = await startCluster(options);
  }, timeoutMs);
  afterAll(async () => {
    await cluster?.stop();
  });
  return () => {
    if (!cluster) throw new Error('the shared cluster is not running (call it in a hook or a test)');
    return cluster;
  };
}

/**
 * A fetch-based browser session: one cookie jar (cookies are per host, not per port; paths are
 * ignored) and CSRF (a new token fetched whenever the CSRF secret cookie changes).
 */
export class HttpSession {
  /** `headers` go with every request (e.g. an X-Forwarded-For naming a simulated client). */
  constructor(private readonly headers: Record<string, string> = {}) {}

  private readonly cookies = new Map<string, string>();
  private csrf: string | undefined;

  async request(
    base: string,
    method: string,
    url: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ) {
    const h: Record<string, string> = { ...this.headers, ...headers };
    if (method !== 'GET' && method !== 'HEAD') h['x-csrf-token'] = await this.token(base);
    Object.assign(h, this.cookieHeader());
    let payload: BodyInit | undefined;
    if (body instanceof FormData) payload = body;
    else if (body !== undefined) {
      payload = JSON.stringify(body);
      h['content-type'] = 'application/json';
    }
    const res = await fetch(`${base}${url}`, { method, headers: h, body: payload, redirect: 'manual' });
    for (const line of res.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (value === '' || /max-age=0/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, value);
      // A new CSRF secret (the admin login rotates it) makes the token held so far worthless.
      if (name === 'quintet_csrf') this.csrf = undefined;
    }
    return res;
  }

  async token(base: string): Promise<string> {
    if (!this.csrf) {
      const res = await this.request(base, 'GET', '/api/csrf-token');
      this.csrf = ((await res.json()) as { token: string }).token;
    }
    return this.csrf;
  }

  /** The Cookie header this session sends (for clients other than request(), e.g. an SSE reader). */
  cookieHeader(): Record<string, string> {
    return this.cookies.size ? { cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ') } : {};
  }

  get(base: string, url: string, headers?: Record<string, string>) {
    return this.request(base, 'GET', url, undefined, headers);
  }
  post(base: string, url: string, body: unknown = {}) {
    return this.request(base, 'POST', url, body);
  }
  patch(base: string, url: string, body: unknown) {
    return this.request(base, 'PATCH', url, body);
  }
}

/**
 * JOB_LOCK_SECONDS for the fault tests' clusters (default 30): BullMQ's job lock, renewed at half of it while
 * the job runs, and the interval of the stalled-job check that hands a lapsed job to another
 * worker. The check runs once per interval across all workers (and marks before it moves), so a
 * dead worker's job is handed over within about two lock durations.
 */
export const FAULT_LOCK_MS = 5000;

/**
 * Kills the cluster's first worker still alive with SIGKILL once `midway()` says its job is under
 * way (it throws GiveUp if the job finished first), waits for it to exit and starts a fresh worker.
 * Returns when the kill landed and when the new worker was ready (epoch ms).
 */
export async function killWorkerMidJob(
  cluster: Cluster,
  what: string,
  midway: () => Promise<boolean | undefined>,
): Promise<{ killedAt: number; readyAt: number }> {
  await until(`${what} to be under way`, async () => ((await midway()) ? true : undefined), 60_000);
  const doomed = cluster.workers.find((w) => w.exitCode === null && w.signalCode === null);
  if (!doomed) throw new Error('no live worker to kill');
  const exited = new Promise((r) => doomed.once('exit', r));
  doomed.kill('SIGKILL');
  const killedAt = Date.now();
  await exited;
  await cluster.startWorker();
  return { killedAt, readyAt: Date.now() };
}

/** A diff job's status as `GET /api/diffing/job/:id/status` gives it. */
export interface DiffStatus {
  status: string;
  progress: number;
  attempts: number;
  error: string | null;
  duration_ms: number | null;
  partitions: number | null;
  started_at: string;
  new?: number;
  changed?: number;
  deleted?: number;
}

/** Diff jobs across the cluster, as `session`: started on `startOn`, followed and downloaded on `readOn`. */
export function clusterDiffs(session: HttpSession, startOn: string, readOn: string) {
  const status = async (id: number) =>
    (await (await session.get(readOn, `/api/diffing/job/${id}/status`)).json()) as DiffStatus;
  return {
    status,
    /** Starts a diff of the metric's pair in DIFFING_DATA_DIR; its job id. */
    async start(metric = 'revenue'): Promise<number> {
      const res = await session.post(startOn, `/api/diffing/new/${metric}`);
      if (res.status !== 200) throw new Error(`starting a diff: ${res.status} ${await res.text()}`);
      return ((await res.json()) as { job_id: number }).job_id;
    },
    /** Its status once it is done or failed. */
    finished: (id: number, timeoutMs = 60_000) =>
      untilFinished(
        `job ${id}`,
        () => status(id),
        (s) => s.status === 'done' || s.status === 'failed',
        timeoutMs,
      ),
    async result(id: number): Promise<Buffer> {
      const res = await session.get(readOn, `/api/diffing/job/${id}`);
      if (res.status !== 200) throw new Error(`job ${id}'s result: ${res.status} ${await res.text()}`);
      return Buffer.from(await res.arrayBuffer());
    },
  };
}
