// PostgreSQL unreachable for a few seconds while requests flow through nginx: the cluster's own
// database (a fresh one per run) stops taking connections (ALLOW_CONNECTIONS false) and every
// connection to it is terminated, repeatedly, as a restart or failover would; nothing else on the
// server is touched. Requests get 503 with a JSON error (never a 500, a stack or a dropped
// connection), /health names the database, the processes stay up, and the service recovers by
// itself: requests succeed again and a diff started afterwards completes.
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDiffPair } from '../../src/systems/diffing/generate.js';
import {
  clusterDiffs,
  HttpSession,
  hasNginx,
  startCluster,
  until,
  type Cluster,
} from '../support/cluster.js';
import { hasPostgres, hasRedis } from '../support/platform.js';

/** How long the database stays unreachable. */
const OUTAGE_MS = 4000;

interface Outcome {
  what: string;
  status: number;
  body: string;
}

describe.skipIf(!hasPostgres() || !hasRedis() || !hasNginx())(
  'cluster fault: PostgreSQL unreachable for a few seconds',
  () => {
    let cluster: Cluster;
    let admin: pg.Client;
    let database: string;
    let expected: { added: number; changed: number; deleted: number };
    const session = new HttpSession();

    beforeAll(async () => {
      // Every survey save starts a response (a public write, 60 a minute per address by default);
      // a fast machine makes more rounds than that during the outage, and a 429 is not what this
      // test looks for.
      cluster = await startCluster({
        systems: 'hiring,diffing,uptime,banners,surveys',
        env: { PUBLIC_WRITE_RATE_LIMIT: '100000' },
      });
      database = new URL(cluster.env.DATABASE_URL!).pathname.slice(1);
      admin = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
      await admin.connect();
      expect(
        (await session.post(cluster.lb, '/api/admin/login', { password: 'cluster-password' })).status,
      ).toBe(200);
      const pair = await generateDiffPair({
        metric: 'revenue',
        rows: 20_000,
        outDir: path.join(cluster.env.DATA_DIR!, 'diffing'),
        seed: 8,
      });
      expected = pair.expected;
    }, 120_000);

    afterAll(async () => {
      if (admin) {
        await admin.query(`alter database ${database} allow_connections true`).catch(() => undefined);
        await admin.end();
      }
      await cluster?.stop();
    });

    /** Ends every connection to the cluster's database (only that one). */
    const terminate = () =>
      admin.query('select pg_terminate_backend(pid) from pg_stat_activity where datname = $1', [database]);

    /** Respondents with their CSRF token already fetched, one per survey save. */
    const respondents: HttpSession[] = [];
    const respondent = () => respondents.pop() ?? new HttpSession();

    /** One round of what users do, through nginx; each outcome kept. */
    async function traffic(): Promise<Outcome[]> {
      const today = new Date().toISOString().slice(0, 10);
      const calls: [string, () => Promise<Response>][] = [
        ['health', () => fetch(`${cluster.lb}/health`)],
        ['funnel', () => fetch(`${cluster.lb}/hiring/funnel.json?start_date=${today}&end_date=${today}`)],
        [
          'survey save',
          () => respondent().post(cluster.lb, '/api/surveys/responses', { answers: { name: 'Ada' } }),
        ],
        ['survey summary', () => session.get(cluster.lb, '/api/surveys/summary')],
        ['diff jobs', () => session.get(cluster.lb, '/api/diffing/jobs')],
      ];
      return Promise.all(
        calls.map(async ([what, call]) => {
          const res = await call().catch((err: Error) => ({ status: 0, text: async () => err.message }));
          return { what, status: res.status, body: await res.text() };
        }),
      );
    }

    it('answers 503 with a JSON error while it is away, says so on /health, and recovers by itself', async () => {
      const before = await traffic();
      expect(before.filter((o) => o.status >= 300)).toEqual([]);
      for (let i = 0; i < 300; i++) {
        const r = new HttpSession();
        await r.token(cluster.lb);
        respondents.push(r);
      }

      const during: Outcome[] = [];
      await admin.query(`alter database ${database} allow_connections false`);
      const end = Date.now() + OUTAGE_MS;
      try {
        while (Date.now() < end) {
          await terminate();
          during.push(...(await traffic()));
        }
      } finally {
        await admin.query(`alter database ${database} allow_connections true`);
      }

      const refused = during.filter((o) => o.status === 503);
      expect(refused.length, 'some requests met the outage').toBeGreaterThan(0);
      const unexpected = during.filter((o) => o.status !== 503 && (o.status < 200 || o.status >= 300));
      expect(unexpected, 'only 2xx or 503, never a 500 nor a dropped connection').toEqual([]);
      for (const o of refused) {
        const body = JSON.parse(o.body) as Record<string, unknown>;
        expect(typeof body.error, o.body).toBe('string');
        expect(o.body).not.toMatch(/\bat .+\.js:\d+|stack/);
      }
      const health = during.filter((o) => o.what === 'health' && o.status === 503);
      expect(health.length).toBeGreaterThan(0);
      expect(JSON.parse(health[0]!.body)).toMatchObject({
        status: 'degraded',
        database: 'unreachable',
        error: 'database unreachable',
      });
      const saves = refused.filter((o) => o.what === 'survey save');
      for (const o of saves) expect(JSON.parse(o.body)).toEqual({ error: 'database unavailable' });

      // Back by itself: no restart of ours, every kind of request succeeds again.
      await until('every request to succeed again', async () => {
        const outcomes = await traffic();
        return outcomes.every((o) => o.status >= 200 && o.status < 300) ? true : undefined;
      });
      for (const child of cluster.workers) expect(child.exitCode).toBeNull();
      for (const base of cluster.instances) expect((await fetch(`${base}/health`)).status).toBe(200);

      const diffs = clusterDiffs(session, cluster.lb, cluster.lb);
      const done = await diffs.finished(await diffs.start());
      expect(done).toMatchObject({
        status: 'done',
        new: expected.added,
        changed: expected.changed,
        deleted: expected.deleted,
      });
      expect(cluster.output()).not.toMatch(/"msg":"request failed"/);
      console.log(
        `${during.length} requests during a ${OUTAGE_MS} ms outage: ${refused.length} answered 503, ` +
          `${during.length - refused.length} 2xx`,
      );
    }, 150_000);
  },
);
