import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { TestClient } from '../../../test/support/client.js';
import { application as validApplication } from '../../../test/support/hiring.js';
import {
  createTestPlatform,
  describeEachDb,
  type DbKind,
  type TestPlatform,
} from '../../../test/support/platform.js';
import { buildApp } from '../../app.js';
import { fixedClock } from '../../platform/clock.js';
import { PHONE_TYPES, REGIONS, STATES } from './constants.js';
import { MAX_HTTP_SEED } from './routes.js';
import { createHiringService } from './service.js';
import type { HiringDb } from './tables.js';
import { hiringSystem } from './system.js';

const DAY_MS = 86_400_000;
const NOW = '2015-01-07T10:00:00.000Z';
const FUNNEL_PATHS = [
  '/hiring/funnel.json',
  '/funnel.json',
  '/funnels.json',
  '/instacart_shopper/funnel.json',
];
const ADMIN_REQUIRED = { error: 'admin login required' };

const platforms: TestPlatform[] = [];
const apps: FastifyInstance[] = [];
const dirs: string[] = [];
afterEach(async () => {
  while (apps.length) await apps.pop()!.close();
  while (platforms.length) await platforms.pop()!.dispose();
  while (dirs.length) fs.rmSync(dirs.pop()!, { recursive: true, force: true });
});

async function setup(options: { kind?: DbKind; env?: Record<string, string>; webDist?: string } = {}) {
  const clock = fixedClock(NOW);
  const platform = await createTestPlatform(options.kind ?? 'sqlite', {
    clock,
    env: options.env,
    systems: [hiringSystem],
  });
  platforms.push(platform);
  const app = await buildApp(platform, options.webDist ? { webDist: options.webDist } : {});
  apps.push(app);
  return {
    platform,
    app,
    clock,
    client: new TestClient(app),
    service: createHiringService(platform),
    db: platform.db as HiringDb,
  };
}

/** The form fields of a valid application (shared fixture + the background-check consent). */
function application(n: number, overrides: Record<string, unknown> = {}) {
  return { ...validApplication(n), background_check_consent: true, ...overrides };
}

const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);
/** The Monday (as ms) of a YYYY-MM-DD day, from Date's own weekday. */
const mondayMs = (day: string) => {
  const t = Date.parse(`${day}T00:00:00Z`);
  return t - ((new Date(t).getUTCDay() + 6) % 7) * DAY_MS;
};
const weekKey = (monday: number) => `${isoDay(monday)}-${isoDay(monday + 6 * DAY_MS)}`;
const zeros = () => Object.fromEntries(STATES.map((s) => [s, 0])) as Record<string, number>;

/** The funnel the seed's API should answer, counted by hand from the applicants. */
function expectedFunnel(
  start: string,
  end: string,
  applicants: { created_at: string; workflow_state: string }[],
) {
  const result: Record<string, Record<string, number>> = {};
  for (let m = mondayMs(start); m <= Date.parse(`${end}T00:00:00Z`); m += 7 * DAY_MS)
    result[weekKey(m)] = zeros();
  for (const a of applicants) {
    const week = result[weekKey(mondayMs(a.created_at.slice(0, 10)))];
    if (week) week[a.workflow_state]! += 1;
  }
  return result;
}

async function allApplicants(db: HiringDb) {
  return db.selectFrom('hiring_applicants').select(['id', 'created_at', 'workflow_state']).execute();
}

