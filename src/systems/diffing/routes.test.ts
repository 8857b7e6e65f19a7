import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { TestClient } from '../../../test/support/client.js';
import {
  C_REVENUE_HEADER,
  REVENUE_HEADER,
  csvText,
  filesUnder,
  multipart,
  waitFor,
  waitForJob,
  writeCsv,
} from '../../../test/support/diffing.js';
import {
  createTestPlatform,
  describeEachDb,
  type DbKind,
  type TestPlatform,
} from '../../../test/support/platform.js';
import { loadConfig } from '../../config.js';
import { buildApp } from '../../app.js';
import { fixedClock } from '../../platform/clock.js';
import { systemJobs } from '../../platform/system-runtime.js';
import { diffingSettings } from './settings.js';
import { diffingSystem } from './system.js';
import { deletedArtifactKey, diffArtifactKey, previewArtifactKey } from './artifact-keys.js';
import { diffJobDefinition, type DiffJobPayload } from './diff-job.js';
import { METRICS } from './metric-definitions.js';
import { RETENTION_JOB } from './retention-job.js';
import { createDiffingService, type DiffJobView } from './service.js';

const NOW = '2026-03-10T12:00:00.000Z';
const DAY_MS = 86_400_000;

const platforms: TestPlatform[] = [];
const apps: FastifyInstance[] = [];
afterEach(async () => {
  while (apps.length) await apps.pop()!.close();
  while (platforms.length) await platforms.pop()!.dispose();
});

/** Starts a diff of the saved revenue exports through the seed's route; returns its job id. */
async function startRevenueDiff(app: FastifyInstance): Promise<number> {
  return (await app.inject({ method: 'GET', url: '/api/diffing/new/revenue' })).json<{ job_id: number }>()
    .job_id;
}

async function setup(options: { env?: Record<string, string>; startWorkers?: boolean; kind?: DbKind } = {}) {
  const clock = fixedClock(NOW);
  const platform = await createTestPlatform(options.kind ?? 'sqlite', {
    clock,
    env: options.env,
    systems: [diffingSystem],
  });
  platforms.push(platform);
  const app = await buildApp(platform);
  apps.push(app);
  const startWorkers = async () => platform.jobs.startWorkers(await systemJobs(platform, [diffingSystem]));
  if (options.startWorkers !== false) await startWorkers();
  return {
    platform,
    app,
    clock,
    startWorkers,
    client: new TestClient(app),
    service: createDiffingService(platform, diffingSettings(platform.config)),
    dataDir: diffingSettings(platform.config).dataDir,
    artifactDir: platform.config.artifactDir,
  };
}

// A revenue export pair; each row says what a correct diff makes of it.
const unchangedExact = '2020-01-01,shipping_province,states,"Western Australia, ""WA""",WA,revenue,50';
const unchangedCloseOld = '2020-01-01,,,,,revenue,100';
const unchangedCloseNew = '2020-01-01,,,,,revenue,100.0000000001'; // within rel_tol 1e-9
const changedOld = '2020-01-02,,,,,revenue,200';
const changedNew = '2020-01-02,,,,,revenue,2.5e2'; // 250: changed, bytes kept as written
const deletedRow = '2020-01-03,,,,,revenue,300';
const addedDate = '2020-01-04,,,,,revenue,"400.50"'; // a key the old file lacks; quoting kept
const addedSegment = '2020-01-01,shipping_province,states,New South Wales,NSW,revenue,50'; // same date, other segment

const REVENUE = {
  old: [REVENUE_HEADER, unchangedCloseOld, changedOld, deletedRow, unchangedExact],
  new: [REVENUE_HEADER, addedDate, unchangedCloseNew, changedNew, unchangedExact, addedSegment],
  /** The new header, then the new and changed rows in new-file order. */
  diff: [REVENUE_HEADER, addedDate, changedNew, addedSegment],
  deleted: [REVENUE_HEADER, deletedRow],
};

function writeRevenuePair(dataDir: string, pair: { old: string[]; new: string[] } = REVENUE) {
  writeCsv(dataDir, 'revenue_old.csv', pair.old);
  writeCsv(dataDir, 'revenue_new.csv', pair.new);
}

/** The in-process queue's row of a diff job (the platform's bookkeeping, not the diffing system's). */
async function queueRow(platform: TestPlatform, jobId: number) {
  const db = platform.db as Kysely<{ platform_jobs: { key: string; status: string; attempts: number } }>;
  return db
    .selectFrom('platform_jobs')
    .select(['status', 'attempts'])
    .where('key', 'like', `diffing-${jobId}-%`)
    .executeTakeFirst();
}

const errorOf = (response: { json<T>(): T }) => response.json<{ error: string }>().error;

