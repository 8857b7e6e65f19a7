import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { TestClient } from '../../../test/support/client.js';
import {
  createTestPlatform,
  describeEachDb,
  type DbKind,
  type TestPlatform,
} from '../../../test/support/platform.js';
import { buildApp } from '../../app.js';
import { fixedClock } from '../../platform/clock.js';
import { CSV_HEADER } from './service.js';
import { surveysSystem } from './system.js';

const NOW = '2026-12-03T07:00:00.000Z';
const ADMIN_REQUIRED = { error: 'admin login required' };
const NO_RESPONSE = { error: 'no response' };
const OTHER_ID = '00000000-0000-4000-8000-000000000000';

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
    systems: [surveysSystem],
  });
  platforms.push(platform);
  const app = await buildApp(platform, options.webDist ? { webDist: options.webDist } : {});
  apps.push(app);
  const admin = new TestClient(app);
  await admin.loginAsAdmin();
  return { platform, app, clock, respondent: new TestClient(app), admin };
}

const patch = (client: TestClient, id: string, body: unknown, headers?: Record<string, string>) =>
  client.request('PATCH', `/api/surveys/responses/${id}`, { body, headers });
const required = { name: 'Ann', email: 'ann@example.com', age: 30, about: 'Hello' };

async function started(client: TestClient, answers: Record<string, unknown> = {}) {
  const res = await client.post('/api/surveys/responses', { answers });
  expect(res.statusCode).toBe(201);
  return res.json<{ id: string }>().id;
}