describe('hiring funnel.json', () => {
  it('answers at all four paths with the applicants of each Monday-Sunday week by state, weeks in order, empty weeks included', async () => {
    const { client, clock, service, db } = await setup();
    // Applications right at a week boundary, then random ones.
    for (const [i, at] of [
      '2014-12-28T23:59:59.999Z',
      '2014-12-29T00:00:00.000Z',
      '2015-01-04T23:59:59.999Z',
    ].entries()) {
      clock.set(at);
      const result = await service.apply(application(i), true);
      if (!result.ok) throw new Error(JSON.stringify(result.fields));
    }
    await service.seed({
      count: 400,
      from: new Date('2014-11-05T00:00:00Z'),
      to: new Date('2014-12-20T00:00:00Z'),
      seed: 3,
    });
    const expected = expectedFunnel('2014-10-22', '2015-01-13', await allApplicants(db));
    expect(Object.keys(expected)[0]).toBe('2014-10-20-2014-10-26');
    expect(Object.keys(expected).at(-1)).toBe('2015-01-12-2015-01-18');
    expect(expected['2014-10-20-2014-10-26']).toEqual(zeros());
    expect(expected['2014-12-22-2014-12-28']!.applied).toBe(1);
    expect(expected['2014-12-29-2015-01-04']!.applied).toBe(2);
    const total = Object.values(expected).reduce(
      (sum, week) => sum + Object.values(week).reduce((a, b) => a + b, 0),
      0,
    );
    expect(total).toBe(403);

    for (const url of FUNNEL_PATHS) {
      const res = await client.get(`${url}?start_date=2014-10-22&end_date=2015-01-13`);
      expect(res.statusCode, url).toBe(200);
      expect(res.headers['content-type'], url).toMatch(/^application\/json/);
      expect(res.headers['cache-control'], url).toBe('no-store');
      const body = res.json<Record<string, Record<string, number>>>();
      expect(Object.keys(body), url).toEqual(Object.keys(expected));
      expect(body, url).toEqual(expected);
    }
  });

  it('answers a one-day range on a Sunday with the week that ends that day', async () => {
    const { client } = await setup();
    const res = await client.get('/funnel.json?start_date=2015-01-04&end_date=2015-01-04');
    expect(res.json()).toEqual({ '2014-12-29-2015-01-04': zeros() });
  });

  const errors: [string, string, RegExp][] = [
    ['no parameters', '', /missing required parameters: start_date, end_date/],
    ['no start_date', '?end_date=2015-01-01', /missing required parameter: start_date\b/],
    ['no end_date', '?start_date=2015-01-01', /missing required parameter: end_date\b/],
    ['an empty end_date', '?start_date=2015-01-01&end_date=', /missing required parameter: end_date\b/],
    [
      'a start_date that is not a real calendar date',
      '?start_date=2015-02-29&end_date=2015-03-31',
      /start_date "2015-02-29" is not a real calendar date/,
    ],
    [
      'an end_date in the wrong format',
      '?start_date=2015-01-01&end_date=01%2F31%2F2015',
      /end_date "01\/31\/2015" is not a real calendar date in YYYY-MM-DD/,
    ],
    [
      'start_date after end_date',
      '?start_date=2015-02-01&end_date=2015-01-01',
      /start_date 2015-02-01 is after end_date 2015-01-01/,
    ],
    ['a range over ten years', '?start_date=2000-01-01&end_date=2010-01-02', /longer than 10 years/],
  ];
  it.each(errors)(
    'returns 400 with a message naming the problem for %s, at every funnel path',
    async (_name, query, message) => {
      const { client } = await setup();
      for (const url of FUNNEL_PATHS) {
        const res = await client.get(`${url}${query}`);
        expect(res.statusCode, url).toBe(400);
        expect(res.json(), url).toEqual({ error: expect.stringMatching(message) });
      }
    },
  );

  it('accepts a range of exactly ten years', async () => {
    const { client } = await setup();
    const res = await client.get('/funnel.json?start_date=2000-01-01&end_date=2010-01-01');
    expect(res.statusCode).toBe(200);
    // 2000-01-01 was a Saturday, 2010-01-01 a Friday.
    const keys = Object.keys(res.json());
    expect(keys[0]).toBe('1999-12-27-2000-01-02');
    expect(keys.at(-1)).toBe('2009-12-28-2010-01-03');
    expect(keys).toHaveLength((mondayMs('2009-12-28') - mondayMs('1999-12-27')) / (7 * DAY_MS) + 1);
  });

  it('shows a new application and a state change in the very next funnel response', async () => {
    const { client } = await setup();
    const url = '/hiring/funnel.json?start_date=2015-01-05&end_date=2015-01-11';
    const week = '2015-01-05-2015-01-11';
    expect((await client.get(url)).json()[week]).toEqual(zeros());

    const applied = await client.post('/hiring/api/applications', application(1));
    expect(applied.statusCode).toBe(201);
    expect((await client.get(url)).json()[week]).toEqual({ ...zeros(), applied: 1 });

    await client.loginAsAdmin();
    const id = applied.json().applicant.id;
    expect(
      (await client.post(`/hiring/api/admin/applicants/${id}/state`, { state: 'quiz_started' })).statusCode,
    ).toBe(200);
    expect((await client.get(url)).json()[week]).toEqual({ ...zeros(), quiz_started: 1 });
  });
});

describeEachDb('hiring funnel over HTTP', (kind) => {
  it('counts applications and moves made over HTTP in the week of application', async () => {
    const { client, clock } = await setup({ kind });
    await client.loginAsAdmin();
    const made: { id: number; at: string }[] = [];
    for (const [i, at] of [
      '2014-12-31T08:00:00.000Z',
      '2015-01-04T23:59:59.999Z',
      '2015-01-05T00:00:00.000Z',
      '2015-01-07T10:00:00.000Z',
    ].entries()) {
      clock.set(at);
      const res = await client.post('/hiring/api/applications', application(i));
      expect(res.statusCode).toBe(201);
      made.push({ id: res.json().applicant.id, at });
    }
    await client.post(`/hiring/api/admin/applicants/${made[0]!.id}/state`, { state: 'hired' });
    await client.post(`/hiring/api/admin/applicants/${made[2]!.id}/state`, { state: 'rejected' });
    const res = await client.get('/funnel.json?start_date=2014-12-29&end_date=2015-01-11');
    expect(res.json()).toEqual({
      '2014-12-29-2015-01-04': { ...zeros(), hired: 1, applied: 1 },
      '2015-01-05-2015-01-11': { ...zeros(), rejected: 1, applied: 1 },
    });
  });
});