describe('diffing API: jobs on the data directory files', () => {
  it('GET /api/diffing/new/revenue returns an integer job id, and once done the job serves the new header and the new and changed rows as a CSV download', async () => {
    const { app, dataDir } = await setup();
    writeRevenuePair(dataDir);

    const created = await app.inject({ method: 'GET', url: '/api/diffing/new/revenue' });
    expect(created.statusCode).toBe(200);
    expect(created.json()).toEqual({ job_id: 1 });

    expect((await waitForJob(app, 1)).status).toBe('done');
    const result = await app.inject({ method: 'GET', url: '/api/diffing/job/1' });
    expect(result.statusCode).toBe(200);
    expect(result.headers['content-type']).toMatch(/^text\/csv/);
    expect(result.headers['content-disposition']).toMatch(/^attachment; filename="[^"]+\.csv"$/);
    expect(result.body).toBe(csvText(REVENUE.diff));
    expect(Number(result.headers['content-length'])).toBe(Buffer.byteLength(csvText(REVENUE.diff)));
  });

  it('reports every figure of a finished job in /status, as JSON', async () => {
    const { app, dataDir } = await setup();
    writeRevenuePair(dataDir);
    const job_id = await startRevenueDiff(app);
    await waitForJob(app, job_id);

    const response = await app.inject({ method: 'GET', url: `/api/diffing/job/${job_id}/status` });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    const status = response.json<DiffJobView>();
    expect(status).toMatchObject({
      job_id,
      status: 'done',
      progress: 100,
      metric: 'revenue',
      keys: ['date', 'segment_field', 'segment_value_id', 'stat'],
      value: 'value',
      source: 'files',
      old_name: 'revenue_old.csv',
      new_name: 'revenue_new.csv',
      attempts: 1,
      rows_read: { old: REVENUE.old.length - 1, new: REVENUE.new.length - 1 },
      rows_out: REVENUE.diff.length - 1,
      new: 2,
      changed: 1,
      unchanged: 2,
      deleted: REVENUE.deleted.length - 1,
      duplicate_keys: { old: 0, new: 0 },
      warnings: [],
      error: null,
      created_at: NOW,
      started_at: NOW,
      finished_at: NOW,
    });
    expect(status.duration_ms).toBeGreaterThanOrEqual(0);
    expect(status.peak_memory_bytes).toBeGreaterThan(0);
  });

  it('serves the rows only in the old file at /deleted, under the old header', async () => {
    const { app, dataDir } = await setup();
    writeRevenuePair(dataDir);
    const job_id = await startRevenueDiff(app);
    await waitForJob(app, job_id);

    const response = await app.inject({ method: 'GET', url: `/api/diffing/job/${job_id}/deleted` });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/csv/);
    expect(response.headers['content-disposition']).toBe(`attachment; filename="diff-${job_id}-deleted.csv"`);
    expect(response.body).toBe(csvText(REVENUE.deleted));
  });

  it('starts a job by POST /api/diffing/new/:metric with the CSRF token (403 without), numbering jobs 1, 2, …', async () => {
    const { app, client, dataDir } = await setup();
    writeRevenuePair(dataDir);
    const refused = await client.post('/api/diffing/new/revenue', undefined, { csrf: false });
    expect(refused.statusCode).toBe(403);
    expect(errorOf(refused)).toMatch(/csrf/i);
    const first = await client.post('/api/diffing/new/revenue');
    expect(first.statusCode).toBe(200);
    expect(first.json()).toEqual({ job_id: 1 });
    const second = await client.post('/api/diffing/new/revenue');
    expect(second.json()).toEqual({ job_id: 2 });
    for (const id of [1, 2]) expect((await waitForJob(app, id)).status).toBe('done');
    const [a, b] = await Promise.all(
      [1, 2].map((id) => app.inject({ method: 'GET', url: `/api/diffing/job/${id}` })),
    );
    expect(a!.body).toBe(csvText(REVENUE.diff));
    expect(b!.body).toBe(a!.body);
  });

  it('accepts c-revenue and its aliases, reading c_revenue_old.csv and c_revenue_new.csv', async () => {
    const { app, dataDir } = await setup();
    const lifetime = '2015-07-01,15,2015-07-01,,,,,,c-revenue-pc,75.12679951100245';
    const month1Old = '2015-07-01,15,2015-08-01,1,,,,,c-revenue,312241.31';
    const month1New = '2015-07-01,15,2015-08-01,1,,,,,c-revenue,312241.32';
    const segmented =
      '2017-10-01,15,2020-04-01,30,shipping_province,states,Western Australia,Western Australia,c-revenue-pc,136.4535643564356';
    const newMonth = '2015-07-01,15,2015-09-01,2,,,,,c-revenue,328424.91';
    writeCsv(dataDir, 'c_revenue_old.csv', [C_REVENUE_HEADER, lifetime, month1Old, segmented]);
    writeCsv(dataDir, 'c_revenue_new.csv', [C_REVENUE_HEADER, lifetime, month1New, segmented, newMonth]);

    const aliases = ['c-revenue', 'c_revenue', 'cohort-revenue', 'cohort_revenue'];
    expect(METRICS.find((m) => m.id === 'c-revenue')?.aliases.sort()).toEqual(aliases.slice(1).sort());
    const ids: number[] = [];
    for (const alias of aliases) {
      const response = await app.inject({ method: 'GET', url: `/api/diffing/new/${alias}` });
      expect(response.statusCode, alias).toBe(200);
      ids.push(response.json<{ job_id: number }>().job_id);
    }
    expect(ids).toEqual([1, 2, 3, 4]);
    for (const id of ids) {
      const status = await waitForJob(app, id);
      expect(status).toMatchObject({
        status: 'done',
        metric: 'c-revenue',
        old_name: 'c_revenue_old.csv',
        new_name: 'c_revenue_new.csv',
      });
      const result = await app.inject({ method: 'GET', url: `/api/diffing/job/${id}` });
      expect(result.body).toBe(csvText([C_REVENUE_HEADER, month1New, newMonth]));
    }
  });

  it('answers 400 listing every known metric and alias for an unknown metric, and creates no job', async () => {
    const { app, client } = await setup();
    for (const method of ['GET', 'POST'] as const) {
      const response = await client.request(method, '/api/diffing/new/profit');
      expect(response.statusCode).toBe(400);
      const error = errorOf(response);
      expect(error).toContain('"profit"');
      for (const name of METRICS.flatMap((m) => [m.id, ...m.aliases])) expect(error).toContain(name);
    }
    expect((await app.inject({ method: 'GET', url: '/api/diffing/jobs' })).json()).toEqual({ jobs: [] });
  });

  it('answers 400 naming the file when a metric file is missing from the data directory', async () => {
    const { app, client, dataDir } = await setup();
    let response = await app.inject({ method: 'GET', url: '/api/diffing/new/revenue' });
    expect(response.statusCode).toBe(400);
    expect(errorOf(response)).toMatch(/revenue_old\.csv/);

    writeCsv(dataDir, 'revenue_old.csv', REVENUE.old);
    response = await app.inject({ method: 'GET', url: '/api/diffing/new/revenue' });
    expect(response.statusCode).toBe(400);
    expect(errorOf(response)).toMatch(/revenue_new\.csv/);
    expect(errorOf(response)).not.toContain(dataDir); // file names only, never server paths

    response = await client.post('/api/diffing/new/c-revenue');
    expect(response.statusCode).toBe(400);
    expect(errorOf(response)).toMatch(/c_revenue_old\.csv/);
    expect((await app.inject({ method: 'GET', url: '/api/diffing/jobs' })).json()).toEqual({ jobs: [] });
  });

  it('answers 400 naming the column when a metric file lacks a key or the value column', async () => {
    const { app, dataDir } = await setup();
    // The new file lacks the key column segment_value_id.
    writeCsv(dataDir, 'revenue_old.csv', REVENUE.old);
    writeCsv(dataDir, 'revenue_new.csv', [
      'date,segment_field,segment_name,segment_value,stat,value',
      '2020-01-01,,,,revenue,1',
    ]);
    let response = await app.inject({ method: 'GET', url: '/api/diffing/new/revenue' });
    expect(response.statusCode).toBe(400);
    expect(errorOf(response)).toMatch(/new file revenue_new\.csv has no column "segment_value_id"/);

    // The old file lacks the value column.
    writeRevenuePair(dataDir, {
      old: ['date,segment_field,segment_name,segment_value,segment_value_id,stat,amount'],
      new: REVENUE.new,
    });
    response = await app.inject({ method: 'GET', url: '/api/diffing/new/revenue' });
    expect(response.statusCode).toBe(400);
    expect(errorOf(response)).toMatch(/old file revenue_old\.csv has no column "value"/);

    // An empty file has no header at all.
    writeRevenuePair(dataDir, { old: [], new: REVENUE.new });
    response = await app.inject({ method: 'GET', url: '/api/diffing/new/revenue' });
    expect(response.statusCode).toBe(400);
    expect(errorOf(response)).toMatch(/old file revenue_old\.csv is empty/);
    expect((await app.inject({ method: 'GET', url: '/api/diffing/jobs' })).json()).toEqual({ jobs: [] });
  });

  it('answers 404 with status "queued" while no worker has taken the job, then serves the diff once workers run it', async () => {
    const { app, dataDir, startWorkers } = await setup({ startWorkers: false });
    writeRevenuePair(dataDir);
    const job_id = await startRevenueDiff(app);

    for (const suffix of ['', '/deleted']) {
      const pending = await app.inject({ method: 'GET', url: `/api/diffing/job/${job_id}${suffix}` });
      expect(pending.statusCode).toBe(404);
      expect(pending.headers['content-type']).toMatch(/^application\/json/);
      expect(pending.json()).toEqual({ job_id, status: 'queued', progress: 0 });
    }
    const status = await app.inject({ method: 'GET', url: `/api/diffing/job/${job_id}/status` });
    expect(status.statusCode).toBe(200);
    expect(status.json()).toMatchObject({
      job_id,
      status: 'queued',
      progress: 0,
      attempts: 0,
      rows_out: null,
      started_at: null,
    });

    await startWorkers();
    expect((await waitForJob(app, job_id)).status).toBe('done');
    const done = await app.inject({ method: 'GET', url: `/api/diffing/job/${job_id}` });
    expect(done.statusCode).toBe(200);
    expect(done.body).toBe(csvText(REVENUE.diff));
  });

  it('answers 404 with status "processing" and the progress while a worker runs the job', async () => {
    const { app, platform, dataDir } = await setup({ startWorkers: false });
    writeRevenuePair(dataDir);
    const job_id = await startRevenueDiff(app);
    // What the queue calls in the process running the job, as the attempt starts and reports progress.
    const definition = diffJobDefinition(platform);
    const payload = { jobId: job_id } as DiffJobPayload;
    await definition.onStart!(payload, { attempt: 1, maxAttempts: 3 });
    await definition.onProgress!(payload, 42);

    for (const suffix of ['', '/deleted']) {
      const response = await app.inject({ method: 'GET', url: `/api/diffing/job/${job_id}${suffix}` });
      expect(response.statusCode).toBe(404);
      expect(response.json()).toEqual({ job_id, status: 'processing', progress: 42 });
    }
    const status = await app.inject({ method: 'GET', url: `/api/diffing/job/${job_id}/status` });
    expect(status.json()).toMatchObject({ status: 'processing', progress: 42, attempts: 1, started_at: NOW });
  });

  it('answers 500 with the error naming the file, the line and the reason when a row is ragged, and serves no diff', async () => {
    const { app, platform, dataDir } = await setup();
    writeRevenuePair(dataDir, {
      old: REVENUE.old,
      new: [REVENUE_HEADER, addedDate, `${changedNew},extra`, unchangedExact],
    });
    const job_id = await startRevenueDiff(app);
    const status = await waitForJob(app, job_id);
    expect(status).toMatchObject({ status: 'failed', attempts: 1, rows_out: null, finished_at: NOW });
    expect(status.progress).toBeLessThan(100); // the queue's own 100 (attempt returned) is not the diff's
    expect(status.error).toMatch(
      /^new file revenue_new\.csv, line 3: wrong number of fields: expected 7 .*got 8/,
    );
    expect(status.error).not.toContain(dataDir);

    for (const suffix of ['', '/deleted']) {
      const response = await app.inject({ method: 'GET', url: `/api/diffing/job/${job_id}${suffix}` });
      expect(response.statusCode).toBe(500);
      expect(response.json()).toEqual({ job_id, status: 'failed', error: status.error });
    }
    expect(await platform.artifacts.exists(diffArtifactKey(job_id))).toBe(false);
    expect(await platform.artifacts.exists(deletedArtifactKey(job_id))).toBe(false);
    expect(filesUnder(platform.config.artifactDir)).toEqual([]);
    // Bad input is final: the queue holds no retry of it.
    expect(await queueRow(platform, job_id)).toEqual({ status: 'done', attempts: 1 });
  });

  it('fails a job whose file lost a column after it was queued once, without retrying', async () => {
    const { app, platform, dataDir, startWorkers } = await setup({ startWorkers: false });
    writeRevenuePair(dataDir);
    const job_id = await startRevenueDiff(app);
    writeCsv(dataDir, 'revenue_old.csv', [
      'date,segment_field,segment_value_id,stat',
      '2020-01-01,,,revenue',
    ]);
    await startWorkers();

    const status = await waitForJob(app, job_id);
    expect(status.status).toBe('failed');
    expect(status.attempts).toBe(1);
    expect(await queueRow(platform, job_id)).toEqual({ status: 'done', attempts: 1 });
    expect(status.error).toMatch(/^old file revenue_old\.csv, line 1: missing value column 'value'/);
  });

  it('warns about duplicate keys in /status and outputs the last occurrence of a repeated key', async () => {
    const { app, dataDir } = await setup();
    const firstChanged = '2020-01-02,,,,,revenue,210';
    writeRevenuePair(dataDir, {
      old: [REVENUE_HEADER, changedOld, deletedRow, deletedRow],
      new: [REVENUE_HEADER, firstChanged, addedDate, changedNew],
    });
    const job_id = await startRevenueDiff(app);
    const status = await waitForJob(app, job_id);
    expect(status).toMatchObject({
      status: 'done',
      rows_read: { old: 3, new: 3 },
      duplicate_keys: { old: 1, new: 1 },
      new: 1,
      changed: 1,
      unchanged: 0,
      deleted: 1,
    });
    expect(status.warnings).toHaveLength(2);
    expect(status.warnings[0]).toMatch(/^old file: 1 duplicate key.*line 4/);
    expect(status.warnings[1]).toMatch(/^new file: 1 duplicate key.*line 4/);
    const result = await app.inject({ method: 'GET', url: `/api/diffing/job/${job_id}` });
    expect(result.body).toBe(csvText([REVENUE_HEADER, addedDate, changedNew]));
  });

  it('answers 404 "job not found" instead of failing when the artifact sweep removed a finished job\'s files first', async () => {
    const { app, platform, dataDir } = await setup();
    writeRevenuePair(dataDir);
    const job_id = await startRevenueDiff(app);
    await waitForJob(app, job_id);
    // Files gone before their row (retention removes files first, or an operator cleaned up).
    await platform.artifacts.removeOlderThan(new Date(Date.now() + 60_000));
    for (const suffix of ['', '/deleted']) {
      const response = await app.inject({ method: 'GET', url: `/api/diffing/job/${job_id}${suffix}` });
      expect(response.statusCode, suffix).toBe(404);
      expect(response.json()).toEqual({ error: 'job not found' });
    }
  });

  it.each([
    '999',
    '0',
    '-1',
    '1.5',
    '01',
    'abc',
    '1e3',
    '12345678901234567890',
    '123456789012345678901',
    'x'.repeat(60),
  ])('answers 404 {"error":"job not found"} for the job id %j on every job route', async (id) => {
    const { app, dataDir } = await setup({ startWorkers: false });
    writeRevenuePair(dataDir);
    await app.inject({ method: 'GET', url: '/api/diffing/new/revenue' }); // job 1 exists
    for (const suffix of ['', '/status', '/deleted']) {
      const response = await app.inject({ method: 'GET', url: `/api/diffing/job/${id}${suffix}` });
      expect(response.statusCode, suffix).toBe(404);
      expect(response.json()).toEqual({ error: 'job not found' });
    }
  });
});

