// The uptime HTTP API on both databases: the seed's routes exactly (every status), Quintet's
// /api/uptime routes (reports, CSV, rows, stores), the upload import and the live polls feed.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterEach, expect, it } from 'vitest';
import { TestClient } from '../../../test/support/client.js';
import { multipart } from '../../../test/support/diffing.js';
import {
  createTestPlatform,
  describeEachDb,
  type DbKind,
  type TestPlatform,
} from '../../../test/support/platform.js';
import { V1, waitForReport, writeLines } from '../../../test/support/uptime.js';
import { buildApp } from '../../app.js';
import { fixedClock } from '../../platform/clock.js';
import { systemJobs } from '../../platform/system-runtime.js';
import { importUptimeFiles } from './import.js';
import { REPORT_CSV_HEADER } from './report.js';
import type { ReportView, RowsPage, StoreDetail } from './service.js';
import { uptimeSystem } from './system.js';

const TOKEN = 'feed-token-0123456789abcdef';
const platforms: TestPlatform[] = [];
const apps: FastifyInstance[] = [];
const dirs: string[] = [];
afterEach(async () => {
  while (apps.length) await apps.pop()!.close();
  while (platforms.length) await platforms.pop()!.dispose();
  while (dirs.length) fs.rmSync(dirs.pop()!, { recursive: true, force: true });
});

// The assignment's example: store "a" open 9:00-12:00 on Mondays (2024-01-01 is one), in UTC,
// polled at 10:14 (active) and 11:15 (inactive); store "b" has no hours (24x7) and one active poll.
const ROWS_AT_NOON = ['a,0.00,1.74,1.74,60.00,1.26,1.26', 'b,60.00,24.00,168.00,0.00,0.00,0.00'];
const NOON = '2024-01-01 12:00:00 UTC';

async function setup(kind: DbKind, options: { startWorkers?: boolean; data?: boolean } = {}) {
  const platform = await createTestPlatform(kind, {
    clock: fixedClock('2024-01-02T00:00:00Z'),
    env: { UPTIME_INGEST_TOKEN: TOKEN },
    systems: [uptimeSystem],
  });
  platforms.push(platform);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'quintet-uptime-routes-'));
  dirs.push(dir);
  if (options.data !== false) {
    await importUptimeFiles(platform.database, {
      status: {
        path: writeLines(dir, 'status.csv', [
          'store_id,status,timestamp_utc',
          'a,active,2024-01-01 10:14:00 UTC',
          'a,inactive,2024-01-01 11:15:00 UTC',
          'b,active,2024-01-01 08:00:00 UTC',
        ]),
      },
      hours: {
        path: writeLines(dir, 'hours.csv', [
          'store_id,dayOfWeek,start_time_local,end_time_local',
          'a,0,09:00:00,12:00:00',
        ]),
      },
      timezones: { path: writeLines(dir, 'tz.csv', ['store_id,timezone_str', 'a,UTC']) },
    });
  }
  const app = await buildApp(platform);
  apps.push(app);
  const startWorkers = async () => platform.jobs.startWorkers(await systemJobs(platform, [uptimeSystem]));
  if (options.startWorkers !== false) await startWorkers();
  const admin = new TestClient(app);
  await admin.loginAsAdmin();
  return { platform, app, admin, dir, startWorkers };
}

