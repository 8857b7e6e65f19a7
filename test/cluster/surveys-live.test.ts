// Live surveys across the cluster: an answer saved on one instance reaches a dashboard's event
// stream opened on the other (Redis pub/sub), and the stream passes through nginx unbuffered.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpSession, hasNginx, startCluster, type Cluster } from '../support/cluster.js';
import { hasPostgres, hasRedis } from '../support/platform.js';
import { openSse, type SseFrame, type SseReader } from '../support/sse.js';

/** Well under the stream's 15 s heartbeat, whose check would also find a missed event in the buffer. */
const LIVE_MS = 3000;

describe.skipIf(!hasPostgres() || !hasRedis() || !hasNginx())(
  'cluster: survey answers reach dashboards on every instance and through nginx',
  () => {
    let cluster: Cluster;
    let a: string;
    let b: string;
    const admin = new HttpSession();
    const streams: SseReader[] = [];

    beforeAll(async () => {
      cluster = await startCluster({ systems: 'hiring,diffing,uptime,banners,surveys' });
      [a, b] = cluster.instances as [string, string];
      expect((await admin.post(a, '/api/admin/login', { password: 'cluster-password' })).status).toBe(200);
    }, 120_000);

    afterAll(async () => {
      for (const s of streams) await s.close();
      await cluster?.stop();
    });

    /** A dashboard's stream on `base`, resuming after the newest event (so nothing is missed). */
    async function dashboard(base: string): Promise<SseReader> {
      const summary = (await (await admin.get(base, '/api/surveys/summary')).json()) as { eventId: number };
      const stream = await openSse(`${base}/api/surveys/events`, {
        ...admin.cookieHeader(),
        'last-event-id': String(summary.eventId),
      });
      streams.push(stream);
      return stream;
    }

    const about = (id: string, field: string, value: unknown) => (f: SseFrame) =>
      f.event === 'response' &&
      (JSON.parse(f.data) as { id: string; answers?: Record<string, unknown> }).id === id &&
      (JSON.parse(f.data) as { answers: Record<string, unknown> }).answers[field] === value;

    it("delivers an answer saved on A to a dashboard's stream on B within seconds", async () => {
      const stream = await dashboard(b);
      const respondent = new HttpSession();
      const created = await respondent.post(a, '/api/surveys/responses', { answers: { name: 'Ada' } });
      expect(created.status).toBe(201);
      const { id } = (await created.json()) as { id: string };
      // The first event may come from the replay buffer if it beat the subscription; once it is
      // here the stream is live, so the next one can only come over the bus in this time.
      const first = await stream.next(about(id, 'name', 'Ada'), LIVE_MS);

      const saved = await respondent.patch(a, `/api/surveys/responses/${id}`, {
        answers: { book: 'Middlemarch' },
        step: 2,
      });
      expect(saved.status).toBe(200);
      const second = await stream.next(about(id, 'book', 'Middlemarch'), LIVE_MS);
      expect(Number(second.id)).toBe(Number(first.id) + 1);
      // Each change's summary frame follows with the same id.
      const summary = await stream.next((f) => f.event === 'summary' && f.id === second.id, LIVE_MS);
      expect(JSON.parse(summary.data)).toMatchObject({ inProgress: expect.any(Number) });
    });

    it('passes the stream through nginx unbuffered: each event arrives while the stream stays open', async () => {
      const stream = await dashboard(cluster.lb);
      expect(stream.response.headers.get('content-type')).toMatch(/^text\/event-stream/);
      const respondent = new HttpSession();
      const created = await respondent.post(cluster.lb, '/api/surveys/responses', {
        answers: { name: 'Grace' },
      });
      expect(created.status).toBe(201);
      const { id } = (await created.json()) as { id: string };
      await stream.next(about(id, 'name', 'Grace'), LIVE_MS);
      for (const book of ['Emma', 'Persuasion']) {
        const from = stream.frames.length;
        const saved = await respondent.patch(cluster.lb, `/api/surveys/responses/${id}`, {
          answers: { book },
        });
        expect(saved.status).toBe(200);
        await stream.next(about(id, 'book', book), LIVE_MS, from);
      }
      expect(cluster.output()).not.toMatch(/"level":50/);
    });
  },
);