describeEachDb('surveys HTTP API', (kind) => {
  it('creates a response (201) and sets a signed HttpOnly respondent cookie holding its id', async () => {
    const { app } = await setup({ kind });
    const client = new TestClient(app);
    const res = await client.post('/api/surveys/responses', { answers: { name: 'Ann' }, step: 1 });
    expect(res.statusCode).toBe(201);
    const body = res.json();
    expect(body).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      step: 1,
      answers: { name: 'Ann' },
      completed: false,
      createdAt: NOW,
      updatedAt: NOW,
      completedAt: null,
    });
    const cookie = res.cookies.find((c) => c.name === 'survey_respondent')!;
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/' });
    expect(cookie.value).toContain(body.id); // signed: id.expiry.signature
    expect(cookie.value).not.toBe(body.id);
    // Without a body too (the page creates on the first keystroke or on load).
    const empty = await client.request('POST', '/api/surveys/responses');
    expect(empty.statusCode).toBe(201);
    expect(empty.json().answers).toEqual({});
  });

  it('resumes from the cookie, else from the X-Survey-Respondent header; 404 without either', async () => {
    const { app, respondent } = await setup({ kind });
    const id = await started(respondent, { name: 'Ann' });
    expect((await patch(respondent, id, { answers: { email: 'ann@example.com' }, step: 2 })).statusCode).toBe(
      200,
    );
    const current = await respondent.get('/api/surveys/responses/current');
    expect(current.statusCode).toBe(200);
    expect(current.json()).toMatchObject({ id, step: 2, answers: { name: 'Ann', email: 'ann@example.com' } });
    expect(current.headers['cache-control']).toBe('no-store');
    const cookieless = new TestClient(app);
    const byHeader = await cookieless.get('/api/surveys/responses/current', { 'x-survey-respondent': id });
    expect(byHeader.json().id).toBe(id);
    const nothing = await cookieless.get('/api/surveys/responses/current');
    expect([nothing.statusCode, nothing.json()]).toEqual([404, NO_RESPONSE]);
    const unknown = await cookieless.get('/api/surveys/responses/current', {
      'x-survey-respondent': OTHER_ID,
    });
    expect(unknown.statusCode).toBe(404);
    // The header works for writes too (the cookie was lost).
    expect(
      (await patch(cookieless, id, { answers: { book: 'Emma' } }, { 'x-survey-respondent': id })).statusCode,
    ).toBe(200);
  });

  it("answers 404 to a request for someone else's response, and changes nothing", async () => {
    const { app, respondent } = await setup({ kind });
    const id = await started(respondent, { name: 'Ann' });
    const intruder = new TestClient(app);
    await started(intruder);
    for (const res of [
      await patch(intruder, id, { answers: { name: 'Mallory' } }),
      await intruder.post(`/api/surveys/responses/${id}/complete`),
      await patch(intruder, id, { answers: { name: 'Mallory' } }, { 'x-survey-respondent': OTHER_ID }),
    ])
      expect([res.statusCode, res.json()]).toEqual([404, NO_RESPONSE]);
    expect((await respondent.get('/api/surveys/responses/current')).json().answers).toEqual({ name: 'Ann' });
  });

  it('answers 400 naming each bad field and saves nothing of that request', async () => {
    const { respondent } = await setup({ kind });
    const id = await started(respondent, { name: 'Ann' });
    const res = await patch(respondent, id, { answers: { name: 'Bob', email: 'bob@', age: 17 } });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({
      error: 'Please correct the highlighted answers',
      fields: {
        email: 'Enter a valid email address, like name@example.com',
        age: 'Choose an age from 18 to 100',
      },
    });
    const one = await patch(respondent, id, { answers: { colours: ['Pink'] } });
    expect(one.json().error).toMatch(/^Choose colours from the list/);
    const step = await patch(respondent, id, { answers: {}, step: 9 });
    expect(step.json().fields).toEqual({ step: 'The step must be a whole number from 1 to 4' });
    expect((await respondent.get('/api/surveys/responses/current')).json().answers).toEqual({ name: 'Ann' });
  });

  it('clears with null and replaces the colour set as a whole; the same PATCH twice answers the same', async () => {
    const { respondent, clock } = await setup({ kind });
    const id = await started(respondent);
    const first = await patch(respondent, id, { answers: { colours: ['Red', 'Blue'], book: 'Emma' } });
    clock.set('2026-12-03T07:01:00.000Z');
    const again = await patch(respondent, id, { answers: { colours: ['Blue', 'Red'], book: 'Emma' } });
    expect(again.json()).toEqual(first.json());
    const next = await patch(respondent, id, { answers: { colours: ['White'], book: null } });
    expect(next.json()).toMatchObject({
      answers: { colours: ['White'] },
      updatedAt: '2026-12-03T07:01:00.000Z',
    });
  });

  it('completes (200), asks for missing required answers (400), refuses a used email (409) and edits afterwards (409)', async () => {
    const { app, respondent } = await setup({ kind });
    const id = await started(respondent, { name: 'Ann' });
    const missing = await respondent.post(`/api/surveys/responses/${id}/complete`);
    expect(missing.statusCode).toBe(400);
    expect(missing.json()).toEqual({
      error: 'Please answer the required questions',
      fields: {
        email: 'Please fill in your email',
        age: 'Please fill in your age',
        about: 'Please fill in about me',
      },
    });
    await patch(respondent, id, { answers: required });
    const done = await respondent.post(`/api/surveys/responses/${id}/complete`);
    expect(done.statusCode).toBe(200);
    expect(done.json()).toMatchObject({ completed: true, completedAt: NOW });
    const edit = await patch(respondent, id, { answers: { name: 'Ann B' } });
    expect([edit.statusCode, edit.json()]).toEqual([409, { error: 'Survey already submitted.' }]);
    expect((await respondent.post(`/api/surveys/responses/${id}/complete`)).statusCode).toBe(409);

    const other = new TestClient(app);
    const second = await started(other, { ...required, email: 'ANN@example.com' });
    const used = await other.post(`/api/surveys/responses/${second}/complete`);
    expect(used.statusCode).toBe(409);
    expect(used.json()).toEqual({
      error: 'this email has already been used for a completed survey',
      fields: { email: 'This email has already been used for a completed survey; use another one' },
    });
  });

  it('lists, filters, sorts and pages for the admin, with an ETag and 304 until something changes', async () => {
    const { admin, respondent, clock } = await setup({ kind });
    const a = await started(respondent, { ...required, age: 50 });
    await respondent.post(`/api/surveys/responses/${a}/complete`);
    clock.set('2026-12-03T07:01:00.000Z');
    await started(respondent, { name: 'Bea', age: 20 });
    const list = await admin.get('/api/surveys/responses?sort=age&dir=asc&limit=1');
    expect(list.statusCode).toBe(200);
    expect(list.json()).toMatchObject({ total: 2, offset: 0, limit: 1, eventId: 3 });
    expect(list.json().rows.map((r: { answers: { name: string } }) => r.answers.name)).toEqual(['Bea']);
    const etag = list.headers.etag as string;
    expect(etag).toMatch(/^W\/"l3-/);
    const cached = await admin.get('/api/surveys/responses?sort=age&dir=asc&limit=1', {
      'if-none-match': etag,
    });
    expect([cached.statusCode, cached.body]).toEqual([304, '']);
    // Another query is another entity.
    expect(
      (await admin.get('/api/surveys/responses?sort=age&dir=desc&limit=1', { 'if-none-match': etag }))
        .statusCode,
    ).toBe(200);
    const completed = await admin.get('/api/surveys/responses?status=completed');
    expect(completed.json()).toMatchObject({ total: 1, limit: 25 });
    await patch(respondent, (await respondent.get('/api/surveys/responses/current')).json().id, {
      answers: { book: 'Emma' },
    });
    const changed = await admin.get('/api/surveys/responses?sort=age&dir=asc&limit=1', {
      'if-none-match': etag,
    });
    expect(changed.statusCode).toBe(200);
    // Newest first by default.
    const rows = (await admin.get('/api/surveys/responses')).json().rows as { answers: { name: string } }[];
    expect(rows.map((r) => r.answers.name)).toEqual(['Bea', 'Ann']);
  });

  it('refuses bad list parameters with 400 naming them', async () => {
    const { admin } = await setup({ kind });
    for (const [query, word] of [
      ['limit=201', 'limit'],
      ['limit=0', 'limit'],
      ['offset=-1', 'offset'],
      ['sort=password', 'sort'],
      ['dir=up', 'dir'],
      ['status=done', 'status'],
    ]) {
      const res = await admin.get(`/api/surveys/responses?${query}`);
      expect(res.statusCode, query).toBe(400);
      expect(res.json().error).toContain(word);
    }
  });

  it('serves the summary with an ETag, 304 on If-None-Match, and new figures after a change', async () => {
    const { admin, respondent } = await setup({ kind });
    const empty = await admin.get('/api/surveys/summary');
    expect(empty.json()).toEqual({
      completed: 0,
      inProgress: 0,
      averageAge: null,
      gender: { Female: 0, Male: 0, 'Non-binary': 0, 'Prefer not to say': 0 },
      topColours: [],
      updatedAt: null,
      eventId: 0,
    });
    const id = await started(respondent, { ...required, age: 33, gender: 'Female', colours: ['Green'] });
    await patch(respondent, id, { answers: { colours: ['Green', 'Red'] } });
    const res = await admin.get('/api/surveys/summary');
    expect(res.json()).toMatchObject({
      inProgress: 1,
      averageAge: 33,
      gender: { Female: 1 },
      topColours: [
        { colour: 'Red', count: 1 },
        { colour: 'Green', count: 1 },
      ],
      updatedAt: NOW,
      eventId: 2,
    });
    expect(res.headers.etag).toBe('W/"s2"');
    expect(res.headers['cache-control']).toBe('private, no-cache');
    expect((await admin.get('/api/surveys/summary', { 'if-none-match': 'W/"s2"' })).statusCode).toBe(304);
    expect((await admin.get('/api/surveys/summary', { 'if-none-match': '"s1", "s2"' })).statusCode).toBe(304);
    await respondent.post(`/api/surveys/responses/${id}/complete`);
    const after = await admin.get('/api/surveys/summary', { 'if-none-match': 'W/"s2"' });
    expect([after.statusCode, after.json().completed, after.json().inProgress]).toEqual([200, 1, 0]);
  });

  it('deletes a response (204), then 404; the respondent no longer finds it', async () => {
    const { admin, respondent } = await setup({ kind });
    const id = await started(respondent, { name: 'Ann' });
    const res = await admin.request('DELETE', `/api/surveys/responses/${id}`);
    expect([res.statusCode, res.body]).toEqual([204, '']);
    expect((await admin.request('DELETE', `/api/surveys/responses/${id}`)).statusCode).toBe(404);
    expect((await respondent.get('/api/surveys/responses/current')).statusCode).toBe(404);
    expect((await admin.get('/api/surveys/summary')).json()).toMatchObject({ inProgress: 0, eventId: 2 });
  });

  it('exports CSV with the status filter: header, colours joined by ";", formulas kept as text', async () => {
    const { admin, respondent, app } = await setup({ kind });
    const a = await started(respondent, {
      ...required,
      name: '=HYPERLINK("x")',
      colours: ['Red', 'Blue'],
      about: 'line1\nline2, more',
    });
    await respondent.post(`/api/surveys/responses/${a}/complete`);
    await started(new TestClient(app), { name: 'Bea' });
    const res = await admin.get('/api/surveys/responses.csv?status=completed');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toBe('attachment; filename="surveys-completed.csv"');
    const [header, ...rest] = res.body.split('\n');
    expect(header).toBe(CSV_HEADER.join(','));
    expect(CSV_HEADER).toEqual([
      'id',
      'name',
      'email',
      'age',
      'about',
      'address',
      'gender',
      'book',
      'colours',
      'completed',
      'created_at',
      'updated_at',
      'completed_at',
    ]);
    expect(rest.join('\n')).toBe(
      `${a},"'=HYPERLINK(""x"")",ann@example.com,30,"line1\nline2, more",,,,Red;Blue,true,${NOW},${NOW},${NOW}\n`,
    );
    const all = await admin.get('/api/surveys/responses.csv');
    expect(all.body.trim().split('\n')).toHaveLength(4); // header, two records (one over two lines)
  });

  it('keeps every admin route behind the admin login (401)', async () => {
    const { respondent } = await setup({ kind });
    const id = await started(respondent);
    for (const [method, url] of [
      ['GET', '/api/surveys/summary'],
      ['GET', '/api/surveys/responses'],
      ['GET', '/api/surveys/responses.csv'],
      ['GET', '/api/surveys/events'],
      ['DELETE', `/api/surveys/responses/${id}`],
    ] as const) {
      const res = await respondent.request(method, url);
      expect([res.statusCode, res.json()], url).toEqual([401, ADMIN_REQUIRED]);
    }
  });
});