describe('diffing API: listing', () => {
  it('lists jobs newest first, at most ?limit of them, and refuses a limit out of range', async () => {
    const { app, dataDir } = await setup({ startWorkers: false });
    writeRevenuePair(dataDir);
    for (let i = 0; i < 3; i++) await app.inject({ method: 'GET', url: '/api/diffing/new/revenue' });

    const all = await app.inject({ method: 'GET', url: '/api/diffing/jobs' });
    expect(all.statusCode).toBe(200);
    expect(all.json<{ jobs: DiffJobView[] }>().jobs.map((j) => [j.job_id, j.status])).toEqual([
      [3, 'queued'],
      [2, 'queued'],
      [1, 'queued'],
    ]);
    const two = await app.inject({ method: 'GET', url: '/api/diffing/jobs?limit=2' });
    expect(two.json<{ jobs: DiffJobView[] }>().jobs.map((j) => j.job_id)).toEqual([3, 2]);
    for (const limit of ['0', '201', 'x']) {
      const response = await app.inject({ method: 'GET', url: `/api/diffing/jobs?limit=${limit}` });
      expect(response.statusCode, limit).toBe(400);
      expect(errorOf(response)).toMatch(/limit/);
    }
  });

  it('reports each metric with its keys, value column and whether both of its files are in the data directory', async () => {
    const { app, dataDir } = await setup({ startWorkers: false });
    const metrics = async () =>
      (await app.inject({ method: 'GET', url: '/api/diffing/metrics' })).json<{
        metrics: {
          id: string;
          aliases: string[];
          keys: string[];
          value: string;
          files: { old: string; new: string; available: boolean };
        }[];
      }>().metrics;

    expect(await metrics()).toEqual(
      METRICS.map((m) => ({
        id: m.id,
        aliases: m.aliases,
        keys: m.keys,
        value: m.value,
        files: {
          old: `${m.id.replace('-', '_')}_old.csv`,
          new: `${m.id.replace('-', '_')}_new.csv`,
          available: false,
        },
      })),
    );
    writeCsv(dataDir, 'revenue_old.csv', REVENUE.old);
    expect((await metrics()).find((m) => m.id === 'revenue')?.files.available).toBe(false);
    writeCsv(dataDir, 'revenue_new.csv', REVENUE.new);
    const after = await metrics();
    expect(after.find((m) => m.id === 'revenue')?.files.available).toBe(true);
    expect(after.find((m) => m.id === 'c-revenue')?.files.available).toBe(false);
  });
});

