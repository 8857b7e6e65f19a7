// SIGTERM in the cluster, as a rolling restart sends it: a worker hands its running job back and
// another worker completes it; an app instance lets its in-flight request finish, ends its event
// streams cleanly, writes the banner impressions it counted in memory, and each exits 0 within 10 s.
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDiffPair } from '../../src/systems/diffing/generate.js';
import { writeDataset } from '../support/banners.js';
import {
  clusterDiffs,
  GiveUp,
  HttpSession,
  hasNginx,
  startCluster,
  until,
  type Cluster,
} from '../support/cluster.js';
import { multipart } from '../support/diffing.js';
import { hasPostgres, hasRedis } from '../support/platform.js';
import { openSse, type SseReader } from '../support/sse.js';

/** The bound on a process's exit after SIGTERM (serve's own forced exit, with code 1, is at 10 s). */
const EXIT_MS = 10_000;
/**
 * With DIFF_MEMORY_MB=1 the diff partitions on disk and runs for seconds (a clean 300k-row run took
 * 0.7 s here), so the signal sent at its first saved progress lands in the middle of it.
 */
const ROWS = 1_000_000;
const CAMPAIGN = 7;
const BANNERS = Array.from({ length: 10 }, (_, i) => 101 + i);

/** Sends SIGTERM and resolves with the exit code, signal and milliseconds it took. */
async function terminate(child: ChildProcess) {
  const exited = new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
    child.once('exit', (code, signal) => resolve([code, signal])),
  );
  const sentAt = Date.now();
  child.kill('SIGTERM');
  const [code, signal] = await exited;
  return { code, signal, ms: Date.now() - sentAt };
}

