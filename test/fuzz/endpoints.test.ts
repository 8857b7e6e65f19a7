// Fuzzes every route of the five systems and the platform (issue 14): a short pass here, a longer
// one with `npm run fuzz` (FUZZ_RUNS requests, FUZZ_SEED to replay one). Half the requests come from
// the logged-in admin. Properties: never a 5xx, never a stack trace or an internal path in the body,
// every 4xx a JSON {"error": "…"} (an HTML page for page routes), an answer within the timeout, and
// nothing stored changes when a request is refused.
import fs from 'node:fs';
import os from 'node:os';
import fc from 'fast-check';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { systemJobs } from '../../src/platform/system-runtime.js';
import { SYSTEMS } from '../../src/systems/index.js';
import { TestClient } from '../support/client.js';
import { multipart, REVENUE_HEADER } from '../support/diffing.js';
import { createTestPlatform, describeEachDb, type TestPlatform } from '../support/platform.js';
import {
  describe as describeRequest,
  knownFieldsOf,
  NASTY_FILES,
  problemsOf,
  requestArbitrary,
  routesOf,
  send,
  snapshot,
  type Route,
} from './fuzz.js';

// The short pass of the test suite, or `npm run fuzz`'s longer one; FUZZ_RUNS sets either. On
// PostgreSQL (when TEST_DATABASE_URL is set) the short pass is smaller, to keep CI's added time small:
// what differs there is how the database takes the values (NUL bytes, integer ranges, encodings).
const RUNS_OF = { sqlite: 1500, postgres: 400 } as const;
const runsOn = (kind: keyof typeof RUNS_OF) =>
  Number(process.env.FUZZ_RUNS ?? (process.env.FUZZ_LONG ? 20_000 : RUNS_OF[kind]));
const SEED = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED);
const ANSWER_TIMEOUT_MS = 10_000;

describeEachDb('fuzzing every endpoint', (kind) => {
  const RUNS = runsOn(kind);
  let platform: TestPlatform;
  let app: FastifyInstance;
  let admin: TestClient;
  let anonymous: TestClient;
  let routes: Route[];
  // Ids past PostgreSQL's integer (2^31-1) and bigint ranges too: a 404, never the database's error.
  const ids = ['1', '2', '3', '0', '-1', 'a', '2147483648', '9223372036854775808', '99999999999999999999'];

  /** Logs the admin client in (again: a fuzzed logout may have ended its session). */
  let logins = 0;
  async function login(): Promise<void> {
    // Each login from an address of its own: the login's rate limit (10 a minute) is not under test.
    const address = `10.8.${Math.floor(++logins / 256) % 256}.${logins % 256}`;
    const fromAddress = { inject: (o: InjectOptions) => app.inject({ ...o, remoteAddress: address }) };
    admin = new TestClient(fromAddress as FastifyInstance);
    const res = await admin.loginAsAdmin();
    expect(res.statusCode, res.body).toBe(200);
  }

  beforeAll(async () => {
    platform = await createTestPlatform(kind, { systems: SYSTEMS });
    app = await buildApp(platform);
    await app.ready();
    // The jobs run too (as `quintet serve` runs them without Redis): a job of nasty files must fail cleanly.
    await platform.jobs.startWorkers(await systemJobs(platform, SYSTEMS));
    routes = routesOf(app);
    await login();
    anonymous = new TestClient(app);

    // Something stored in every system, so that "nothing changes" means something.
    expect((await admin.post('/hiring/seed_data/12')).statusCode).toBe(200);
    const survey = await anonymous.post('/api/surveys/responses', { answers: { name: 'Ada' } });
    expect(survey.statusCode, survey.body).toBe(201);
    ids.push(String(survey.json<{ id: string | number }>().id));
    const polls = await admin.post('/api/uptime/polls', {
      polls: [{ store_id: 'a', status: 'active', timestamp_utc: '2024-01-01T12:00:00Z' }],
    });
    expect(polls.statusCode, polls.body).toBe(200);
    const dataset = await multipart({
      quarter: '1',
      impressions: { filename: 'impressions_1.csv', content: 'banner_id,campaign_id\n1,1\n2,1\n' },
    });
    const banners = await admin.post('/api/banners/import', dataset.body, { headers: dataset.headers });
    expect(banners.statusCode, banners.body).toBe(200);
    const row = '2024-01-01,all,All,All,0,revenue';
    const diff = await multipart({
      metric: 'revenue',
      old: { filename: 'old.csv', content: `${REVENUE_HEADER}\n${row},1\n` },
      new: { filename: 'new.csv', content: `${REVENUE_HEADER}\n${row},2\n` },
    });
    const job = await admin.post('/api/diffing/jobs', diff.body, { headers: diff.headers });
    expect(job.statusCode, job.body).toBeLessThan(300);
  });
  afterAll(async () => {
    await app.close();
    await platform.dispose();
  });

  it('lists the routes of all five systems from the app itself', () => {
    const urls = routes.map((r) => r.url);
    for (const prefix of ['/hiring/', '/api/diffing/', '/api/uptime/', '/api/banners/', '/api/surveys/'])
      expect(
        urls.some((u) => u.startsWith(prefix)),
        prefix,
      ).toBe(true);
    expect(routes).toContainEqual({ method: 'PATCH', url: '/api/surveys/responses/:id' });
    expect(routes).toContainEqual({ method: 'GET', url: '/api/diffing/job/:id/status' });
    expect(NASTY_FILES.size).toBeGreaterThanOrEqual(6);
  });

  it(
    `answers ${RUNS} fuzzed requests without a 5xx, a leak or a hang, and refused ones change nothing`,
    async () => {
      const fields = knownFieldsOf(app);
      const statuses = new Map<string, number>();
      const internal = [process.cwd(), platform.dataDir, os.tmpdir() + '/quintet', 'node_modules/'];
      await fc.assert(
        fc.asyncProperty(fc.boolean(), requestArbitrary(routes, fields, ids), async (asAdmin, request) => {
          const client = asAdmin ? admin : anonymous;
          if (process.env.FUZZ_TRACE)
            fs.appendFileSync(process.env.FUZZ_TRACE, `${describeRequest(request)}\n`);
          const before = await snapshot(platform);
          const answer = await send(app, client, request, ANSWER_TIMEOUT_MS);
          const problems = problemsOf(request, answer, internal);
          const key =
            process.env.FUZZ_STATS === 'routes'
              ? `${request.route.method} ${request.route.url} ${answer.status}`
              : `${answer.status}`;
          statuses.set(key, (statuses.get(key) ?? 0) + 1);
          if (answer.status >= 400) {
            const after = await snapshot(platform);
            const changed = Object.keys(before).filter((k) => before[k] !== after[k]);
            if (changed.length) problems.push(`refused (${answer.status}) but changed ${changed.join(', ')}`);
          }
          if (asAdmin && /logout/.test(request.url)) {
            const session = await admin.get('/api/admin/session');
            if (!session.json<{ admin: boolean }>().admin) await login();
          }
          if (problems.length)
            throw new Error(
              `${problems.join('; ')}\n  request: ${describeRequest(request)}\n  answer: ${answer.status} ${answer.body.slice(0, 500)}`,
            );
        }),
        // A run that takes longer than this hangs somewhere (a request, or the database wedged by one).
        { numRuns: RUNS, seed: SEED, endOnFailure: true, timeout: 3 * ANSWER_TIMEOUT_MS },
      );
      if (process.env.FUZZ_STATS) console.log([...statuses].sort().join('\n'));
    },
    Math.max(50_000, RUNS * 200),
  );
});
