// Redis restarted (SIGTERM, as `systemctl restart redis` does) while dashboards listen and jobs
// wait in the queue: the cluster runs on a private redis-server with the append-only file on, so
// the shared Redis of other tests is never touched. The dashboards' streams stay open and catch up
// with every answer saved meanwhile (ids without a gap); every job queued before the restart runs
// when a worker comes; work asked for while Redis is away is refused with 503, not half-made.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDiffPair } from '../../src/systems/diffing/generate.js';
import {
  clusterDiffs,
  HttpSession,
  hasNginx,
  startCluster,
  until,
  untilFinished,
  type Cluster,
} from '../support/cluster.js';
import { hasPostgres } from '../support/platform.js';
import { hasRedisServer, startTestRedis, type TestRedis } from '../support/redis-server.js';
import { openSse, type SseFrame, type SseReader } from '../support/sse.js';

const UPTIME_DATA = '/work/shared/data/uptime/v2_2024';
/** Well under the streams' 15 s heartbeat, whose check would also fill a gap by itself. */
const CATCH_UP_MS = 5000;

describe.skipIf(!hasPostgres() || !hasNginx() || !hasRedisServer() || !fs.existsSync(UPTIME_DATA))(
  'cluster fault: Redis restarted while dashboards listen and jobs are queued',
  () => {
    let redis: TestRedis;
    let cluster: Cluster;
    let a: string;
    let b: string;
    let expected: { added: number; changed: number; deleted: number };
    const admin = new HttpSession();
    const streams: SseReader[] = [];

    beforeAll(async () => {
      redis = await startTestRedis();
      // No worker yet: the jobs asked for below wait in Redis across the restart.
      cluster = await startCluster({
        systems: 'hiring,diffing,uptime,banners,surveys',
        redisUrl: redis.url,
        workers: 0,
      });
      [a, b] = cluster.instances as [string, string];
      expect(
        (await admin.post(cluster.lb, '/api/admin/login', { password: 'cluster-password' })).status,
      ).toBe(200);
      const pair = await generateDiffPair({
        metric: 'revenue',
        rows: 20_000,
        outDir: path.join(cluster.env.DATA_DIR!, 'diffing'),
        seed: 5,
      });
      expected = pair.expected;
      const polls = path.join(cluster.env.DATA_DIR!, 'seed', 'polls.csv');
      fs.mkdirSync(path.dirname(polls), { recursive: true });
      const files = ['--hours', path.join(UPTIME_DATA, 'menu_hours.csv')].concat([
        '--timezones',
        path.join(UPTIME_DATA, 'timezones.csv'),
      ]);
      const seeded = await cluster.run([
        'seed',
        'uptime',
        ...files,
        '--days',
        '3',
        '--max-stores',
        '10',
        '--out',
        polls,
      ]);
      expect(seeded.code, seeded.output).toBe(0);
      const imported = await cluster.run(['import', 'uptime', '--status', polls, ...files]);
      expect(imported.code, imported.output).toBe(0);
    }, 120_000);

    afterAll(async () => {
      for (const s of streams) await s.close();
      await cluster?.stop();
      await redis?.stop();
    });

    async function dashboard(base: string, after?: number): Promise<SseReader> {
      const from =
        after ??
        ((await (await admin.get(base, '/api/surveys/summary')).json()) as { eventId: number }).eventId;
      const stream = await openSse(`${base}/api/surveys/events`, {
        ...admin.cookieHeader(),
        'last-event-id': String(from),
      });
      streams.push(stream);
      return stream;
    }
    const answered = (ids: Set<string>) => (f: SseFrame) =>
      f.event === 'response' && ids.has((JSON.parse(f.data) as { id: string }).id);
    /** Waits until the stream holds a response frame for every id. */
    async function received(stream: SseReader, ids: string[], timeoutMs: number): Promise<void> {
      const wanted = new Set(ids);
      while (wanted.size) {
        const frame = await stream.next(answered(wanted), timeoutMs).catch((err: Error) => {
          const seen = stream.frames.map((f) => `${f.id}:${f.event}`).join(' ');
          throw new Error(`${err.message} (waiting for ${[...wanted].join(', ')}; got ${seen})`);
        });
        wanted.delete((JSON.parse(frame.data) as { id: string }).id);
      }
    }
    const responseIds = (stream: SseReader) =>
      stream.frames.filter((f) => f.event === 'response').map((f) => Number(f.id));
    const answer = async (base: string, name: string) => {
      const res = await new HttpSession().post(base, '/api/surveys/responses', { answers: { name } });
      expect(res.status, await res.clone().text()).toBe(201);
      return ((await res.json()) as { id: string }).id;
    };
    const startDiff = async () => {
      const res = await admin.post(cluster.lb, '/api/diffing/new/revenue');
      return { res, body: (await res.json()) as { job_id?: number; error?: string } };
    };
    const diffFinished = (id: number) => clusterDiffs(admin, cluster.lb, b).finished(id);
    const reportFinished = (id: string) =>
      untilFinished(
        `report ${id}`,
        async () => (await (await fetch(`${a}/get_report?report_id=${id}`)).json()) as { status: string },
        (body) => body.status !== 'Running',
      );

    it('keeps every queued job, refuses new work with 503 while down, and lets the dashboards catch up', async () => {
      const onB = await dashboard(b);
      const throughNginx = await dashboard(cluster.lb);
      const before = await answer(a, 'before');
      await received(onB, [before], CATCH_UP_MS);
      await received(throughNginx, [before], CATCH_UP_MS);

      const queuedDiffs: number[] = [];
      for (let i = 0; i < 3; i++) {
        const { res, body } = await startDiff();
        expect(res.status).toBe(200);
        queuedDiffs.push(body.job_id!);
      }
      const trigger = await fetch(`${a}/trigger_report`, { method: 'POST' });
      expect(trigger.status).toBe(200);
      const { report_id: queuedReport } = (await trigger.json()) as { report_id: string };

      const whileDown: string[] = [];
      let reopened: SseReader | undefined;
      let lastSeen = 0;
      await redis.restart(async () => {
        // Saving an answer needs only the database; its event reaches nobody over Redis now.
        for (const name of ['during-1', 'during-2']) whileDown.push(await answer(a, name));
        whileDown.push(await answer(b, 'during-3'));
        const health = await fetch(`${cluster.lb}/health`);
        expect(health.status).toBe(503);
        expect(await health.json()).toMatchObject({ status: 'degraded', redis: 'unreachable' });
        const refused = await startDiff();
        expect(refused.res.status).toBe(503);
        expect(refused.body.error).toMatch(/job queue \(Redis\) is unavailable/);
        const refusedReport = await fetch(`${b}/trigger_report`, { method: 'POST' });
        expect(refusedReport.status).toBe(503);
        expect(await refusedReport.json()).toMatchObject({ error: expect.stringMatching(/unavailable/) });
        // A browser whose stream dropped now comes back with the id it saw last.
        lastSeen = Math.max(...responseIds(onB));
        reopened = await dashboard(a, lastSeen);
      });

      // Back: the open streams (and the one opened while Redis was away) fill the gap by themselves,
      // before any new event or heartbeat would make them look.
      for (const [i, stream] of [onB, throughNginx, reopened!].entries()) {
        await received(stream, whileDown, CATCH_UP_MS).catch((err: Error) => {
          throw new Error(
            `stream ${i}: ${err.message}: ${JSON.stringify(stream.frames.map((f) => [f.id, f.event]))}`,
          );
        });
      }
      const after = await answer(b, 'after');
      for (const stream of [onB, throughNginx, reopened!]) await received(stream, [after], CATCH_UP_MS);
      for (const stream of [onB, throughNginx, reopened!]) {
        const ids = responseIds(stream);
        const first = ids[0]!;
        expect(ids, 'every event once, in order, without a gap').toEqual(ids.map((_, i) => first + i));
        expect(stream.frames.some((f) => f.event === 'reset')).toBe(false);
      }
      expect(responseIds(reopened!)[0]).toBe(lastSeen + 1);

      await until('/health to answer 200 again', async () =>
        (await fetch(`${cluster.lb}/health`)).ok ? true : undefined,
      );
      // The refused requests left no job behind: only the three accepted diffs are listed.
      const recent = (await (await admin.get(cluster.lb, '/api/diffing/jobs')).json()) as {
        jobs: { job_id: number }[];
      };
      const byNumber = (x: number, y: number) => x - y;
      expect(recent.jobs.map((j) => j.job_id).sort(byNumber)).toEqual([...queuedDiffs].sort(byNumber));

      // A worker now finds every job queued before the restart, and one asked for after it.
      await cluster.startWorker();
      const fresh = await startDiff();
      expect(fresh.res.status).toBe(200);
      for (const id of [...queuedDiffs, fresh.body.job_id!]) {
        expect(await diffFinished(id)).toMatchObject({
          status: 'done',
          new: expected.added,
          changed: expected.changed,
          deleted: expected.deleted,
        });
      }
      expect(await reportFinished(queuedReport)).toMatchObject({ status: 'Complete' });
      expect(cluster.output()).not.toMatch(/"level":50/);
    }, 150_000);
  },
);