describe('surveys HTTP limits and pages', () => {
  it('refuses writes without the CSRF token (403)', async () => {
    const { respondent } = await setup();
    const id = await started(respondent);
    const res = await respondent.request('PATCH', `/api/surveys/responses/${id}`, {
      body: { answers: {} },
      csrf: false,
    });
    expect(res.statusCode).toBe(403);
    expect((await respondent.post('/api/surveys/responses', {}, { csrf: false })).statusCode).toBe(403);
  });

  it('refuses a body over 16 KiB (413)', async () => {
    const { respondent } = await setup();
    const id = await started(respondent);
    const res = await patch(respondent, id, { answers: { about: 'x'.repeat(17_000) } });
    expect(res.statusCode).toBe(413);
    // Just under: the field rule answers instead.
    expect(
      (await patch(respondent, id, { answers: { about: 'x'.repeat(2001) } })).json().fields.about,
    ).toMatch(/2,000/);
  });

  it('rate-limits saves with their own limit (SURVEYS_SAVE_RATE_LIMIT) and creates with the public-write one', async () => {
    const { respondent } = await setup({
      env: { SURVEYS_SAVE_RATE_LIMIT: '3', PUBLIC_WRITE_RATE_LIMIT: '2' },
    });
    const id = await started(respondent);
    const codes = [];
    for (let i = 0; i < 4; i++)
      codes.push((await patch(respondent, id, { answers: { book: `B${i}` } })).statusCode);
    expect(codes).toEqual([200, 200, 200, 429]);
    expect((await respondent.post('/api/surveys/responses')).statusCode).toBe(201);
    expect((await respondent.post('/api/surveys/responses')).statusCode).toBe(429);
  });

  it('serves the survey page publicly and the dashboard to the admin only', async () => {
    const webDist = fs.mkdtempSync(path.join(os.tmpdir(), 'quintet-web-'));
    dirs.push(webDist);
    for (const [dir, title] of [
      ['surveys', 'Survey'],
      ['surveys/dashboard', 'Dashboard'],
    ] as const) {
      fs.mkdirSync(path.join(webDist, dir), { recursive: true });
      fs.writeFileSync(path.join(webDist, dir, 'index.html'), `<title>${title}</title>`);
    }
    const { app, admin } = await setup({ webDist });
    const visitor = new TestClient(app);
    expect((await visitor.get('/survey')).body).toBe('<title>Survey</title>');
    const redirect = await visitor.get('/dashboard');
    expect([redirect.statusCode, redirect.headers.location]).toEqual([302, '/admin/login?next=%2Fdashboard']);
    expect((await admin.get('/dashboard')).body).toBe('<title>Dashboard</title>');
  });

  it('documents every route in /docs', async () => {
    const { app } = await setup();
    const doc = (await app.inject('/docs/json')).json<{ paths: Record<string, Record<string, unknown>> }>();
    expect(Object.keys(doc.paths['/api/surveys/responses']!).sort()).toEqual(['get', 'post']);
    expect(Object.keys(doc.paths['/api/surveys/responses/{id}']!).sort()).toEqual(['delete', 'patch']);
    for (const p of [
      '/api/surveys/responses/current',
      '/api/surveys/responses/{id}/complete',
      '/api/surveys/summary',
      '/api/surveys/responses.csv',
      '/api/surveys/events',
    ])
      expect(doc.paths, p).toHaveProperty([p]);
  });
});
