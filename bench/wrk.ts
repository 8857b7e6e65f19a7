// Load-generation helpers for the benchmarks that drive a server process over HTTP: wrk (Debian's
// package, installed when missing) with a Lua script, autocannon when wrk cannot be had, and the
// server process's CPU time from /proc.
import { spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';

/** wrk from Debian's package, installed with apt-get when missing; false when that fails. */
export function ensureWrk(): boolean {
  if (spawnSync('wrk', ['--version']).error === undefined) return true;
  console.log('wrk is missing: installing it (apt-get install -y wrk)');
  const sudo = process.getuid?.() === 0 ? [] : ['sudo'];
  const run = (cmd: string[]) => spawnSync(cmd[0]!, cmd.slice(1), { stdio: 'inherit' }).status === 0;
  const install = [...sudo, 'apt-get', 'install', '-y', 'wrk'];
  return run(install) || (run([...sudo, 'apt-get', 'update']) && run(install));
}

export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** Waits until `url` answers 2xx, or throws when the child exits or the deadline passes. */
export async function waitFor(url: string, child: ChildProcess, deadlineMs: number): Promise<void> {
  const until = Date.now() + deadlineMs;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`the server for ${url} exited with ${child.exitCode}`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not answer within ${deadlineMs} ms`);
}

const CLOCK_TICKS = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

/** utime + stime of a process, in seconds (Linux /proc). */
export function cpuSeconds(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces) in parentheses; utime and stime are 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

export interface LoadFigures {
  requests: number;
  requestsPerSecond: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  non2xx: number;
  socketErrors: number;
  /** CPU time (user + system) the server process spent per request answered: robust to other load. */
  serverCpuUsPerRequest: number;
}

export interface WrkRun {
  url: string;
  seconds: number;
  connections: number;
  threads: number;
  /** A wrk Lua script that ends with bench/wrk-report.lua's done(). */
  script: string;
  serverPid: number;
}

export function runWrk(run: WrkRun): LoadFigures {
  const cpuBefore = cpuSeconds(run.serverPid);
  const out = spawnSync(
    'wrk',
    [`-t${run.threads}`, `-c${run.connections}`, `-d${run.seconds}s`, '-s', run.script, run.url],
    { encoding: 'utf8' },
  );
  const line = out.stdout.split('\n').find((l) => l.startsWith('{'));
  if (out.status !== 0 || !line) throw new Error(`wrk failed on ${run.url}: ${out.stderr || out.stdout}`);
  const r = JSON.parse(line) as Record<string, number>;
  const cpu = cpuSeconds(run.serverPid) - cpuBefore;
  const ms = (us: number) => Number((us / 1000).toFixed(3));
  return {
    requests: r.requests!,
    requestsPerSecond: Math.round(r.requests! / (r.durationUs! / 1e6)),
    p50Ms: ms(r.p50Us!),
    p90Ms: ms(r.p90Us!),
    p99Ms: ms(r.p99Us!),
    maxMs: ms(r.maxUs!),
    non2xx: r.non2xx!,
    socketErrors: r.socketErrors!,
    serverCpuUsPerRequest: Number(((cpu * 1e6) / Math.max(1, r.requests!)).toFixed(1)),
  };
}

export interface AutocannonRun {
  url: string;
  seconds: number;
  connections: number;
  /** Path and headers of each request. */
  next: () => { path: string; headers: Record<string, string> };
  serverPid: number;
}

/** The fallback when wrk cannot be installed: autocannon in this process (it competes for the CPU). */
export async function runAutocannon(run: AutocannonRun): Promise<LoadFigures> {
  const { default: autocannon } = await import('autocannon');
  const cpuBefore = cpuSeconds(run.serverPid);
  const result = await autocannon({
    url: run.url,
    connections: run.connections,
    duration: run.seconds,
    requests: [
      {
        setupRequest: (req) => {
          const { path, headers } = run.next();
          return { ...req, path, headers: { ...req.headers, ...headers } };
        },
      },
    ],
  });
  const cpu = cpuSeconds(run.serverPid) - cpuBefore;
  const requests = result.requests.total;
  return {
    requests,
    requestsPerSecond: Math.round(requests / run.seconds),
    p50Ms: result.latency.p50,
    p90Ms: result.latency.p90,
    p99Ms: result.latency.p99,
    maxMs: result.latency.max,
    non2xx: result.non2xx,
    socketErrors: result.errors + result.timeouts,
    serverCpuUsPerRequest: Number(((cpu * 1e6) / Math.max(1, requests)).toFixed(1)),
  };
}

export const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};