describe('hiring pages', () => {
  const PUBLIC = [
    '/hiring',
    '/hiring/',
    '/hiring/apply',
    '/hiring/apply/background-check',
    '/hiring/apply/confirmation',
    '/hiring/track',
    '/hiring/application',
    '/instacart_shopper',
    '/instacart_shopper/',
  ];

  function fakeBuild(): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'quintet-web-'));
    dirs.push(dir);
    for (const entry of ['hiring', 'hiring-admin']) {
      fs.mkdirSync(path.join(dir, entry));
      fs.writeFileSync(path.join(dir, entry, 'index.html'), `<!doctype html><title>${entry} page</title>`);
    }
    return dir;
  }

  it('serves the public pages as HTML when dist/web is built, and 503 otherwise', async () => {
    const built = fs.existsSync('dist/web/hiring/index.html');
    const { client } = await setup();
    for (const url of PUBLIC) {
      const res = await client.get(url);
      expect(res.statusCode, url).toBe(built ? 200 : 503);
      expect(res.headers['content-type'], url).toMatch(built ? /^text\/html/ : /^text\/plain/);
    }
  });

  it('serves the applicant page at every public path from the built pages', async () => {
    const { client } = await setup({ webDist: fakeBuild() });
    for (const url of PUBLIC) {
      const res = await client.get(url);
      expect(res.statusCode, url).toBe(200);
      expect(res.headers['content-type'], url).toMatch(/^text\/html/);
      expect(res.body, url).toContain('<title>hiring page</title>');
    }
  });

  it('redirects the admin pages to the login page, keeping where to come back to, when logged out', async () => {
    const { client } = await setup({ webDist: fakeBuild() });
    for (const url of ['/hiring/admin', '/hiring/admin/', '/hiring/admin/applicants/12']) {
      const res = await client.get(url);
      expect(res.statusCode, url).toBe(302);
      expect(res.headers.location, url).toBe(`/admin/login?next=${encodeURIComponent(url)}`);
    }
  });

  it('serves the admin pages once logged in', async () => {
    const { client } = await setup({ webDist: fakeBuild() });
    await client.loginAsAdmin();
    for (const url of ['/hiring/admin', '/hiring/admin/', '/hiring/admin/applicants/12']) {
      const res = await client.get(url);
      expect(res.statusCode, url).toBe(200);
      expect(res.body, url).toContain('<title>hiring-admin page</title>');
    }
  });
});

describe('hiring application API', () => {
  it('lists the regions, phone types and states the form offers', async () => {
    const { client } = await setup();
    const res = await client.get('/hiring/api/options');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ regions: [...REGIONS], phone_types: [...PHONE_TYPES], states: [...STATES] });
  });

  it('validates a good application with 200 without creating it', async () => {
    const { client, service } = await setup();
    const res = await client.post('/hiring/api/applications/validate', application(1));
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ ok: true });
    expect(await service.count()).toBe(0);
  });

  it('answers an invalid application with 400 and a message per field', async () => {
    const { client } = await setup();
    const res = await client.post(
      '/hiring/api/applications/validate',
      application(1, { first_name: ' ', email: 'ada@', phone: '555', region: 'Paris' }),
    );
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({
      error: 'validation failed',
      fields: {
        first_name: 'First name is required',
        email: expect.stringMatching(/valid email/),
        phone: expect.stringMatching(/valid phone/),
        region: 'Choose one of the listed regions',
      },
    });
  });

  it('refuses in validate an email or phone already registered', async () => {
    const { client } = await setup();
    expect((await client.post('/hiring/api/applications', application(1))).statusCode).toBe(201);
    const email = await client.post(
      '/hiring/api/applications/validate',
      application(2, { email: 'PERSON1@example.com' }),
    );
    expect(email.statusCode).toBe(400);
    expect(email.json().fields).toEqual({ email: 'This email is already registered' });
    const phone = await client.post(
      '/hiring/api/applications/validate',
      application(2, { phone: '+1 415 555 0101' }),
    );
    expect(phone.statusCode).toBe(400);
    expect(phone.json().fields).toEqual({ phone: 'This phone number is already registered' });
  });

  it('returns 400 naming the field when a value has the wrong type or is far too long', async () => {
    const { client } = await setup();
    const wrongType = await client.post(
      '/hiring/api/applications/validate',
      application(1, { over_21: 'maybe' }),
    );
    expect(wrongType.statusCode).toBe(400);
    expect(wrongType.json().error).toMatch(/over_21/);
    const tooLong = await client.post(
      '/hiring/api/applications/validate',
      application(1, { last_name: 'x'.repeat(1001) }),
    );
    expect(tooLong.statusCode).toBe(400);
    expect(tooLong.json().error).toMatch(/last_name/);
  });

  it('creates an application with 201, in state applied, and starts the applicant session', async () => {
    const { client } = await setup();
    const res = await client.post(
      '/hiring/api/applications',
      application(1, { email: 'Person1@Example.com', phone: '415.555.0101' }),
    );
    expect(res.statusCode).toBe(201);
    const { applicant } = res.json();
    expect(applicant).toMatchObject({
      first_name: 'First1',
      email: 'person1@example.com',
      phone: '+14155550101',
      workflow_state: 'applied',
      over_21: true,
      created_at: NOW,
    });
    const cookie = res.cookies.find((c) => c.name === 'quintet_applicant');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/' });
    const me = await client.get('/hiring/api/me');
    expect(me.statusCode).toBe(200);
    expect(me.json()).toEqual({ applicant });
  });

  it('refuses an application without background_check_consent true, creating nothing and starting no session', async () => {
    const { client, service } = await setup();
    for (const consent of [undefined, false]) {
      const res = await client.post(
        '/hiring/api/applications',
        application(1, { background_check_consent: consent }),
      );
      expect(res.statusCode).toBe(400);
      expect(res.json()).toEqual({
        error: 'validation failed',
        fields: { background_check_consent: expect.stringMatching(/background check/) },
      });
      expect(res.cookies.find((c) => c.name === 'quintet_applicant')).toBeUndefined();
    }
    expect(await service.count()).toBe(0);
    expect((await client.get('/hiring/api/me')).statusCode).toBe(401);
  });

  it('refuses an invalid or duplicate application with 400 and the fields at fault', async () => {
    const { client, app, service } = await setup();
    const invalid = await client.post(
      '/hiring/api/applications',
      application(1, { phone: '415-555-0101 ext. 4' }),
    );
    expect(invalid.statusCode).toBe(400);
    expect(Object.keys(invalid.json().fields)).toEqual(['phone']);
    await client.post('/hiring/api/applications', application(1));
    const duplicate = await new TestClient(app).post(
      '/hiring/api/applications',
      application(2, { email: 'person1@EXAMPLE.com', phone: '415 555 0101' }),
    );
    expect(duplicate.statusCode).toBe(400);
    expect(duplicate.json().fields).toEqual({
      email: 'This email is already registered',
      phone: 'This phone number is already registered',
    });
    expect(await service.count()).toBe(1);
  });

  it('refuses a POST without the CSRF token with 403 and creates nothing', async () => {
    const { client, service } = await setup();
    const res = await client.post('/hiring/api/applications', application(1), { csrf: false });
    expect(res.statusCode).toBe(403);
    expect(res.json().error).toMatch(/csrf/i);
    expect(await service.count()).toBe(0);
  });

  it('answers the 4th public write within a minute with 429 when the limit is 3, while reads go on', async () => {
    const { client } = await setup({ env: { PUBLIC_WRITE_RATE_LIMIT: '3' } });
    for (let i = 0; i < 3; i++)
      expect((await client.post('/hiring/api/applications/validate', application(i))).statusCode).toBe(200);
    const limited = await client.post('/hiring/api/applications/validate', application(4));
    expect(limited.statusCode).toBe(429);
    expect(limited.json().error).toMatch(/rate limit/i);
    for (let i = 0; i < 5; i++)
      expect((await client.get('/funnel.json?start_date=2015-01-01&end_date=2015-01-01')).statusCode).toBe(
        200,
      );
  });
});

