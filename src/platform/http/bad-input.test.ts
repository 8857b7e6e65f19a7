// Bad input found by fuzzing hiring and diffing (issue 13), on both databases: each used to be a 500;
// each must be a 4xx in the one error shape, {"error": "…"}, naming what is wrong.
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestClient } from '../../../test/support/client.js';
import { createTestPlatform, describeEachDb, type TestPlatform } from '../../../test/support/platform.js';
import { buildApp } from '../../app.js';
import { SYSTEMS } from '../../systems/index.js';

const APPLICATION = {
  first_name: 'Ada',
  last_name: 'Lovelace',
  email: 'ada@example.com',
  phone: '4155550100',
  region: 'Chicago',
  phone_type: 'iPhone 5/5S',
  over_21: true,
};

describeEachDb('bad input', (kind) => {
  let platform: TestPlatform;
  let app: FastifyInstance;
  let admin: TestClient;
  let anonymous: TestClient;
  beforeAll(async () => {
    platform = await createTestPlatform(kind, { systems: SYSTEMS });
    app = await buildApp(platform);
    admin = new TestClient(app);
    expect((await admin.loginAsAdmin()).statusCode).toBe(200);
    anonymous = new TestClient(app);
  });
  afterAll(async () => {
    await app.close();
    await platform.dispose();
  });

  const notDecimal = (name: string) => new RegExp(`^${name} must be an integer written in decimal digits`);

  type Case = readonly [url: string, status: number, message: RegExp];
  it.each<Case>([
    ...['Infinity', '-Infinity', '1e400', '1e99', '0x10', '%201', '1.5'].flatMap((v): Case[] => [
      [`/api/diffing/jobs?limit=${v}`, 400, notDecimal('querystring.limit')],
      [`/hiring/api/admin/applicants?page=${v}`, 400, notDecimal('querystring.page')],
      [`/hiring/api/admin/applicants?per_page=${v}`, 400, notDecimal('querystring.per_page')],
    ]),
    ['/hiring/api/admin/applicants?page=99999999999', 400, /^querystring.page must be <= 1000000$/],
    ['/hiring/api/admin/applicants/0x10', 400, notDecimal('params.id')],
    ['/hiring/api/admin/applicants/%201', 400, notDecimal('params.id')],
    ['/hiring/api/admin/applicants/1e99', 400, notDecimal('params.id')],
    ['/hiring/api/admin/applicants/2147483648', 404, /^applicant 2147483648 not found$/],
    ['/hiring/api/admin/applicants/99999999999999', 404, /not found/],
    ['/api/diffing/job/2147483648/status', 404, /^job not found$/],
    ['/api/diffing/job/2147483648', 404, /^job not found$/],
    ['/api/diffing/job/99999999999999/deleted', 404, /^job not found$/],
    ['/api/diffing/job/0x10/status', 404, /^job not found$/],
    ['/api/diffing/job/%201/status', 404, /^job not found$/],
    ['/api/diffing/job/1e3/status', 404, /^job not found$/],
    ['/hiring/api/admin/applicants?q=a%00b', 400, /^querystring.q contains a NUL character/],
    [
      '/hiring/funnel.json?start_date=2020-01-01%00&end_date=2020-02-01',
      400,
      /querystring.start_date contains a NUL/,
    ],
    ['/instacart_shopper/seed_data/0x10/', 400, notDecimal('params.count')],
    ['/hiring/funnel.json?start_date=0000-01-01&end_date=0000-02-01', 400, /years 0001–9999/],
    ['/hiring/funnel.json?start_date=9999-12-01&end_date=9999-12-31', 400, /would end after 9999-12-31/],
    ['/hiring/api/admin/funnel?start_date=9999-12-01&end_date=9999-12-31', 400, /would end after 9999-12-31/],
    ['/%zz', 400, /^malformed request: '\/%zz' is not a valid url component$/],
    ['/api/diffing/job/%zz/status', 400, /^malformed request/],
    ['/no/such/api', 404, /^no route for GET \/no\/such\/api$/],
  ])('GET %s answers %i naming the problem', async (url, status, message) => {
    const res = await admin.get(url);
    expect(res.statusCode).toBe(status);
    expect(Object.keys(res.json())).toEqual(['error']);
    expect(res.json().error).toMatch(message);
  });

  it('still reads plain decimal numbers', async () => {
    expect((await admin.get('/api/diffing/jobs?limit=5')).statusCode).toBe(200);
    const page = await admin.get('/hiring/api/admin/applicants?page=2&per_page=10');
    expect(page.statusCode).toBe(200);
    expect(page.json()).toMatchObject({ page: 2, per_page: 10 });
  });

  it.each([
    ['/hiring/api/applications/validate', { ...APPLICATION, first_name: 'A\u0000da' }, 'body.first_name'],
    ['/hiring/api/applications/validate', { ...APPLICATION, email: 'ada\u0000@example.com' }, 'body.email'],
    [
      '/hiring/api/applications',
      { ...APPLICATION, reason: 'why\u0000', background_check_consent: true },
      'body.reason',
    ],
    ['/hiring/api/session', { email: 'ada\u0000@example.com', phone_last4: '0100' }, 'body.email'],
    ['/hiring/api/admin/applicants/1/state', { state: 'hired\u0000' }, 'body.state'],
  ] as const)('POST %s with a NUL byte in %s answers 400 naming the field', async (url, body, field) => {
    const res = await admin.post(url, body);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({
      error: `${field} contains a NUL character (\\u0000), which text cannot hold`,
    });
  });

  it('stores nothing from a request refused for a NUL byte, and takes the same application without it', async () => {
    const refused = await admin.post('/hiring/api/applications', {
      ...APPLICATION,
      last_name: 'Love\u0000lace',
      background_check_consent: true,
    });
    expect(refused.statusCode).toBe(400);
    const accepted = await anonymous.post('/hiring/api/applications', {
      ...APPLICATION,
      background_check_consent: true,
    });
    expect(accepted.statusCode).toBe(201);
  });

  it.each([
    '/hiring/api/admin/applicants?page=1.5',
    '/hiring/api/admin/applicants?state=bogus',
    '/hiring/api/admin/applicants/abc',
    '/hiring/api/admin/applicants?q=a%00b',
  ])('answers an unauthenticated admin request with 401 before checking its parameters: %s', async (url) => {
    const res = await anonymous.get(url);
    expect(res.statusCode).toBe(401);
    expect(res.json()).toEqual({ error: 'admin login required' });
  });
});