describe('diffing API: uploads', () => {
  const oldUpload = { filename: 'march.csv', content: csvText(REVENUE.old) };
  const newUpload = { filename: 'april.csv', content: csvText(REVENUE.new) };

  async function upload(
    client: TestClient,
    parts: Parameters<typeof multipart>[0],
    options: { csrf?: boolean } = {},
  ) {
    const { body, headers } = await multipart(parts);
    return client.post('/api/diffing/jobs', body, { headers, ...options });
  }

  it('answers 201 with a job id for two uploaded files and a metric, and the job serves their diff', async () => {
    const { client, platform } = await setup();
    const response = await upload(client, { metric: 'revenue', old: oldUpload, new: newUpload });
    expect(response.statusCode).toBe(201);
    expect(response.json()).toEqual({ job_id: 1 });

    const status = await waitForJob(client, 1);
    expect(status).toMatchObject({
      status: 'done',
      source: 'upload',
      metric: 'revenue',
      old_name: 'march.csv',
      new_name: 'april.csv',
      rows_out: 3,
    });
    const result = await client.get('/api/diffing/job/1');
    expect(result.body).toBe(csvText(REVENUE.diff));
    expect((await client.get('/api/diffing/job/1/deleted')).body).toBe(csvText(REVENUE.deleted));
    // The uploads are kept beside the results until retention removes them.
    expect(filesUnder(platform.config.artifactDir).filter((f) => f.includes('uploads'))).toHaveLength(2);
  });

  it('diffs uploads on the "keys" and "value" columns given instead of a metric', async () => {
    const { client } = await setup();
    const header = 'region,product,note,amount';
    const same = 'north,"widget, large",x,10';
    const changed = ['south,widget,old note,5', 'south,widget,new note,6'];
    const added = 'east,widget,,1';
    const response = await upload(client, {
      old: { filename: 'a.csv', content: csvText([header, same, changed[0]!]) },
      new: { filename: 'b.csv', content: csvText([header, added, same, changed[1]!]) },
      keys: ' region , product ',
      value: 'amount',
    });
    expect(response.statusCode).toBe(201);
    const { job_id } = response.json<{ job_id: number }>();
    expect(await waitForJob(client, job_id)).toMatchObject({
      status: 'done',
      metric: null,
      keys: ['region', 'product'],
      value: 'amount',
    });
    expect((await client.get(`/api/diffing/job/${job_id}`)).body).toBe(csvText([header, added, changed[1]!]));
  });

  it('accepts an upload larger than the JSON body limit (BODY_LIMIT_KB) while it is under DIFF_UPLOAD_MAX_MB', async () => {
    const { client } = await setup({ env: { BODY_LIMIT_KB: '16', DIFF_UPLOAD_MAX_MB: '1' } });
    const rows = Array.from({ length: 2000 }, (_, i) => `2020-01-01,field,name,value,${i},revenue,${i}`);
    const content = csvText([REVENUE_HEADER, ...rows]);
    expect(content.length).toBeGreaterThan(32 * 1024);
    const response = await upload(client, {
      metric: 'revenue',
      old: { filename: 'old.csv', content },
      new: { filename: 'new.csv', content },
    });
    expect(response.statusCode).toBe(201);
    expect(await waitForJob(client, 1)).toMatchObject({ status: 'done', rows_out: 0, unchanged: 2000 });
    expect((await client.get('/api/diffing/job/1')).body).toBe(csvText([REVENUE_HEADER]));
  });

  it.each([
    ['the "new" file is missing', { metric: 'revenue', old: oldUpload }, /missing file "new"/],
    ['both files are missing', { metric: 'revenue' }, /missing file "old" and "new"/],
    [
      'neither a metric nor keys and value are given',
      { old: oldUpload, new: newUpload },
      /give either "metric" or both "keys".*"value"/,
    ],
    [
      'keys are given without a value',
      { old: oldUpload, new: newUpload, keys: 'date,stat' },
      /give either "metric"/,
    ],
    [
      'the metric is unknown',
      { metric: 'profit', old: oldUpload, new: newUpload },
      /unknown metric "profit" \(known: revenue, c-revenue/,
    ],
    [
      'a file lacks a key column',
      { metric: 'c-revenue', old: oldUpload, new: newUpload },
      /old file march\.csv has no columns "cohort", "cohort_id", "month_nth"/,
    ],
    [
      'a file lacks the value column given',
      { old: oldUpload, new: newUpload, keys: 'date,stat', value: 'amount' },
      /old file march\.csv has no column "amount"/,
    ],
    [
      'an unexpected file field is sent',
      { metric: 'revenue', old: oldUpload, new: newUpload, extra: oldUpload },
      /unexpected file field "extra"/,
    ],
    [
      'a file is sent twice',
      { metric: 'revenue', old: [oldUpload, oldUpload], new: newUpload },
      /file "old" was sent twice/,
    ],
  ] as const)('answers 400 and keeps nothing when %s', async (_condition, parts, message) => {
    const { client, platform } = await setup();
    const response = await upload(client, parts as Parameters<typeof multipart>[0]);
    expect(response.statusCode).toBe(400);
    expect(errorOf(response)).toMatch(message);
    expect(filesUnder(platform.config.artifactDir)).toEqual([]);
    expect((await client.get('/api/diffing/jobs')).json()).toEqual({ jobs: [] });
  });

  it('accepts an upload whose header is longer than 64 KiB, as the CLI does, and diffs it', async () => {
    const { client } = await setup();
    const extra = Array.from({ length: 12_000 }, (_, i) => `extra_column_${i}`);
    const header = ['region', 'amount', ...extra].join(',');
    expect(header.length).toBeGreaterThan(64 * 1024);
    const row = (region: string, amount: number) => [region, amount, ...extra.map(() => '')].join(',');
    const response = await upload(client, {
      old: { filename: 'wide-old.csv', content: csvText([header, row('north', 1), row('south', 2)]) },
      new: { filename: 'wide-new.csv', content: csvText([header, row('north', 1), row('south', 3)]) },
      keys: 'region',
      value: 'amount',
    });
    expect(response.statusCode).toBe(201);
    const { job_id } = response.json<{ job_id: number }>();
    expect(await waitForJob(client, job_id)).toMatchObject({ status: 'done', changed: 1, unchanged: 1 });
    expect((await client.get(`/api/diffing/job/${job_id}`)).body).toBe(csvText([header, row('south', 3)]));
  });

  it('fails an upload job with a ragged row naming the uploaded file, the line and the reason', async () => {
    const { client } = await setup();
    const response = await upload(client, {
      metric: 'revenue',
      old: oldUpload,
      new: { filename: 'april.csv', content: csvText([REVENUE_HEADER, addedDate, '2020-01-02,,,revenue,1']) },
    });
    expect(response.statusCode).toBe(201);
    const status = await waitForJob(client, response.json<{ job_id: number }>().job_id);
    expect(status).toMatchObject({ status: 'failed', attempts: 1 });
    expect(status.error).toMatch(/^new file april\.csv, line 3: wrong number of fields: expected 7 .*got 5/);
  });

  it('answers 400 when the body is not multipart/form-data', async () => {
    const { client } = await setup();
    const response = await client.post('/api/diffing/jobs', { metric: 'revenue' });
    expect(response.statusCode).toBe(400);
    expect(errorOf(response)).toMatch(/multipart\/form-data/);
  });

  it('answers 413 naming DIFF_UPLOAD_MAX_MB when a file is over the limit, and keeps nothing', async () => {
    const { client, platform } = await setup({ env: { DIFF_UPLOAD_MAX_MB: '1' } });
    const row = '2020-01-01,field,name,value,id,revenue,1\n';
    const big = REVENUE_HEADER + '\n' + row.repeat(Math.ceil((1.2 * 2 ** 20) / row.length));
    for (const parts of [
      { metric: 'revenue', old: { filename: 'big.csv', content: big }, new: newUpload },
      { metric: 'revenue', old: oldUpload, new: { filename: 'big.csv', content: big } },
    ]) {
      const response = await upload(client, parts);
      expect(response.statusCode).toBe(413);
      expect(errorOf(response)).toMatch(/larger than 1 MB \(DIFF_UPLOAD_MAX_MB\)/);
      expect(filesUnder(platform.config.artifactDir)).toEqual([]);
    }
    expect((await client.get('/api/diffing/jobs')).json()).toEqual({ jobs: [] });
  });

  it('answers 403 without a CSRF token, and keeps nothing', async () => {
    const { client, platform } = await setup();
    const response = await upload(
      client,
      { metric: 'revenue', old: oldUpload, new: newUpload },
      { csrf: false },
    );
    expect(response.statusCode).toBe(403);
    expect(filesUnder(platform.config.artifactDir)).toEqual([]);
    expect((await client.get('/api/diffing/jobs')).json()).toEqual({ jobs: [] });
  });
});

describe('diffing API: retention', () => {
  it('removes a finished job older than JOB_RETENTION_DAYS with its results and uploads, so /status answers 404, and keeps a recent one', async () => {
    const { client, clock, platform, service } = await setup({ env: { JOB_RETENTION_DAYS: '3' } });
    const files = {
      old: { filename: 'o.csv', content: csvText(REVENUE.old) },
      new: { filename: 'n.csv', content: csvText(REVENUE.new) },
    };
    const first = await client.post(
      '/api/diffing/jobs',
      ...(await bodyAndHeaders({ metric: 'revenue', ...files })),
    );
    expect(first.statusCode).toBe(201);
    await waitForJob(client, 1); // finished at NOW

    clock.set(new Date(Date.parse(NOW) + 2 * DAY_MS));
    const second = await client.post(
      '/api/diffing/jobs',
      ...(await bodyAndHeaders({ metric: 'revenue', ...files })),
    );
    expect(second.statusCode).toBe(201);
    await waitForJob(client, 2); // finished two days later
    const uploads = () =>
      filesUnder(platform.config.artifactDir).filter((f) =>
        f.startsWith(path.join('diffing', 'uploads', '')),
      );
    expect(uploads()).toHaveLength(4);
    expect(filesUnder(platform.config.artifactDir)).toHaveLength(10); // 2 jobs × (2 uploads + diff + deleted + preview)

    // Just before job 1 is three days old nothing goes; just after, job 1 goes.
    clock.set(new Date(Date.parse(NOW) + 3 * DAY_MS - 1));
    expect(await service.removeExpired()).toBe(0);
    clock.set(new Date(Date.parse(NOW) + 3 * DAY_MS + 1));
    expect(await service.removeExpired()).toBe(1);

    for (const suffix of ['', '/status', '/deleted']) {
      const gone = await client.get(`/api/diffing/job/1${suffix}`);
      expect(gone.statusCode).toBe(404);
      expect(gone.json()).toEqual({ error: 'job not found' });
    }
    const kept = await client.get('/api/diffing/job/2');
    expect(kept.statusCode).toBe(200);
    expect(kept.body).toBe(csvText(REVENUE.diff));
    const remaining = filesUnder(platform.config.artifactDir);
    expect(remaining).toHaveLength(5);
    expect(uploads()).toHaveLength(2);
    expect(remaining.filter((f) => f.startsWith(path.join('diffing', '1', '')))).toEqual([]);
    expect(remaining.filter((f) => f.startsWith(path.join('diffing', '2', '')))).toHaveLength(3);
    expect(
      (await client.get('/api/diffing/jobs')).json<{ jobs: DiffJobView[] }>().jobs.map((j) => j.job_id),
    ).toEqual([2]);
  });

  it('runs retention as the scheduled job diffing.retention, judging age by the platform clock', async () => {
    const { app, clock, platform, dataDir } = await setup({ env: { JOB_RETENTION_DAYS: '1' } });
    writeRevenuePair(dataDir);
    const first = await startRevenueDiff(app);
    await waitForJob(app, first);
    clock.set(new Date(Date.parse(NOW) + 2 * DAY_MS));
    const second = await startRevenueDiff(app);
    await waitForJob(app, second);
    // The schedule ran once at start (nothing had expired); run the next period's job now.
    await platform.jobs.enqueue(RETENTION_JOB, null);
    await waitFor(
      async () => (await app.inject(`/api/diffing/job/${first}/status`)).statusCode === 404,
      'the expired job to go',
    );
    expect(
      filesUnder(platform.config.artifactDir).filter((f) =>
        f.startsWith(`diffing${path.sep}${first}${path.sep}`),
      ),
    ).toEqual([]);
    expect((await app.inject(`/api/diffing/job/${second}/status`)).statusCode).toBe(200);
  });

  it('never removes a job that has not finished, however old', async () => {
    const { app, clock, dataDir, service } = await setup({
      startWorkers: false,
      env: { JOB_RETENTION_DAYS: '1' },
    });
    writeRevenuePair(dataDir);
    const job_id = await startRevenueDiff(app);
    clock.set(new Date(Date.parse(NOW) + 30 * DAY_MS));
    expect(await service.removeExpired()).toBe(0);
    expect(
      (await app.inject({ method: 'GET', url: `/api/diffing/job/${job_id}/status` })).json(),
    ).toMatchObject({ status: 'queued' });
  });
});

async function bodyAndHeaders(parts: Parameters<typeof multipart>[0]) {
  const { body, headers } = await multipart(parts);
  return [body, { headers }] as const;
}

/** An upload of the REVENUE pair, by metric. */
const files = {
  metric: 'revenue',
  old: { filename: 'o.csv', content: csvText(REVENUE.old) },
  new: { filename: 'n.csv', content: csvText(REVENUE.new) },
};

const TOKEN_A = 'token-a-0123456789abcdef';
const TOKEN_B = 'token-b-0123456789abcdef';
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describeEachDb('diffing API: who may start and read jobs', (kind) => {
  it('answers the 4th job a minute from one client with 429 and Retry-After when DIFF_JOBS_PER_MINUTE is 3, uploads included, before receiving them', async () => {
    const { app, clock, dataDir, platform, client } = await setup({
      kind,
      startWorkers: false,
      env: { DIFF_JOBS_PER_MINUTE: '3' },
    });
    writeRevenuePair(dataDir);
    expect((await client.get('/api/diffing/new/revenue')).statusCode).toBe(200);
    clock.set(new Date(Date.parse(NOW) + 20_000));
    expect((await client.post('/api/diffing/new/revenue')).statusCode).toBe(200);
    expect((await client.post('/api/diffing/jobs', ...(await bodyAndHeaders(files)))).statusCode).toBe(201);
    const uploadsBefore = filesUnder(platform.config.artifactDir).length;
    clock.set(new Date(Date.parse(NOW) + 45_000));
    for (const refused of [
      await client.get('/api/diffing/new/revenue'),
      await client.post('/api/diffing/new/revenue'),
      await client.post('/api/diffing/jobs', ...(await bodyAndHeaders(files))),
    ]) {
      expect(refused.statusCode).toBe(429);
      expect(refused.headers['retry-after']).toBe('15'); // the first job leaves the window at +60 s
      expect(errorOf(refused)).toMatch(/at most 3 a minute per client \(DIFF_JOBS_PER_MINUTE\)/);
    }
    expect(filesUnder(platform.config.artifactDir)).toHaveLength(uploadsBefore);
    // Another address is another client.
    const other = await app.inject({ url: '/api/diffing/new/revenue', remoteAddress: '192.0.2.9' });
    expect(other.statusCode).toBe(200);
    clock.set(new Date(Date.parse(NOW) + 60_001));
    expect((await client.get('/api/diffing/new/revenue')).statusCode).toBe(200);
  });

  it('refuses new jobs with 429 while DIFF_MAX_QUEUED_JOBS jobs are queued, whoever asks', async () => {
    const { app, dataDir, startWorkers } = await setup({
      kind,
      startWorkers: false,
      env: { DIFF_MAX_QUEUED_JOBS: '2' },
    });
    writeRevenuePair(dataDir);
    for (const address of ['192.0.2.1', '192.0.2.2'])
      expect((await app.inject({ url: '/api/diffing/new/revenue', remoteAddress: address })).statusCode).toBe(
        200,
      );
    const full = await app.inject({ url: '/api/diffing/new/revenue', remoteAddress: '192.0.2.3' });
    expect(full.statusCode).toBe(429);
    expect(full.headers['retry-after']).toBe('10');
    expect(errorOf(full)).toMatch(/queue is full: 2 jobs are waiting \(DIFF_MAX_QUEUED_JOBS\)/);
    await startWorkers();
    for (const id of [1, 2]) await waitForJob(app, id);
    expect(
      (await app.inject({ url: '/api/diffing/new/revenue', remoteAddress: '192.0.2.3' })).statusCode,
    ).toBe(200);
  });

  it('serves an uploaded diff only to the browser session that uploaded it and to the admin; others get 404 and do not see it listed', async () => {
    const { app, client, dataDir } = await setup({ kind });
    writeRevenuePair(dataDir);
    const created = await client.post('/api/diffing/jobs', ...(await bodyAndHeaders(files)));
    expect(created.statusCode).toBe(201);
    expect(client.hasCookie('quintet_diffing')).toBe(true);
    const metricJob = (await app.inject({ url: '/api/diffing/new/revenue' })).json<{ job_id: number }>()
      .job_id;
    await waitForJob(client, 1);
    await waitForJob(app, metricJob);

    const stranger = new TestClient(app);
    await stranger.post('/api/diffing/jobs', ...(await bodyAndHeaders(files))); // a session of its own: job 3
    for (const suffix of ['', '/status', '/deleted']) {
      expect((await client.get(`/api/diffing/job/1${suffix}`)).statusCode, suffix).toBe(200);
      for (const other of [
        await stranger.get(`/api/diffing/job/1${suffix}`),
        await app.inject({ url: `/api/diffing/job/1${suffix}` }),
      ]) {
        expect(other.statusCode, suffix).toBe(404);
        expect(other.json()).toEqual({ error: 'job not found' });
      }
    }
    const listed = async (c: TestClient) =>
      (await c.get('/api/diffing/jobs')).json<{ jobs: DiffJobView[] }>().jobs.map((j) => j.job_id);
    expect(await listed(client)).toEqual([2, 1]);
    expect(await listed(stranger)).toEqual([3, 2]);
    // The metric job (the seed's API) stays readable by anyone.
    expect((await app.inject({ url: `/api/diffing/job/${metricJob}` })).statusCode).toBe(200);

    const admin = new TestClient(app);
    await admin.loginAsAdmin();
    expect((await admin.get('/api/diffing/job/1')).body).toBe(csvText(REVENUE.diff));
    expect(await listed(admin)).toEqual([3, 2, 1]);
  });

  it("with API_TOKENS, needs a Bearer token (or the admin session) on every job API, skips CSRF for it, and keeps each token's uploads its own", async () => {
    const { app, client, dataDir } = await setup({ kind, env: { API_TOKENS: ` ${TOKEN_A}, ${TOKEN_B} ` } });
    writeRevenuePair(dataDir);
    for (const url of [
      '/api/diffing/new/revenue',
      '/api/diffing/jobs',
      '/api/diffing/job/1/status',
      // Access is checked before the parameters: 401 even when they are bad.
      '/api/diffing/jobs?limit=Infinity',
      '/api/diffing/jobs?limit=0',
      '/api/diffing/jobs?limit=5%00',
      '/api/diffing/job/1/preview',
      '/api/diffing/job/1/preview?limit=0',
    ]) {
      const anonymous = await app.inject({ url });
      expect(anonymous.statusCode, `${url} ${anonymous.body}`).toBe(401);
      expect(errorOf(anonymous)).toMatch(/needs an API token: send Authorization: Bearer <token>/);
    }
    expect((await client.post('/api/diffing/new/revenue')).statusCode).toBe(401); // CSRF token, no API token
    const unknown = await app.inject({ url: '/api/diffing/new/revenue', headers: bearer('x'.repeat(24)) });
    expect(unknown.statusCode).toBe(401);
    expect(errorOf(unknown)).toMatch(/unknown API token/);
    expect((await app.inject({ url: '/api/diffing/metrics' })).statusCode).toBe(200);

    // The seed's GET with a token; a POST with a token needs no CSRF token.
    expect((await app.inject({ url: '/api/diffing/new/revenue', headers: bearer(TOKEN_A) })).json()).toEqual({
      job_id: 1,
    });
    const posted = await app.inject({
      method: 'POST',
      url: '/api/diffing/new/revenue',
      headers: bearer(TOKEN_B),
    });
    expect(posted.json()).toEqual({ job_id: 2 });
    const { body, headers } = await multipart(files);
    const uploaded = await app.inject({
      method: 'POST',
      url: '/api/diffing/jobs',
      payload: body,
      headers: { ...headers, ...bearer(TOKEN_A) },
    });
    expect(uploaded.statusCode).toBe(201);
    expect(uploaded.cookies).toEqual([]);
    const asA = { get: (url: string) => app.inject({ url, headers: bearer(TOKEN_A) }) };
    const asB = { get: (url: string) => app.inject({ url, headers: bearer(TOKEN_B) }) };
    await waitForJob(asA, 3);
    expect((await asA.get('/api/diffing/job/3')).body).toBe(csvText(REVENUE.diff));
    expect((await asB.get('/api/diffing/job/3')).statusCode).toBe(404);
    expect((await asA.get('/api/diffing/job/3/preview')).json()).toMatchObject({
      changed: REVENUE_PREVIEW.changed,
    });
    expect((await asB.get('/api/diffing/job/3/preview')).statusCode).toBe(404);
    expect((await asB.get('/api/diffing/job/1/status')).statusCode).toBe(200); // a metric job: anyone with a token

    const admin = new TestClient(app);
    await admin.loginAsAdmin();
    expect((await admin.get('/api/diffing/job/3')).statusCode).toBe(200);
    expect((await admin.post('/api/diffing/new/revenue')).statusCode).toBe(200);
  });

  it("refuses the seed's GET /api/diffing/new/:metric with 403 when another site sent the browser", async () => {
    const { app, dataDir } = await setup({ kind, startWorkers: false });
    writeRevenuePair(dataDir);
    const res = await app.inject({
      url: '/api/diffing/new/revenue',
      headers: { 'sec-fetch-site': 'cross-site', referer: 'https://elsewhere.example/' },
    });
    expect(res.statusCode).toBe(403);
    expect(errorOf(res)).toMatch(/requested from another site/);
    expect((await app.inject({ url: '/api/diffing/jobs' })).json()).toEqual({ jobs: [] });
  });
});

/** The preview of the REVENUE pair, in its key and value columns (date, segment_field, segment_value_id, stat, value). */
const REVENUE_PREVIEW = {
  columns: ['date', 'segment_field', 'segment_value_id', 'stat', 'value'],
  searched: 3,
  new: {
    total: 2,
    rows: [
      ['2020-01-04', '', '', 'revenue', '400.50'],
      ['2020-01-01', 'shipping_province', 'NSW', 'revenue', '50'],
    ],
  },
  changed: { total: 1, rows: [{ values: ['2020-01-02', '', '', 'revenue', '2.5e2'], old_value: '200' }] },
  deleted: { total: 1, rows: [['2020-01-03', '', '', 'revenue', '300']] },
};

describeEachDb('diffing API: preview', (kind) => {
  it('serves a finished job’s first new rows, changed rows with the old value, and deleted rows, at most ?limit of each', async () => {
    const { app, dataDir } = await setup({ kind });
    writeRevenuePair(dataDir);
    const job_id = await startRevenueDiff(app);
    await waitForJob(app, job_id);

    const response = await app.inject({ url: `/api/diffing/job/${job_id}/preview` });
    expect(response.statusCode).toBe(200);
    expect(response.headers['cache-control']).toBe('no-store');
    expect(response.json()).toEqual({ job_id, limit: 20, ...REVENUE_PREVIEW });

    const one = (await app.inject({ url: `/api/diffing/job/${job_id}/preview?limit=1` })).json<
      typeof REVENUE_PREVIEW & { limit: number }
    >();
    expect(one.limit).toBe(1);
    expect(one.new).toEqual({ total: 2, rows: REVENUE_PREVIEW.new.rows.slice(0, 1) });
    expect(one.changed).toEqual(REVENUE_PREVIEW.changed);
    expect(one.deleted).toEqual(REVENUE_PREVIEW.deleted);
    expect((await app.inject({ url: `/api/diffing/job/${job_id}/preview?limit=100` })).statusCode).toBe(200);

    // Documented in /docs like the other diffing routes, with its limit and statuses.
    const doc = (await app.inject('/docs/json')).json<{
      paths: Record<string, { get?: { parameters?: { name: string }[]; responses?: object } }>;
    }>();
    const documented = doc.paths['/api/diffing/job/{id}/preview']?.get;
    expect(documented?.parameters?.map((p) => p.name).sort()).toEqual(['id', 'limit']);
    expect(Object.keys(documented?.responses ?? {}).sort()).toEqual(['200', '400', '401', '404', '409']);
  });

  it('refuses a limit that is not a whole number from 1 to 100 with 400 naming it', async () => {
    const { app, dataDir } = await setup({ kind });
    writeRevenuePair(dataDir);
    const job_id = await startRevenueDiff(app);
    await waitForJob(app, job_id);
    for (const limit of ['0', '101', '-1', '2.5', 'x', 'Infinity', '1e400', '']) {
      const response = await app.inject({ url: `/api/diffing/job/${job_id}/preview?limit=${limit}` });
      expect(response.statusCode, limit).toBe(400);
      expect(errorOf(response), limit).toMatch(/limit/);
    }
  });

  it('answers 404 for an unknown job, and 409 with the status while the job is queued, running or failed', async () => {
    const { app, platform, dataDir } = await setup({ kind, startWorkers: false });
    writeRevenuePair(dataDir);
    for (const id of ['999', '0', 'abc', '2147483648']) {
      const response = await app.inject({ url: `/api/diffing/job/${id}/preview` });
      expect(response.statusCode, id).toBe(404);
      expect(response.json()).toEqual({ error: 'job not found' });
    }

    const job_id = await startRevenueDiff(app);
    const queued = await app.inject({ url: `/api/diffing/job/${job_id}/preview` });
    expect(queued.statusCode).toBe(409);
    expect(queued.json()).toEqual({
      error: `job ${job_id} is queued: its preview is ready when it is done`,
      job_id,
      status: 'queued',
      progress: 0,
    });
    const definition = diffJobDefinition(platform);
    const payload = { jobId: job_id } as DiffJobPayload;
    await definition.onStart!(payload, { attempt: 1, maxAttempts: 3 });
    await definition.onProgress!(payload, 42);
    const running = await app.inject({ url: `/api/diffing/job/${job_id}/preview` });
    expect(running.statusCode).toBe(409);
    expect(running.json()).toMatchObject({ status: 'processing', progress: 42, error: /is running/ });

    await definition.onCompleted!(
      payload,
      { inputError: 'new file n.csv, line 3: wrong number of fields' },
      { attempt: 1, maxAttempts: 3 },
    );
    const failed = await app.inject({ url: `/api/diffing/job/${job_id}/preview` });
    expect(failed.statusCode).toBe(409);
    expect(failed.json()).toMatchObject({
      status: 'failed',
      error: `job ${job_id} failed, so it has no preview: new file n.csv, line 3: wrong number of fields`,
    });
  });

  it('shows an uploaded job’s preview only to its session and the admin, and says so when a job has none', async () => {
    const { app, client, platform } = await setup({ kind });
    const created = await client.post('/api/diffing/jobs', ...(await bodyAndHeaders(files)));
    const { job_id } = created.json<{ job_id: number }>();
    await waitForJob(client, job_id);
    const url = `/api/diffing/job/${job_id}/preview`;
    expect((await client.get(url)).json()).toEqual({ job_id, limit: 20, ...REVENUE_PREVIEW });

    const stranger = new TestClient(app);
    await stranger.post('/api/diffing/jobs', ...(await bodyAndHeaders(files))); // a session of its own
    for (const other of [await stranger.get(url), await app.inject({ url })]) {
      expect(other.statusCode).toBe(404);
      expect(other.json()).toEqual({ error: 'job not found' });
    }
    const admin = new TestClient(app);
    await admin.loginAsAdmin();
    expect((await admin.get(url)).statusCode).toBe(200);

    // A job that finished before previews were kept: its diff is there, its preview is not.
    await platform.artifacts.remove(previewArtifactKey(job_id));
    const none = await client.get(url);
    expect(none.statusCode).toBe(404);
    expect(errorOf(none)).toBe(
      `job ${job_id} has no preview (it finished before previews were kept, or its preview could not be made): download its diff`,
    );
    // Results removed (the artifact sweep) while the job row remains: the job is gone.
    await platform.artifacts.remove(diffArtifactKey(job_id));
    expect((await client.get(url)).json()).toEqual({ error: 'job not found' });
  });
});

describe('diffing settings', () => {
  it('stops the start naming API_TOKENS when a token is shorter than 16 characters', () => {
    expect(() => loadConfig({ API_TOKENS: `${TOKEN_A},short` }, [diffingSystem])).toThrow(
      /API_TOKENS token 2 must be at least 16 characters/,
    );
  });
});