describeEachDb('hiring limits on what a caller may learn', (kind) => {
  /** POSTs as `client` (its cookies and CSRF token) from another client address. */
  const from =
    (app: FastifyInstance, client: TestClient, remoteAddress: string) =>
    async (url: string, body: unknown) => {
      const token = await client.token();
      return app.inject({
        method: 'POST',
        url,
        payload: body as Record<string, unknown>,
        remoteAddress,
        headers: { cookie: client.cookieHeader(), 'x-csrf-token': token },
      });
    };

  it('answers the 11th validate-or-apply from one address within 10 minutes with 429 and Retry-After, far below the write limit', async () => {
    const { app, client, clock } = await setup({ kind });
    const post = from(app, client, '203.0.113.7');
    for (let i = 0; i < 5; i++) {
      expect((await post('/hiring/api/applications/validate', application(i))).statusCode).toBe(200);
      expect((await post('/hiring/api/applications', application(i))).statusCode).toBe(201);
    }
    clock.set(new Date(Date.parse(NOW) + 4 * 60_000));
    const limited = await post('/hiring/api/applications/validate', application(1));
    expect(limited.statusCode).toBe(429);
    expect(limited.headers['retry-after']).toBe(String(6 * 60));
    expect(limited.json().error).toMatch(/too many application checks from your network.*6 minutes/i);
    // The registered-email answer is still given, but not to this address for now.
    expect((await post('/hiring/api/applications', application(9))).statusCode).toBe(429);
    // Another address is not affected; the first is served again once its window has passed.
    expect(
      (await from(app, client, '203.0.113.8')('/hiring/api/applications/validate', application(1))).json(),
    ).toEqual({
      error: 'validation failed',
      fields: { email: 'This email is already registered', phone: 'This phone number is already registered' },
    });
    clock.set(new Date(Date.parse(NOW) + 10 * 60_000));
    expect((await post('/hiring/api/applications/validate', application(20))).statusCode).toBe(200);
  });

  it('refuses tracking an email after 5 wrong codes in an hour, the right code too, from any address and instance', async () => {
    const { app, client, clock, platform, service } = await setup({ kind });
    const applied = await service.apply(application(1), true);
    expect(applied.ok).toBe(true);
    // A second app instance on the same database.
    const other = await buildApp(platform);
    apps.push(other);
    const track = (instance: FastifyInstance, address: string, digits: string) =>
      from(
        instance,
        client,
        address,
      )('/hiring/api/session', { email: 'person1@example.com', phone_last4: digits });
    for (let i = 0; i < 5; i++) {
      const res = await track(i % 2 ? app : other, `198.51.100.${i}`, String(1000 + i));
      expect(res.statusCode).toBe(400);
    }
    clock.set(new Date(Date.parse(NOW) + 30 * 60_000));
    const refused = await track(other, '198.51.100.99', '0101');
    expect(refused.statusCode).toBe(429);
    expect(refused.headers['retry-after']).toBe(String(30 * 60));
    expect(refused.json().error).toMatch(/too many wrong tries for this email.*30 minutes/i);
    expect(refused.cookies.some((c) => c.name === 'quintet_applicant')).toBe(false);
    // An unknown email is counted the same way, so the refusal tells nothing about who applied.
    for (let i = 0; i < 5; i++)
      expect(
        (
          await from(
            app,
            client,
            '198.51.100.1',
          )('/hiring/api/session', { email: 'nobody@example.com', phone_last4: '1111' })
        ).statusCode,
      ).toBe(400);
    expect(
      (
        await from(
          app,
          client,
          '198.51.100.1',
        )('/hiring/api/session', { email: 'Nobody@example.com ', phone_last4: '1111' })
      ).statusCode,
    ).toBe(429);
    clock.set(new Date(Date.parse(NOW) + 60 * 60_000));
    const res = await track(app, '198.51.100.99', '0101');
    expect(res.statusCode).toBe(200);
  });

  it('starts the count afresh after the right code', async () => {
    const { app, client, service } = await setup({ kind });
    expect((await service.apply(application(1), true)).ok).toBe(true);
    const track = (digits: string) =>
      from(
        app,
        client,
        '192.0.2.1',
      )('/hiring/api/session', { email: 'person1@example.com', phone_last4: digits });
    for (let i = 0; i < 4; i++) expect((await track('9999')).statusCode).toBe(400);
    expect((await track('0101')).statusCode).toBe(200);
    for (let i = 0; i < 5; i++) expect((await track('9999')).statusCode).toBe(400);
    expect((await track('0101')).statusCode).toBe(429);
  });
});