describeEachDb('uptime seed API', (kind) => {
  it('echoes, triggers a report, answers Running, then Complete with an absolute CSV URL or the CSV itself', async () => {
    const { app, startWorkers } = await setup(kind, { startWorkers: false });
    const echo = await app.inject({ method: 'GET', url: '/echo/hello%20there' });
    expect(echo.statusCode).toBe(200);
    expect(echo.json()).toBe('hello there');

    const posted = await app.inject({ method: 'POST', url: '/trigger_report' }); // no cookie, no CSRF token
    expect(posted.statusCode).toBe(200);
    const { report_id } = posted.json<{ report_id: string }>();
    expect(report_id).toMatch(/^[0-9a-f]{32}$/);
    const viaGet = (await app.inject({ method: 'GET', url: '/trigger_report' })).json<{
      report_id: string;
    }>();
    expect(viaGet.report_id).not.toBe(report_id);
    for (const headers of [{ 'sec-fetch-site': 'cross-site' }, { origin: 'https://elsewhere.example' }]) {
      const refused = await app.inject({ method: 'GET', url: '/trigger_report', headers });
      expect(refused.statusCode).toBe(403);
      expect(refused.json<{ error: string }>().error).toMatch(
        /^refused: a report was requested from another site/,
      );
    }
    const sameSite = await app.inject({
      method: 'POST',
      url: '/trigger_report',
      headers: { 'sec-fetch-site': 'same-origin' },
    });
    expect(sameSite.statusCode).toBe(200);

    const running = await app.inject({ method: 'GET', url: `/get_report?report_id=${report_id}` });
    expect(running.statusCode).toBe(200);
    expect(running.json()).toEqual({ status: 'Running' });

    await startWorkers();
    await waitForReport(app, report_id);
    const complete = await app.inject({
      method: 'GET',
      url: `/get_report?report_id=${report_id}`,
      headers: { host: 'uptime.example:8080' },
    });
    expect(complete.json()).toEqual({
      status: 'Complete',
      url: `http://uptime.example:8080/api/uptime/reports/${report_id}.csv`,
    });
    // "now" is the latest poll, 11:15: the hour (10:15, 11:15] splits at 10:44:30; the week also
    // holds the last 45 minutes of the Monday before (from 11:15), nearest to the active 10:14 poll.
    const expected =
      REPORT_CSV_HEADER + 'a,29.50,1.74,2.49,30.50,0.51,0.51\nb,60.00,24.00,168.00,0.00,0.00,0.00\n';
    const csv = await app.inject({
      method: 'GET',
      url: new URL(complete.json<{ url: string }>().url).pathname,
    });
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(csv.headers['content-disposition']).toContain('attachment');
    expect(csv.body).toBe(expected);
    const direct = await app.inject({
      method: 'GET',
      url: `/get_report?report_id=${report_id}`,
      headers: { accept: 'text/csv' },
    });
    expect(direct.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(direct.body).toBe(expected);
  });

  it('answers Failed with the error, 404 for an unknown id and 400 without one', async () => {
    const { app } = await setup(kind, { data: false });
    const { report_id } = (await app.inject({ method: 'POST', url: '/trigger_report' })).json<{
      report_id: string;
    }>();
    await waitForReport(app, report_id);
    const failed = await app.inject({ method: 'GET', url: `/get_report?report_id=${report_id}` });
    expect(failed.statusCode).toBe(200);
    expect(failed.json()).toEqual({ status: 'Failed', error: expect.stringContaining('there are no polls') });
    const unknown = await app.inject({ method: 'GET', url: `/get_report?report_id=${'0'.repeat(32)}` });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toEqual({ error: 'report not found' });
    expect((await app.inject({ method: 'GET', url: '/get_report?report_id=nonsense' })).statusCode).toBe(404);
    const missing = await app.inject({ method: 'GET', url: '/get_report' });
    expect(missing.statusCode).toBe(400);
    expect(missing.json()).toEqual({ error: 'report_id is required' });
  });
});

describeEachDb('uptime seed API limits', (kind) => {
  it('rate-limits triggering reports per client address', async () => {
    const platform = await createTestPlatform(kind, {
      env: { PUBLIC_WRITE_RATE_LIMIT: '2' },
      systems: [uptimeSystem],
    });
    platforms.push(platform);
    const app = await buildApp(platform);
    apps.push(app);
    const codes = [];
    for (let i = 0; i < 3; i++)
      codes.push((await app.inject({ method: 'POST', url: '/trigger_report' })).statusCode);
    expect(codes).toEqual([200, 200, 429]);
    expect((await app.inject({ method: 'GET', url: '/trigger_report' })).statusCode).toBe(429);
  });
});

describeEachDb('uptime API', (kind) => {
  it('runs a report at a given now for the admin, with status, list, CSV and 409 before it completes', async () => {
    const { app, admin, startWorkers } = await setup(kind, { startWorkers: false });
    const anonymous = new TestClient(app);
    expect((await anonymous.post('/api/uptime/reports', { now: NOON })).statusCode).toBe(401);
    expect((await admin.post('/api/uptime/reports', { now: NOON }, { csrf: false })).statusCode).toBe(403);
    const bad = await admin.post('/api/uptime/reports', { now: 'tomorrow' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json<{ error: string }>().error).toMatch(/^now: 'tomorrow' is not a timestamp/);

    const created = await admin.post('/api/uptime/reports', { now: NOON });
    expect(created.statusCode).toBe(202);
    const report = created.json<ReportView>();
    expect(report).toMatchObject({
      status: 'queued',
      progress: 0,
      now: '2024-01-01T12:00:00.000Z',
      createdAt: '2024-01-02T00:00:00.000Z',
      startedAt: null,
      csvUrl: null,
    });
    const early = await app.inject({ method: 'GET', url: `/api/uptime/reports/${report.id}.csv` });
    expect(early.statusCode).toBe(409);
    expect(early.json()).toMatchObject({ error: 'report is not complete' });
    expect(
      (await app.inject({ method: 'GET', url: `/api/uptime/reports/${report.id}/rows` })).statusCode,
    ).toBe(409);

    await startWorkers();
    const done = await waitForReport(app, report.id);
    expect(done).toMatchObject({
      status: 'complete',
      progress: 100,
      now: '2024-01-01T12:00:00.000Z',
      stores: 2,
      pollsRead: 3,
      error: null,
      csvUrl: `/api/uptime/reports/${report.id}.csv`,
    });
    expect(done.startedAt).not.toBeNull();
    expect(done.durationMs).toBeGreaterThanOrEqual(0);
    const csv = await app.inject({ method: 'GET', url: done.csvUrl! });
    expect(csv.body).toBe(REPORT_CSV_HEADER + ROWS_AT_NOON.map((r) => `${r}\n`).join(''));

    expect((await anonymous.get('/api/uptime/reports')).statusCode).toBe(401);
    const list = (await admin.get('/api/uptime/reports')).json<{ reports: ReportView[] }>();
    expect(list.reports.map((r) => r.id)).toEqual([report.id]);
    expect(
      (await app.inject({ method: 'GET', url: `/api/uptime/reports/${'f'.repeat(32)}` })).statusCode,
    ).toBe(404);
    expect(
      (await app.inject({ method: 'GET', url: `/api/uptime/reports/${'f'.repeat(32)}.csv` })).statusCode,
    ).toBe(404);
  });

  it("pages, sorts and filters a report's rows, with the totals of the whole report", async () => {
    const { platform, app, admin } = await setup(kind);
    await importUptimeFiles(platform.database, {
      status: { path: path.join(V1, 'store_status_first10k_rows.csv') },
    });
    const id = (
      await admin.post('/api/uptime/reports', { now: '2023-01-25 18:13:22 UTC' })
    ).json<ReportView>().id;
    const done = await waitForReport(app, id);
    expect(done.status).toBe('complete');
    const csvLines = (await app.inject({ method: 'GET', url: done.csvUrl! })).body
      .trim()
      .split('\n')
      .slice(1);
    const rows = (query: string) =>
      app.inject({ method: 'GET', url: `/api/uptime/reports/${id}/rows${query}` });

    const first = (await rows('')).json<RowsPage>();
    expect(first.total).toBe(csvLines.length);
    expect(first).toMatchObject({ offset: 0, limit: 50 });
    expect(first.totals.stores).toBe(csvLines.length);
    const sumOf = (col: number) =>
      Math.round(csvLines.reduce((s, l) => s + Number(l.split(',')[col]), 0) * 100) / 100;
    expect(first.totals.uptime_last_week).toBeCloseTo(sumOf(3), 2);
    expect(first.totals.downtime_last_hour).toBeCloseTo(sumOf(4), 2);
    expect(first.rows.map((r) => r.store_id)).toEqual(csvLines.slice(0, 50).map((l) => l.split(',')[0]));

    const byDown = (await rows('?sort=downtime_last_week&dir=desc&offset=10&limit=5')).json<RowsPage>();
    const sorted = csvLines
      .map((l) => l.split(','))
      .sort((x, y) => Number(y[6]) - Number(x[6]) || (x[0]! < y[0]! ? -1 : 1));
    expect(byDown.rows.map((r) => [r.store_id, r.downtime_last_week])).toEqual(
      sorted.slice(10, 15).map((l) => [l[0], Number(l[6])]),
    );
    const q = csvLines[7]!.split(',')[0]!.slice(3, 12);
    const filtered = (await rows(`?q=${q}`)).json<RowsPage>();
    expect(filtered.total).toBe(csvLines.filter((l) => l.split(',')[0]!.includes(q)).length);
    expect(filtered.rows.every((r) => r.store_id.includes(q))).toBe(true);
    expect((await rows('?dir=desc&limit=1')).json<RowsPage>().rows[0]!.store_id).toBe(
      csvLines.at(-1)!.split(',')[0],
    );

    for (const [query, message] of [
      ['?sort=nope', 'sort must be one of store_id, uptime_last_hour'],
      ['?dir=up', 'dir must be asc or desc, got "up"'],
      ['?limit=501', 'limit must be a whole number from 1 to 500, got "501"'],
      ['?limit=0', 'limit must be a whole number from 1 to 500'],
      ['?offset=-1', 'offset must be a whole number'],
    ] as const) {
      const response = await rows(query);
      expect(response.statusCode, query).toBe(400);
      expect(response.json<{ error: string }>().error).toContain(message);
    }
  });

  it("shows a store's hours, figures and week timeline for the admin; searches stores", async () => {
    const { app, admin } = await setup(kind);
    expect((await new TestClient(app).get('/api/uptime/stores/a')).statusCode).toBe(401);
    const detail = (
      await admin.get(`/api/uptime/stores/a?now=${encodeURIComponent(NOON)}`)
    ).json<StoreDetail>();
    expect(detail).toEqual({
      store_id: 'a',
      timezone: 'UTC',
      timezoneDefaulted: false,
      hours: [{ dayOfWeek: 0, start: '09:00:00', end: '12:00:00' }],
      now: '2024-01-01T12:00:00.000Z',
      figures: {
        uptime_last_hour: 0,
        uptime_last_day: 1.74,
        uptime_last_week: 1.74,
        downtime_last_hour: 60,
        downtime_last_day: 1.26,
        downtime_last_week: 1.26,
      },
      timeline: {
        from: '2023-12-25T12:00:00.000Z',
        to: '2024-01-01T12:00:00.000Z',
        business: [{ start: '2024-01-01T09:00:00.000Z', end: '2024-01-01T12:00:00.000Z' }],
        polls: [
          { at: '2024-01-01T10:14:00.000Z', status: 'active', inBusinessHours: true },
          { at: '2024-01-01T11:15:00.000Z', status: 'inactive', inBusinessHours: true },
        ],
        periods: [
          { start: '2024-01-01T09:00:00.000Z', end: '2024-01-01T10:44:30.000Z', status: 'up' },
          { start: '2024-01-01T10:44:30.000Z', end: '2024-01-01T12:00:00.000Z', status: 'down' },
        ],
      },
    });
    const b = (await admin.get('/api/uptime/stores/b')).json<StoreDetail>();
    expect(b).toMatchObject({
      timezone: 'America/Chicago',
      timezoneDefaulted: true,
      hours: [],
      now: '2024-01-01T11:15:00.000Z',
    });
    expect(b.timeline.periods).toEqual([
      { start: '2023-12-25T11:15:00.000Z', end: '2024-01-01T11:15:00.000Z', status: 'up' },
    ]);
    const unknown = await admin.get('/api/uptime/stores/zzz');
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toEqual({ error: 'no store "zzz"' });
    expect((await admin.get('/api/uptime/stores/a?now=yesterday')).statusCode).toBe(400);

    expect((await admin.get('/api/uptime/stores?q=a')).json()).toEqual({
      stores: [{ store_id: 'a', polls: 2 }],
    });
    expect((await admin.get('/api/uptime/stores')).json()).toEqual({
      stores: [
        { store_id: 'a', polls: 2 },
        { store_id: 'b', polls: 1 },
      ],
    });
    expect((await admin.get('/api/uptime/stores?q=%25')).json()).toEqual({ stores: [] });
  });

  it('takes live polls from the admin (with CSRF) or the ingest token (no cookie), and from nobody else', async () => {
    const { app, admin } = await setup(kind);
    const polls = [
      { store_id: 'c', status: 'active', timestamp_utc: '2024-01-01T12:00:00Z' },
      { store_id: 'a', status: 'active', timestamp_utc: '2024-01-01 10:14:00 UTC' }, // already stored
      { store_id: 'c', status: 'broken', timestamp_utc: '2024-01-01T12:30:00Z' },
    ];
    const post = (headers: Record<string, string>, body: unknown = { polls }) =>
      app.inject({ method: 'POST', url: '/api/uptime/polls', headers, payload: body as object });
    expect((await post({})).statusCode).toBe(401);
    expect((await post({ authorization: 'Bearer wrong-token-0123456789' })).statusCode).toBe(401);
    const byToken = await post({ authorization: `Bearer ${TOKEN}` });
    expect(byToken.statusCode).toBe(200);
    expect(byToken.json()).toEqual({
      stored: 1,
      duplicates: 1,
      rejected: [{ index: 2, reason: expect.stringContaining("unknown status 'broken'") }],
    });
    expect((await admin.post('/api/uptime/polls', polls, { csrf: false })).statusCode).toBe(403);
    const byAdmin = await admin.post('/api/uptime/polls', polls);
    expect(byAdmin.statusCode).toBe(200);
    expect(byAdmin.json()).toMatchObject({ stored: 0, duplicates: 2 });
    const tooMany = await post({ authorization: `Bearer ${TOKEN}` }, new Array(10_001).fill(polls[0]));
    expect(tooMany.statusCode).toBe(400);
    expect(tooMany.json()).toEqual({ error: 'at most 10000 polls a request, got 10001' });
    const shapeless = await post({ authorization: `Bearer ${TOKEN}` }, { nope: 1 });
    expect(shapeless.statusCode).toBe(400);
    expect(shapeless.json<{ error: string }>().error).toMatch(/^send a JSON array of polls/);
  });

  it('imports an upload for the admin and refuses a file without its columns, naming them', async () => {
    const { app, admin } = await setup(kind, { data: false });
    const form = await multipart({
      status: {
        filename: 'status.csv',
        content: 'store_id,status,timestamp_utc\nz,active,2024-01-01 10:00:00 UTC\nz,up,x\n',
      },
      timezones: { filename: 'tz.csv', content: 'store_id,timezone_str\nz,Asia/Kathmandu' },
    });
    expect(
      (await new TestClient(app).post('/api/uptime/import', form.body, { headers: form.headers })).statusCode,
    ).toBe(401);
    const imported = await admin.post('/api/uptime/import', form.body, { headers: form.headers });
    expect(imported.statusCode).toBe(200);
    const summary = imported.json<{
      files: { file: string; loaded: number; rejected: number; rejections: unknown[] }[];
    }>();
    expect(summary.files.map((f) => [f.file, f.loaded, f.rejected])).toEqual([
      ['timezones', 1, 0],
      ['status', 1, 1],
    ]);
    expect(summary.files[1]!.rejections).toEqual([
      { line: 3, reason: expect.stringContaining("unknown status 'up'") },
    ]);
    const badHeader = await multipart({ hours: { filename: 'hours.csv', content: 'store_id,day\n' } });
    const refused = await admin.post('/api/uptime/import', badHeader.body, { headers: badHeader.headers });
    expect(refused.statusCode).toBe(400);
    expect(refused.json()).toEqual({
      error:
        'hours file hours.csv: missing columns start_time_local, end_time_local (expected store_id,dayOfWeek,start_time_local,end_time_local)',
    });
    const other = await multipart({ polls: { filename: 'p.csv', content: 'x' } });
    const unexpected = await admin.post('/api/uptime/import', other.body, { headers: other.headers });
    expect(unexpected.statusCode).toBe(400);
    expect(unexpected.json()).toEqual({
      error:
        'unexpected file field "polls" (send files status, hours, timezones (any of them, each at most once))',
    });
    expect((await admin.post('/api/uptime/import', {})).statusCode).toBe(400);
  });
});