describe.skipIf(!hasPostgres() || !hasRedis() || !hasNginx())(
  'cluster: SIGTERM to a worker and to an app instance',
  () => {
    let cluster: Cluster;
    let a: string;
    let diffs: ReturnType<typeof clusterDiffs>;
    let expected: { added: number; changed: number; deleted: number };
    let upload: { oldPath: string; newPath: string; expected: typeof expected };
    const admin = new HttpSession();
    const streams: SseReader[] = [];

    beforeAll(async () => {
      cluster = await startCluster({
        systems: 'hiring,diffing,uptime,banners,surveys',
        env: {
          DIFF_MEMORY_MB: '1',
          // A stopping worker hands its running jobs back at once (by default it lets them finish
          // for 5 s first: then this diff would be finished, not handed back).
          JOB_STOP_GRACE_SECONDS: '0',
          // Longer than the test: served impressions reach the database only by the shutdown's flush.
          BANNER_SERVED_FLUSH_MS: '60000',
        },
      });
      const [first, b] = cluster.instances as [string, string];
      a = first;
      diffs = clusterDiffs(admin, a, b);
      const diffing = path.join(cluster.env.DATA_DIR!, 'diffing');
      expected = (await generateDiffPair({ metric: 'revenue', rows: ROWS, outDir: diffing, seed: 12 }))
        .expected;
      upload = await generateDiffPair({
        metric: 'revenue',
        rows: 50_000,
        outDir: path.join(cluster.env.DATA_DIR!, 'upload'),
        seed: 13,
      });
      // One campaign of ten converting banners in every quarter.
      const banners = path.join(cluster.env.DATA_DIR!, 'banners-test');
      for (const q of [1, 2, 3, 4]) {
        const base = q * 100_000;
        writeDataset(path.join(banners, String(q)), q, {
          impressions: BANNERS.map((id) => `${id},${CAMPAIGN}`),
          clicks: BANNERS.map((id, i) => `${base + i},${id},${CAMPAIGN}`),
          conversions: BANNERS.map((_id, i) => `${base + i},${base + i},${(10 + i).toFixed(2)}`),
        });
      }
      const imported = await cluster.run(['import', 'banners', banners]);
      expect(imported.code, imported.output).toBe(0);
      expect((await admin.post(a, '/api/admin/login', { password: 'cluster-password' })).status).toBe(200);
    }, 240_000);

    afterAll(async () => {
      for (const s of streams) await s.close();
      await cluster?.stop();
    });

    it('a worker hands its running diff back and exits 0 within 10 s; the next worker completes it with the clean result', async () => {
      const handedBack = await diffs.start();
      await until(
        'the diff to be under way',
        async () => {
          const s = await diffs.status(handedBack);
          if (s.status === 'done') throw new GiveUp('the diff finished before the worker was stopped');
          return s.status === 'processing' && s.progress > 0 ? true : undefined;
        },
        60_000,
      );
      const [stopping] = cluster.workers;
      const stopped = await terminate(stopping!);
      expect(stopped).toMatchObject({ code: 0, signal: null });
      expect(stopped.ms).toBeLessThan(EXIT_MS);
      // Handed back to the queue before the worker exited, not finished and not left to its lock.
      expect(await diffs.status(handedBack)).toMatchObject({
        status: 'queued',
        attempts: 1,
        error: 'retrying after: interrupted: the job queue was shut down',
      });

      // The next worker to start (as in a rolling restart) completes it, as its first attempt
      // again: a hand-back does not use one up (a job handed back at every restart of a rolling
      // deploy would otherwise run out of attempts).
      await cluster.startWorker();
      const done = await diffs.finished(handedBack, 120_000);
      expect(done, done.error ?? '').toMatchObject({
        status: 'done',
        attempts: 1,
        new: expected.added,
        changed: expected.changed,
        deleted: expected.deleted,
      });
      const clean = await diffs.start();
      expect(await diffs.finished(clean, 120_000)).toMatchObject({ status: 'done', attempts: 1 });
      expect((await diffs.result(handedBack)).equals(await diffs.result(clean))).toBe(true);
      console.log(`worker exited ${stopped.ms} ms after SIGTERM, its ${ROWS / 1000}k-row diff handed back`);
    }, 300_000);

    it('an app instance finishes its in-flight upload, ends its event streams, flushes its impressions and exits 0 within 10 s', async () => {
      // Banner pages served by A only (B serves none, and its own flush is a minute away).
      const served = new Map<number, number>();
      const page = async () => {
        const res = await fetch(`${a}/campaigns/${CAMPAIGN}`);
        if (res.status !== 200) return undefined;
        const banner = Number(/\/banners\/image_(\d+)\.png/.exec(await res.text())?.[1]);
        served.set(banner, (served.get(banner) ?? 0) + 1);
        return banner;
      };
      await until('A to serve the campaign', page);
      for (let i = 0; i < 200; i++) expect(BANNERS).toContain(await page());

      // A dashboard's event stream on A, and two through nginx (round robin: one on each instance).
      const dashboard = async (base: string) => {
        // (The summary from A itself, so that the streams are nginx's only requests meanwhile.)
        const summary = (await (await admin.get(a, '/api/surveys/summary')).json()) as { eventId: number };
        const stream = await openSse(`${base}/api/surveys/events`, {
          ...admin.cookieHeader(),
          'last-event-id': String(summary.eventId),
        });
        streams.push(stream);
        return stream;
      };
      const stream = await dashboard(a);
      const throughNginx = [await dashboard(cluster.lb), await dashboard(cluster.lb)];

      const keepAlive = new http.Agent({ keepAlive: true });
      // An upload whose body is half sent: A has taken the request (100 Continue) when the signal comes.
      const { body, headers } = await multipart({
        metric: 'revenue',
        old: { filename: 'old.csv', content: fs.readFileSync(upload.oldPath) },
        new: { filename: 'new.csv', content: fs.readFileSync(upload.newPath) },
      });
      const request = http.request(`${a}/api/diffing/jobs`, {
        method: 'POST',
        // Kept alive after the answer, as nginx's upstream pool and browsers keep connections.
        agent: keepAlive,
        headers: {
          ...admin.cookieHeader(),
          'x-csrf-token': await admin.token(a),
          ...headers,
          'content-length': body.length,
          expect: '100-continue',
        },
      });
      const answered = new Promise<{ status: number; text: string }>((resolve, reject) => {
        request.once('response', (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (d: string) => (text += d));
          res.once('end', () => resolve({ status: res.statusCode!, text }));
          res.once('error', reject);
        });
        request.once('error', reject);
      });
      await new Promise<void>((resolve) => request.once('continue', resolve));
      const half = Math.floor(body.length / 2);
      await new Promise<void>((resolve) => request.write(body.subarray(0, half), () => resolve()));

      const [instance] = cluster.servers;
      const stopping = terminate(instance!);
      // The stream ends (the server closed it: no reset, no error) once A is shutting down.
      await expect(stream.next(() => false, EXIT_MS)).rejects.toThrow('the event stream ended');
      // Still up for the request in flight, which now completes.
      request.end(body.subarray(half));
      const answer = await answered;
      expect(answer.status, answer.text).toBe(201);
      const { job_id } = JSON.parse(answer.text) as { job_id: number };

      const stopped = await stopping;
      expect(stopped, cluster.output()).toMatchObject({ code: 0, signal: null });
      expect(stopped.ms).toBeLessThan(EXIT_MS);

      // Every page A served is counted in the database: flushed at shutdown.
      const client = new pg.Client({ connectionString: cluster.env.DATABASE_URL });
      await client.connect();
      try {
        const { rows } = await client.query<{ banner_id: number; served: number }>(
          'select banner_id, served from banners_served_impressions where campaign_id = $1',
          [CAMPAIGN],
        );
        expect(new Map(rows.map((r) => [Number(r.banner_id), Number(r.served)]))).toEqual(served);
      } finally {
        await client.end();
      }
      // The uploaded diff runs on the worker and gives the pair's counts; nginx sends everything to B now.
      expect(await diffs.finished(job_id, 60_000)).toMatchObject({
        status: 'done',
        new: upload.expected.added,
        changed: upload.expected.changed,
        deleted: upload.expected.deleted,
      });
      for (let i = 0; i < 4; i++) expect((await fetch(`${cluster.lb}/health`)).status).toBe(200);

      // Through nginx too, A's stream ended cleanly; B's is open and still gets the answers saved.
      const ends = throughNginx.map((s, i) =>
        s
          .next(() => false, EXIT_MS)
          .then(
            () => ({ i, message: 'no end' }),
            (err: Error) => ({ i, message: err.message }),
          ),
      );
      const ended = await Promise.race(ends);
      expect(ended.message).toBe('the event stream ended');
      const created = await new HttpSession().post(cluster.lb, '/api/surveys/responses', {
        answers: { name: 'Ada' },
      });
      expect(created.status).toBe(201);
      const { id } = (await created.json()) as { id: string };
      const open = throughNginx[1 - ended.i]!;
      await open.next((f) => f.event === 'response' && (JSON.parse(f.data) as { id: string }).id === id);
      console.log(
        `instance exited ${stopped.ms} ms after SIGTERM, ${[...served.values()].reduce((x, y) => x + y)} impressions flushed`,
      );
    }, 120_000);
  },
);