describe('hiring applicant session', () => {
  async function withApplicant() {
    const ctx = await setup();
    const res = await new TestClient(ctx.app).post('/hiring/api/applications', application(1));
    expect(res.statusCode).toBe(201);
    return { ...ctx, applicant: res.json().applicant };
  }

  it('starts a session from the email (any case) and the last four digits of the phone', async () => {
    const { client, applicant } = await withApplicant();
    const res = await client.post('/hiring/api/session', {
      email: 'PERSON1@example.com',
      phone_last4: '0101',
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ applicant });
    expect(client.hasCookie('quintet_applicant')).toBe(true);
    expect((await client.get('/hiring/api/me')).json()).toEqual({ applicant });
  });

  it('gives the same 400 message for wrong digits and for an unknown email, and no session', async () => {
    const { client } = await withApplicant();
    const wrongDigits = await client.post('/hiring/api/session', {
      email: 'person1@example.com',
      phone_last4: '0102',
    });
    const unknownEmail = await client.post('/hiring/api/session', {
      email: 'nobody@example.com',
      phone_last4: '0101',
    });
    expect(wrongDigits.statusCode).toBe(400);
    expect(unknownEmail.statusCode).toBe(400);
    expect(wrongDigits.json()).toEqual(unknownEmail.json());
    expect(wrongDigits.json().error).toMatch(/no application matches/i);
    expect(client.hasCookie('quintet_applicant')).toBe(false);
  });

  it('returns 400 naming phone_last4 when it is missing', async () => {
    const { client } = await withApplicant();
    const res = await client.post('/hiring/api/session', { email: 'person1@example.com' });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatch(/phone_last4/);
  });

  it('answers /hiring/api/me with 401 without a session, for GET and PUT', async () => {
    const { client } = await withApplicant();
    const get = await client.get('/hiring/api/me');
    expect(get.statusCode).toBe(401);
    expect(get.json().error).toMatch(/no applicant session/);
    const put = await client.put('/hiring/api/me', application(1, { first_name: 'Changed' }));
    expect(put.statusCode).toBe(401);
  });

  it('answers 401 to a forged applicant cookie', async () => {
    const { app } = await withApplicant();
    const res = await app.inject({
      url: '/hiring/api/me',
      headers: { cookie: 'quintet_applicant=applicant:1.9999999999.forged' },
    });
    expect(res.statusCode).toBe(401);
  });

  it('ends the session after 24 hours', async () => {
    const { client, clock } = await withApplicant();
    await client.post('/hiring/api/session', { email: 'person1@example.com', phone_last4: '0101' });
    clock.set(new Date(Date.parse(NOW) + 23 * 3600_000));
    expect((await client.get('/hiring/api/me')).statusCode).toBe(200);
    clock.set(new Date(Date.parse(NOW) + 25 * 3600_000));
    expect((await client.get('/hiring/api/me')).statusCode).toBe(401);
  });

  it("updates the session's application, keeping its state and application date", async () => {
    const { client, clock, applicant } = await withApplicant();
    await client.post('/hiring/api/session', { email: 'person1@example.com', phone_last4: '0101' });
    clock.set('2015-01-08T09:00:00.000Z');
    const res = await client.put(
      '/hiring/api/me',
      application(1, { first_name: 'Renamed', region: 'Berlin', phone: '030 901820' }),
    );
    expect(res.statusCode).toBe(200);
    expect(res.json().applicant).toEqual({
      ...applicant,
      first_name: 'Renamed',
      region: 'Berlin',
      phone: '+4930901820',
      updated_at: '2015-01-08T09:00:00.000Z',
    });
    expect((await client.get('/hiring/api/me')).json().applicant.first_name).toBe('Renamed');
  });

  it('refuses an update to an email or phone another applicant holds, and an invalid update, with 400', async () => {
    const { client, app } = await withApplicant();
    const other = new TestClient(app);
    expect((await other.post('/hiring/api/applications', application(2))).statusCode).toBe(201);
    const email = await other.put('/hiring/api/me', application(2, { email: 'Person1@example.com' }));
    expect(email.statusCode).toBe(400);
    expect(email.json().fields).toEqual({ email: 'This email is already registered' });
    const phone = await other.put('/hiring/api/me', application(2, { phone: '+1-415-555-0101' }));
    expect(phone.statusCode).toBe(400);
    expect(phone.json().fields).toEqual({ phone: 'This phone number is already registered' });
    const invalid = await other.put('/hiring/api/me', application(2, { email: 'not an email' }));
    expect(invalid.statusCode).toBe(400);
    expect(Object.keys(invalid.json().fields)).toEqual(['email']);
    expect((await other.get('/hiring/api/me')).json().applicant.email).toBe('person2@example.com');
    expect(client.hasCookie('quintet_applicant')).toBe(false);
  });

  it('logs the applicant out', async () => {
    const { client } = await withApplicant();
    await client.post('/hiring/api/session', { email: 'person1@example.com', phone_last4: '0101' });
    const res = await client.post('/hiring/api/session/logout');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ ok: true });
    expect(client.hasCookie('quintet_applicant')).toBe(false);
    expect((await client.get('/hiring/api/me')).statusCode).toBe(401);
  });
});

