import { afterEach, describe, expect, it } from 'vitest';
import { buildApp } from '../app.js';
import { TestClient } from '../../test/support/client.js';
import {
  createTestPlatform,
  describeEachDb,
  hasRedis,
  type TestPlatform,
} from '../../test/support/platform.js';
import { SYSTEMS } from '../systems/index.js';
import { recordingJob, waitFor } from './jobs/testing/recorder.js';
import { migrateAll } from './system-runtime.js';

const disposables: TestPlatform[] = [];
afterEach(async () => {
  while (disposables.length) await disposables.pop()!.dispose();
});

async function platformOn(kind: 'sqlite' | 'postgres', migrate = true, systems: typeof SYSTEMS = []) {
  const p = await createTestPlatform(kind, { migrate, systems });
  disposables.push(p);
  return p;
}

describeEachDb('platform', (kind) => {
  it('migrates an empty database, and a second run applies nothing', async () => {
    const platform = await platformOn(kind, false, SYSTEMS);
    const first = await migrateAll(platform, SYSTEMS);
    expect(first.find((o) => o.scope === 'platform')?.applied.length).toBeGreaterThan(0);
    expect(first.find((o) => o.scope === 'hiring')?.applied.length).toBeGreaterThan(0);
    const second = await migrateAll(platform, SYSTEMS);
    expect(second.every((o) => o.applied.length === 0)).toBe(true);
  });

  it('reports the database in /health', async () => {
    const app = await buildApp(await platformOn(kind));
    const res = await app.inject('/health');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok', database: kind });
    await app.close();
  });
});

describe.skipIf(!hasRedis())('platform /health with REDIS_URL', () => {
  it('reports Redis beside the database', async () => {
    const platform = await createTestPlatform('sqlite', {
      env: { REDIS_URL: process.env.TEST_REDIS_URL!, REDIS_PREFIX: `quintet-health-app-${process.pid}` },
    });
    disposables.push(platform);
    const app = await buildApp(platform);
    const res = await app.inject('/health');
    expect(res.json()).toEqual({ status: 'ok', database: 'sqlite', redis: 'ok' });
    await app.close();
  });
});

describe('platform http', () => {
  it('answers unknown routes with a JSON 404 naming the route', async () => {
    const app = await buildApp(await platformOn('sqlite'));
    const res = await app.inject('/no/such/page');
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ error: 'no route for GET /no/such/page' });
    await app.close();
  });

  it('answers an unknown page opened in a browser with the HTML 404 page, and API paths and JSON clients with JSON', async () => {
    const app = await buildApp(await platformOn('sqlite'));
    const browser = { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' };
    const page = await app.inject({ url: '/no/such/page?x=1', headers: browser });
    expect(page.statusCode).toBe(404);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.headers['content-security-policy']).toMatch(/script-src 'self'/);
    expect(page.body).toContain('<title>Page not found · Quintet</title>');
    for (const [url, headers] of [
      ['/api/no/such', browser],
      ['/hiring/api/no/such', browser],
      ['/no/such/page', { accept: 'application/json' }],
      ['/no/such/page', { accept: 'application/json, text/html;q=0.5' }],
      ['/no/such/page', { accept: '*/*' }],
    ] as const) {
      const res = await app.inject({ url, headers });
      expect(res.statusCode).toBe(404);
      expect(res.json()).toEqual({ error: `no route for GET ${url}` });
    }
    const post = await app.inject({ method: 'POST', url: '/no/such/page', headers: browser });
    expect(post.json()).toEqual({ error: 'no route for POST /no/such/page' });
    await app.close();
  });

  it('refuses a state-changing request without a CSRF token', async () => {
    const app = await buildApp(await platformOn('sqlite'));
    const client = new TestClient(app);
    const res = await client.post('/api/admin/login', { password: 'x' }, { csrf: false });
    expect(res.statusCode).toBe(403);
    expect(res.json().error).toMatch(/csrf/i);
    await app.close();
  });

  it('logs the admin in with the right password only, with a signed HttpOnly cookie', async () => {
    const app = await buildApp(await platformOn('sqlite'));
    const client = new TestClient(app);
    expect((await client.loginAsAdmin('wrong-password')).statusCode).toBe(401);
    expect((await client.get('/api/admin/session')).json()).toEqual({ admin: false });
    const ok = await client.loginAsAdmin();
    expect(ok.statusCode).toBe(200);
    const cookie = ok.cookies.find((c) => c.name === 'quintet_admin');
    expect(cookie?.httpOnly).toBe(true);
    expect(cookie?.sameSite).toBe('Lax');
    expect((await client.get('/api/admin/session')).json()).toEqual({ admin: true });
    await client.post('/api/admin/logout');
    expect((await client.get('/api/admin/session')).json()).toEqual({ admin: false });
    await app.close();
  });

  it('rejects a tampered admin cookie', async () => {
    const app = await buildApp(await platformOn('sqlite'));
    const res = await app.inject({
      url: '/api/admin/session',
      headers: { cookie: 'quintet_admin=admin.9999999999.forged' },
    });
    expect(res.json()).toEqual({ admin: false });
    await app.close();
  });

  it('serves OpenAPI documentation generated from the route schemas of the systems it serves', async () => {
    const app = await buildApp(await platformOn('sqlite', true, SYSTEMS));
    const res = await app.inject('/docs/json');
    expect(res.statusCode).toBe(200);
    expect(Object.keys(res.json().paths)).toContain('/hiring/funnel.json');
    expect((await app.inject('/docs')).statusCode).toBeLessThan(400);
    await app.close();
  });

  it('exposes request counts per route in Prometheus format', async () => {
    const app = await buildApp(await platformOn('sqlite'));
    await app.inject('/health');
    const res = await app.inject('/metrics');
    expect(res.statusCode).toBe(200);
    expect(res.body).toMatch(/http_requests_total\{method="GET",route="\/health",status="200"\} 1/);
    await app.close();
  });

  it('rejects a body over the size limit with 413', async () => {
    const platform = await createTestPlatform('sqlite', { env: { BODY_LIMIT_KB: '1' } });
    disposables.push(platform);
    const app = await buildApp(platform);
    const client = new TestClient(app);
    const res = await client.post('/api/admin/login', { password: 'x'.repeat(5000) });
    expect(res.statusCode).toBe(413);
    await app.close();
  });
});

describe('job metrics', () => {
  it('counts enqueued jobs and attempts by outcome at /metrics', async () => {
    const platform = await platformOn('sqlite');
    const app = await buildApp(platform);
    const job = recordingJob('test.metrics');
    await platform.jobs.startWorkers([job.definition]);
    await platform.jobs.enqueue('test.metrics', { kind: 'echo', value: 1 });
    await waitFor(() => job.of('completed').length === 1, 'the job to complete');
    const body = (await app.inject('/metrics')).body;
    expect(body).toMatch(/jobs_enqueued_total\{name="test\.metrics"\} 1/);
    expect(body).toMatch(/job_attempts_total\{name="test\.metrics",outcome="started"\} 1/);
    expect(body).toMatch(/job_attempts_total\{name="test\.metrics",outcome="completed"\} 1/);
    await app.close();
  });
});