describe.skipIf(!hasRedis())('SIGTERM to a worker whose Redis is away', () => {
  it('still exits within 10 s (code 1: it could not close its queue connections)', async () => {
    // The worker reaches Redis through this proxy, which the test then cuts.
    const redis = new URL(process.env.TEST_REDIS_URL!);
    const sockets = new Set<net.Socket>();
    const proxy = net.createServer((client) => {
      const upstream = net.connect(Number(redis.port || 6379), redis.hostname);
      for (const s of [client, upstream]) {
        sockets.add(s);
        s.on('error', () => undefined).on('close', () => sockets.delete(s));
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'quintet-sigterm-'));
    const prefix = `quintet-test-${crypto.randomBytes(4).toString('hex')}`;
    const worker = spawn(
      process.execPath,
      [path.resolve(import.meta.dirname, '../../bin/quintet.js'), 'worker'],
      {
        env: {
          ...process.env,
          DATA_DIR: dir,
          REDIS_URL: `redis://127.0.0.1:${(proxy.address() as net.AddressInfo).port}`,
          REDIS_PREFIX: prefix,
          SYSTEMS: 'diffing',
          LOG_LEVEL: 'info',
        },
      },
    );
    let output = '';
    worker.stdout.on('data', (d: Buffer) => (output += d.toString()));
    worker.stderr.on('data', (d: Buffer) => (output += d.toString()));
    try {
      await until('the worker to start', async () => {
        if (worker.exitCode !== null) throw new GiveUp(`the worker exited:\n${output}`);
        return output.includes('job workers started') ? true : undefined;
      });
      proxy.close();
      for (const s of sockets) s.destroy();
      // Signalled before it has seen its connections drop, the worker may still close them
      // cleanly (and exit 0): this test is about the one that waits for a Redis that is away.
      await until('the worker to see Redis go', async () =>
        output.includes('Redis connection lost; reconnecting') ? true : undefined,
      );
      const stopped = await terminate(worker);
      expect(stopped, output).toMatchObject({ code: 1, signal: null });
      expect(stopped.ms).toBeLessThan(EXIT_MS + 2000);
      expect(output).toContain('still stopping after 10 s: exiting');
    } finally {
      if (worker.exitCode === null && worker.signalCode === null) worker.kill('SIGKILL');
      proxy.close();
      fs.rmSync(dir, { recursive: true, force: true });
      const client = new Redis(process.env.TEST_REDIS_URL!);
      const keys = await client.keys(`${prefix}:*`);
      if (keys.length) await client.del(...keys);
      await client.quit();
    }
  }, 60_000);
});