describe('hiring admin API', () => {
  async function withApplicants(n: number) {
    const ctx = await setup();
    const ids: number[] = [];
    for (let i = 1; i <= n; i++) {
      ctx.clock.set(new Date(Date.UTC(2015, 0, i, 10)));
      const res = await ctx.service.apply(application(i, { first_name: i % 2 ? 'Odd' : 'Even' }), true);
      if (!res.ok) throw new Error(JSON.stringify(res.fields));
      ids.push(res.value.id);
    }
    ctx.clock.set(NOW);
    return { ...ctx, ids };
  }

  it('answers every admin route with 401 when logged out', async () => {
    const { client, ids, service } = await withApplicants(1);
    const responses = [
      await client.get('/hiring/api/admin/applicants'),
      await client.get(`/hiring/api/admin/applicants/${ids[0]}`),
      await client.post(`/hiring/api/admin/applicants/${ids[0]}/state`, { state: 'hired' }),
      await client.get('/hiring/api/admin/funnel?start_date=2015-01-01&end_date=2015-01-31'),
      await client.post('/hiring/seed_data/5'),
      await client.get('/instacart_shopper/seed_data/5/'),
      await client.get('/instacart_shopper/seed_data/5'),
    ];
    for (const res of responses) {
      expect(res.statusCode).toBe(401);
      expect(res.json()).toEqual(ADMIN_REQUIRED);
    }
    expect(await service.count()).toBe(1);
  });

  it('leaves the applicant as it was when a logged-out caller tries to move it', async () => {
    const { client, ids, service } = await withApplicants(1);
    await client.post(`/hiring/api/admin/applicants/${ids[0]}/state`, { state: 'hired' });
    expect((await service.getApplicant(ids[0]!))?.workflow_state).toBe('applied');
  });

  it('lists applicants newest first, with search, state filter and paging', async () => {
    const { client, ids, service } = await withApplicants(5);
    await service.moveState(ids[1]!, 'hired');
    await service.moveState(ids[3]!, 'hired');
    await client.loginAsAdmin();

    const all = await client.get('/hiring/api/admin/applicants');
    expect(all.statusCode).toBe(200);
    expect(all.json()).toMatchObject({ total: 5, page: 1, per_page: 25 });
    expect(all.json().items.map((a: { id: number }) => a.id)).toEqual([...ids].reverse());

    const odd = await client.get('/hiring/api/admin/applicants?q=odd');
    expect(odd.json().items.map((a: { id: number }) => a.id)).toEqual([ids[4], ids[2], ids[0]]);
    const byEmail = await client.get('/hiring/api/admin/applicants?q=PERSON3%40');
    expect(byEmail.json().items.map((a: { id: number }) => a.id)).toEqual([ids[2]]);
    const byPhone = await client.get(
      `/hiring/api/admin/applicants?q=${encodeURIComponent('(415) 555-0104')}`,
    );
    expect(byPhone.json().items.map((a: { id: number }) => a.id)).toEqual([ids[3]]);

    const hired = await client.get('/hiring/api/admin/applicants?state=hired');
    expect(hired.json()).toMatchObject({ total: 2 });
    expect(hired.json().items.map((a: { id: number }) => a.id)).toEqual([ids[3], ids[1]]);
    const anyState = await client.get('/hiring/api/admin/applicants?state=');
    expect(anyState.json().total).toBe(5);

    const page2 = await client.get('/hiring/api/admin/applicants?page=2&per_page=2');
    expect(page2.json()).toMatchObject({ total: 5, page: 2, per_page: 2 });
    expect(page2.json().items.map((a: { id: number }) => a.id)).toEqual([ids[2], ids[1]]);
    const beyond = await client.get('/hiring/api/admin/applicants?page=9&per_page=2');
    expect(beyond.json()).toMatchObject({ total: 5, items: [] });
  });

  it.each([
    ['an unknown state', 'state=archived', /state/],
    ['page 0', 'page=0', /page/],
    ['a page that is not a number', 'page=two', /page/],
    ['per_page over 100', 'per_page=101', /per_page/],
    ['per_page 0', 'per_page=0', /per_page/],
    ['a search over 200 characters', `q=${'x'.repeat(201)}`, /q/],
  ])('returns 400 naming the parameter for %s in the applicant list', async (_name, query, message) => {
    const { client } = await withApplicants(0);
    await client.loginAsAdmin();
    const res = await client.get(`/hiring/api/admin/applicants?${query}`);
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatch(message);
  });

  it('gets one applicant, 404 naming the id when it does not exist, 400 when the id is not a positive whole number', async () => {
    const { client, ids, service } = await withApplicants(1);
    await client.loginAsAdmin();
    const found = await client.get(`/hiring/api/admin/applicants/${ids[0]}`);
    expect(found.statusCode).toBe(200);
    expect(found.json()).toEqual(await service.getApplicant(ids[0]!));
    const missing = await client.get('/hiring/api/admin/applicants/9999');
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toEqual({ error: 'applicant 9999 not found' });
    expect((await client.get('/hiring/api/admin/applicants/abc')).statusCode).toBe(400);
    expect((await client.get('/hiring/api/admin/applicants/0')).statusCode).toBe(400);
  });

  it('moves an applicant to another state with 200, and refuses its current state (409), an unknown state (400) or applicant (404)', async () => {
    const { client, ids, service } = await withApplicants(1);
    await client.loginAsAdmin();
    const moved = await client.post(`/hiring/api/admin/applicants/${ids[0]}/state`, {
      state: 'onboarding_requested',
    });
    expect(moved.statusCode).toBe(200);
    expect(moved.json()).toMatchObject({
      id: ids[0],
      workflow_state: 'onboarding_requested',
      updated_at: NOW,
    });
    expect((await service.getApplicant(ids[0]!))?.workflow_state).toBe('onboarding_requested');

    const same = await client.post(`/hiring/api/admin/applicants/${ids[0]}/state`, {
      state: 'onboarding_requested',
    });
    expect(same.statusCode).toBe(409);
    expect(same.json()).toEqual({
      error: `applicant ${ids[0]} is already Onboarding requested: nothing to change`,
    });
    const unknownState = await client.post(`/hiring/api/admin/applicants/${ids[0]}/state`, {
      state: 'archived',
    });
    expect(unknownState.statusCode).toBe(400);
    expect(unknownState.json().error).toMatch(/unknown state "archived" \(known: applied, .*rejected\)/);
    const noState = await client.post(`/hiring/api/admin/applicants/${ids[0]}/state`, {});
    expect(noState.statusCode).toBe(400);
    expect(noState.json().error).toMatch(/state is required/);
    const unknownApplicant = await client.post('/hiring/api/admin/applicants/9999/state', { state: 'hired' });
    expect(unknownApplicant.statusCode).toBe(404);
    expect(unknownApplicant.json()).toEqual({ error: 'applicant 9999 not found' });
    expect((await service.getApplicant(ids[0]!))?.workflow_state).toBe('onboarding_requested');
  });

  it('gives the admin funnel with weeks, totals and conversion rates between consecutive states', async () => {
    const { client, ids, service } = await withApplicants(6);
    // Applied 2015-01-01..06: one week 2014-12-29..2015-01-04 (4 applicants), one 2015-01-05..11 (2).
    await service.moveState(ids[0]!, 'hired');
    await service.moveState(ids[1]!, 'quiz_completed');
    await service.moveState(ids[2]!, 'quiz_started');
    await service.moveState(ids[5]!, 'rejected');
    await client.loginAsAdmin();
    const res = await client.get('/hiring/api/admin/funnel?start_date=2015-01-01&end_date=2015-01-06');
    expect(res.statusCode).toBe(200);
    const report = res.json();
    expect(report.start_date).toBe('2015-01-01');
    expect(report.end_date).toBe('2015-01-06');
    expect(report.weeks).toEqual([
      {
        week: '2014-12-29-2015-01-04',
        start: '2014-12-29',
        end: '2015-01-04',
        counts: { ...zeros(), hired: 1, quiz_completed: 1, quiz_started: 1, applied: 1 },
      },
      {
        week: '2015-01-05-2015-01-11',
        start: '2015-01-05',
        end: '2015-01-11',
        counts: { ...zeros(), applied: 1, rejected: 1 },
      },
    ]);
    expect(report.totals).toEqual({
      ...zeros(),
      applied: 2,
      quiz_started: 1,
      quiz_completed: 1,
      hired: 1,
      rejected: 1,
    });
    // Reached (current state or later, rejected aside): applied 5, quiz_started 3, quiz_completed 2, onboarding_* 1, hired 1.
    expect(report.conversions).toEqual([
      { from: 'applied', to: 'quiz_started', rate: 3 / 5 },
      { from: 'quiz_started', to: 'quiz_completed', rate: 2 / 3 },
      { from: 'quiz_completed', to: 'onboarding_requested', rate: 1 / 2 },
      { from: 'onboarding_requested', to: 'onboarding_completed', rate: 1 },
      { from: 'onboarding_completed', to: 'hired', rate: 1 },
    ]);
  });

  it('gives the admin funnel 400 with the problem named, and null rates for an empty range', async () => {
    const { client } = await withApplicants(0);
    await client.loginAsAdmin();
    const bad = await client.get('/hiring/api/admin/funnel?start_date=2015-02-29&end_date=2015-03-01');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error).toMatch(/start_date "2015-02-29"/);
    const missing = await client.get('/hiring/api/admin/funnel');
    expect(missing.statusCode).toBe(400);
    expect(missing.json().error).toMatch(/start_date, end_date/);
    const empty = await client.get('/hiring/api/admin/funnel?start_date=2015-01-01&end_date=2015-01-01');
    expect(empty.json().conversions.map((c: { rate: number | null }) => c.rate)).toEqual([
      null,
      null,
      null,
      null,
      null,
    ]);
  });
});