describe('the error shape of the framework’s own errors', () => {
  let platform: TestPlatform;
  let app: FastifyInstance;
  let client: TestClient;
  beforeAll(async () => {
    platform = await createTestPlatform('sqlite', { systems: SYSTEMS, env: { BODY_LIMIT_KB: '1' } });
    app = await buildApp(platform);
    client = new TestClient(app);
  });
  afterAll(async () => {
    await app.close();
    await platform.dispose();
  });

  it.each([
    ['a body that is not JSON', '{"email":', 'application/json', 400, /not valid JSON/],
    ['an empty JSON body', '', 'application/json', 400, /cannot be empty/],
    ['a media type no route reads', 'email=a', 'text/weird', 415, /Unsupported Media Type/],
    [
      'a body over BODY_LIMIT_KB',
      JSON.stringify({ email: 'x'.repeat(4096) }),
      'application/json',
      413,
      /too large/i,
    ],
  ] as const)('answers %s with {"error"} only', async (_case, body, contentType, status, message) => {
    const res = await client.request('POST', '/hiring/api/session', {
      body,
      headers: { 'content-type': contentType },
    });
    expect(res.statusCode).toBe(status);
    expect(Object.keys(res.json())).toEqual(['error']);
    expect(res.json().error).toMatch(message);
  });

  it('answers a method no route has with a JSON 404', async () => {
    const res = await app.inject({ method: 'DELETE', url: '/hiring/api/me' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ error: 'no route for DELETE /hiring/api/me' });
  });
});