describe('hiring seed endpoints', () => {
  it.each(['/hiring/seed_data/', '/instacart_shopper/seed_data/'])(
    'refuses a count of 0 or over the limit at %s with 400 and creates nothing',
    async (prefix) => {
      const { client, service } = await setup();
      await client.loginAsAdmin();
      const call = (count: string) =>
        prefix.startsWith('/hiring') ? client.post(`${prefix}${count}`) : client.get(`${prefix}${count}/`);
      for (const count of ['0', String(MAX_HTTP_SEED + 1), '-5']) {
        const res = await call(count);
        expect(res.statusCode, count).toBe(400);
        expect(res.json().error, count).toMatch(new RegExp(`count must be between 1 and ${MAX_HTTP_SEED}`));
      }
      expect((await call('many')).statusCode).toBe(400);
      expect(await service.count()).toBe(0);
    },
  );

  it('creates N applicants with POST /hiring/seed_data/:count, applied in the last 182 days by default', async () => {
    const { client, db } = await setup();
    await client.loginAsAdmin();
    const res = await client.post('/hiring/seed_data/40');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ created: 40 });
    const rows = await allApplicants(db);
    expect(rows).toHaveLength(40);
    const earliest = new Date(Date.parse('2015-01-07T00:00:00Z') - 182 * DAY_MS).toISOString();
    for (const r of rows) expect(r.created_at >= earliest && r.created_at <= NOW, r.created_at).toBe(true);
  });

  it('creates N applicants with the original GET /instacart_shopper/seed_data/:count/, with or without the slash', async () => {
    const { client, service } = await setup();
    await client.loginAsAdmin();
    expect((await client.get('/instacart_shopper/seed_data/30/')).json()).toEqual({ created: 30 });
    expect((await client.get('/instacart_shopper/seed_data/12')).json()).toEqual({ created: 12 });
    expect(await service.count()).toBe(42);
  });

  it('refuses the GET seed route with 403 when another site sends the admin there, and seeds nothing', async () => {
    const { client, service } = await setup();
    await client.loginAsAdmin();
    for (const headers of <Record<string, string>[]>[
      { 'sec-fetch-site': 'cross-site' },
      { 'sec-fetch-site': 'same-site' },
      { origin: 'https://evil.example' },
      { origin: 'null' },
      { referer: 'https://evil.example/page.html' },
      { 'sec-fetch-site': 'none', referer: 'http://evil.example/' },
    ]) {
      const res = await client.get('/instacart_shopper/seed_data/5/', headers);
      expect(res.statusCode, JSON.stringify(headers)).toBe(403);
      expect(res.json().error).toMatch(/opened from another site.*POST \/hiring\/seed_data/);
    }
    expect(await service.count()).toBe(0);
  });

  it('seeds with the GET route from this site, typed in, or without any browser headers', async () => {
    const { client, service } = await setup();
    await client.loginAsAdmin();
    for (const headers of <Record<string, string>[]>[
      {},
      { 'sec-fetch-site': 'none' },
      { 'sec-fetch-site': 'same-origin', referer: 'http://localhost:80/hiring/admin' },
      { origin: 'http://localhost:80' },
    ]) {
      const res = await client.get('/instacart_shopper/seed_data/2', headers);
      expect(res.statusCode, JSON.stringify(headers)).toBe(200);
    }
    expect(await service.count()).toBe(8);
  });

  it('seeds between from and to, inclusive, and shows them in the funnel', async () => {
    const { client, db } = await setup();
    await client.loginAsAdmin();
    const res = await client.post('/hiring/seed_data/60?from=2014-03-01&to=2014-03-10');
    expect(res.json()).toEqual({ created: 60 });
    const rows = await allApplicants(db);
    for (const r of rows)
      expect(
        r.created_at >= '2014-03-01T00:00:00.000Z' && r.created_at <= '2014-03-10T23:59:59.999Z',
        r.created_at,
      ).toBe(true);
    const funnel = await client.get('/funnel.json?start_date=2014-03-01&end_date=2014-03-10');
    expect(funnel.json()).toEqual(expectedFunnel('2014-03-01', '2014-03-10', rows));
  });

  it('returns 400 naming from or to when they are not real dates or are reversed', async () => {
    const { client, service } = await setup();
    await client.loginAsAdmin();
    const badFrom = await client.post('/hiring/seed_data/5?from=2014-02-30');
    expect(badFrom.statusCode).toBe(400);
    expect(badFrom.json().error).toMatch(/^from "2014-02-30" is not a real calendar date/);
    const badTo = await client.post('/hiring/seed_data/5?to=tomorrow');
    expect(badTo.json().error).toMatch(/^to "tomorrow"/);
    const reversed = await client.post('/hiring/seed_data/5?from=2014-03-10&to=2014-03-01');
    expect(reversed.statusCode).toBe(400);
    expect(reversed.json().error).toMatch(/from 2014-03-10 is after to 2014-03-01/);
    expect(await service.count()).toBe(0);
  });
});
