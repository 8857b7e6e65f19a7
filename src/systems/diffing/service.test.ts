import fs from 'node:fs';
import { text } from 'node:stream/consumers';
import { afterEach, expect, it, vi } from 'vitest';
import { REVENUE_HEADER, csvText, filesUnder, waitFor, writeCsv } from '../../../test/support/diffing.js';
import {
  createTestPlatform,
  describeEachDb,
  type DbKind,
  type TestPlatform,
} from '../../../test/support/platform.js';
import { fixedClock } from '../../platform/clock.js';
import { systemJobs } from '../../platform/system-runtime.js';
import { DomainError } from '../../platform/errors.js';
import { diffingSettings } from './settings.js';
import { diffingSystem } from './system.js';
import { diffJobDefinition, type DiffJobPayload } from './diff-job.js';
import { findJob, insertJob } from './repository.js';
import { createDiffingService, type DiffingService, type DiffJobView } from './service.js';
import type { DiffingDb } from './tables.js';

const NOW = '2026-03-10T12:00:00.000Z';
const DAY_MS = 86_400_000;

const platforms: TestPlatform[] = [];
afterEach(async () => {
  while (platforms.length) await platforms.pop()!.dispose();
});

async function setup(kind: DbKind, env: Record<string, string> = {}) {
  const clock = fixedClock(NOW);
  const platform = await createTestPlatform(kind, { clock, env, systems: [diffingSystem] });
  platforms.push(platform);
  return {
    platform,
    clock,
    service: createDiffingService(platform, diffingSettings(platform.config)),
    dataDir: diffingSettings(platform.config).dataDir,
    startWorkers: async () => platform.jobs.startWorkers(await systemJobs(platform, [diffingSystem])),
  };
}

async function finished(service: DiffingService, id: number): Promise<DiffJobView> {
  let job: DiffJobView | undefined;
  await waitFor(
    async () => {
      job = await service.status(id);
      return job?.status === 'done' || job?.status === 'failed';
    },
    `diff job ${id} to finish`,
    20_000,
  );
  return job!;
}

async function resultText(service: DiffingService, id: number, which: 'diff' | 'deleted'): Promise<string> {
  return text((await service.openResult(id, which)).stream);
}

/** Commits a CSV to the artifact store as the upload route does; returns its key. */
async function putUpload(platform: TestPlatform, key: string, lines: string[]): Promise<string> {
  const writer = await platform.artifacts.writer(key);
  fs.writeFileSync(writer.path, csvText(lines));
  await writer.commit();
  return key;
}

// Each row states what a correct diff makes of it.
const same = '2020-01-01,,,,,revenue,100';
const changedOld = '2020-01-02,,,,,revenue,200';
const changedNew = '2020-01-02,,,,,revenue,200.01';
const gone = '2020-01-03,,,,,revenue,300';
const added = '2020-01-04,channel,channels,"Email, newsletter",email,revenue,7';
const OLD = [REVENUE_HEADER, same, changedOld, gone];
const NEW = [REVENUE_HEADER, changedNew, same, added];

describeEachDb('diffing service', (kind) => {
  it('creates a queued job for a metric, runs it, and reports it done with its figures and results', async () => {
    const { service, dataDir, startWorkers } = await setup(kind);
    writeCsv(dataDir, 'revenue_old.csv', OLD);
    writeCsv(dataDir, 'revenue_new.csv', NEW);

    const created = await service.createMetricJob('revenue');
    expect(created).toMatchObject({
      status: 'queued',
      progress: 0,
      attempts: 0,
      metric: 'revenue',
      source: 'files',
      created_at: NOW,
    });
    expect(Number.isInteger(created.job_id)).toBe(true);

    await startWorkers();
    const job = await finished(service, created.job_id);
    expect(job).toMatchObject({
      status: 'done',
      progress: 100,
      attempts: 1,
      rows_read: { old: 3, new: 3 },
      rows_out: 2,
      new: 1,
      changed: 1,
      unchanged: 1,
      deleted: 1,
      duplicate_keys: { old: 0, new: 0 },
      warnings: [],
      partitions: 1,
      error: null,
      finished_at: NOW,
    });
    // Big integer columns come back as numbers on both databases.
    expect(typeof job.peak_memory_bytes).toBe('number');
    expect(typeof job.rows_read.old).toBe('number');
    expect(await resultText(service, job.job_id, 'diff')).toBe(csvText([REVENUE_HEADER, changedNew, added]));
    expect(await resultText(service, job.job_id, 'deleted')).toBe(csvText([REVENUE_HEADER, gone]));
    expect((await service.recent(10)).map((j) => j.job_id)).toEqual([job.job_id]);
  });

  it('names the jobs still owed to a queue that lost them, exactly as they were enqueued', async () => {
    const { platform, service, dataDir, startWorkers } = await setup(kind);
    writeCsv(dataDir, 'revenue_old.csv', OLD);
    writeCsv(dataDir, 'revenue_new.csv', NEW);
    const enqueue = vi.spyOn(platform.jobs, 'enqueue');
    const first = await service.createMetricJob('revenue');
    const second = await service.createMetricJob('revenue');
    const asEnqueued = enqueue.mock.calls.map(([, payload, options]) => ({ key: options!.key, payload }));
    expect(asEnqueued.map((j) => (j.payload as DiffJobPayload).jobId)).toEqual([first.job_id, second.job_id]);
    const definition = diffJobDefinition(platform);
    expect(await definition.unfinished!()).toEqual(asEnqueued);
    // A job whose row is gone (its enqueue undone though the queue kept it) is skipped at start.
    const info = { attempt: 1, maxAttempts: 3 };
    const ghost = { ...(asEnqueued[0]!.payload as DiffJobPayload), jobId: 987_654 };
    expect(await definition.onStart!(ghost, info)).toBe('gone');
    await startWorkers();
    await finished(service, first.job_id);
    await finished(service, second.job_id);
    expect(await definition.unfinished!()).toEqual([]);
  });

  it('diffs two uploaded files on the keys and value given', async () => {
    const { platform, service, startWorkers } = await setup(kind);
    const header = 'sku,store,qty';
    const oldKey = await putUpload(platform, 'diffing/uploads/u1/old.csv', [header, 'a,1,5', 'b,1,5']);
    const newKey = await putUpload(platform, 'diffing/uploads/u1/new.csv', [
      header,
      'b,1,5',
      'a,1,6',
      'c,2,1',
    ]);
    const created = await service.createUploadJob(
      { oldKey, newKey, oldName: 'monday.csv', newName: 'tuesday.csv' },
      { keys: ['sku', 'store'], value: 'qty' },
    );
    expect(created).toMatchObject({
      source: 'upload',
      metric: null,
      keys: ['sku', 'store'],
      value: 'qty',
      old_name: 'monday.csv',
    });
    await startWorkers();
    expect(await finished(service, created.job_id)).toMatchObject({
      status: 'done',
      new: 1,
      changed: 1,
      unchanged: 1,
      deleted: 0,
    });
    expect(await resultText(service, created.job_id, 'diff')).toBe(csvText([header, 'a,1,6', 'c,2,1']));
  });

  it('refuses an upload without a spec, with an unknown metric or lacking a column, as a 400 request error', async () => {
    const { platform, service } = await setup(kind);
    const oldKey = await putUpload(platform, 'diffing/uploads/u2/old.csv', OLD);
    const newKey = await putUpload(platform, 'diffing/uploads/u2/new.csv', NEW);
    const inputs = { oldKey, newKey, oldName: 'o.csv', newName: 'n.csv' };
    const cases: [{ metric?: string; keys?: string[]; value?: string }, RegExp][] = [
      [{}, /give either "metric"/],
      [{ keys: ['date'] }, /give either "metric"/],
      [{ metric: 'nope' }, /unknown metric "nope"/],
      [{ keys: ['date', 'region'], value: 'value' }, /old file o\.csv has no column "region"/],
    ];
    for (const [spec, message] of cases) {
      const error = await service.createUploadJob(inputs, spec).then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(error).toBeInstanceOf(DomainError);
      expect((error as DomainError).kind).toBe('bad_input');
      expect((error as DomainError).message).toMatch(message);
    }
    expect(await service.recent(10)).toEqual([]);
  });

  it('keeps the job row in step with the queue hooks: processing, progress only forward, retry, then failure', async () => {
    const { platform, service, dataDir, clock } = await setup(kind);
    writeCsv(dataDir, 'revenue_old.csv', OLD);
    writeCsv(dataDir, 'revenue_new.csv', NEW);
    const { job_id } = await service.createMetricJob('revenue');
    const definition = diffJobDefinition(platform);
    const payload = { jobId: job_id } as DiffJobPayload;
    expect(definition.maxAttempts).toBe(3);

    clock.set('2026-03-10T12:00:05.000Z');
    await definition.onStart!(payload, { attempt: 1, maxAttempts: 3 });
    await definition.onProgress!(payload, 40);
    await definition.onProgress!(payload, 25); // late, out of order
    expect(await service.status(job_id)).toMatchObject({
      status: 'processing',
      progress: 40,
      attempts: 1,
      started_at: '2026-03-10T12:00:05.000Z',
    });

    await definition.onFailed!(payload, 'worker crashed', true, { attempt: 1, maxAttempts: 3 });
    expect(await service.status(job_id)).toMatchObject({
      status: 'queued',
      progress: 0,
      error: 'retrying after: worker crashed',
    });
    await definition.onProgress!(payload, 60); // progress of no running attempt is ignored
    expect((await service.status(job_id))?.progress).toBe(0);

    await definition.onStart!(payload, { attempt: 2, maxAttempts: 3 });
    expect(await service.status(job_id)).toMatchObject({ status: 'processing', attempts: 2, error: null });
    clock.set('2026-03-10T12:01:00.000Z');
    await definition.onFailed!(payload, 'worker crashed again', false, { attempt: 2, maxAttempts: 3 });
    expect(await service.status(job_id)).toMatchObject({
      status: 'failed',
      error: 'worker crashed again',
      finished_at: '2026-03-10T12:01:00.000Z',
    });
  });

  it('fails a job at once, on its first attempt, when the worker reports bad input', async () => {
    const { platform, service, dataDir } = await setup(kind);
    writeCsv(dataDir, 'revenue_old.csv', OLD);
    writeCsv(dataDir, 'revenue_new.csv', NEW);
    const { job_id } = await service.createMetricJob('revenue');
    const definition = diffJobDefinition(platform);
    const payload = { jobId: job_id } as DiffJobPayload;
    await definition.onStart!(payload, { attempt: 1, maxAttempts: 3 });
    await definition.onCompleted!(
      payload,
      { inputError: 'new file revenue_new.csv, line 9: bad' },
      { attempt: 1, maxAttempts: 3 },
    );
    expect(await service.status(job_id)).toMatchObject({
      status: 'failed',
      attempts: 1,
      error: 'new file revenue_new.csv, line 9: bad',
      rows_out: null,
      finished_at: NOW,
    });
  });

  it('removes finished jobs past JOB_RETENTION_DAYS with their results and uploads, and keeps recent and unfinished ones', async () => {
    const { platform, service, dataDir, clock, startWorkers } = await setup(kind, {
      JOB_RETENTION_DAYS: '2',
    });
    writeCsv(dataDir, 'revenue_old.csv', OLD);
    writeCsv(dataDir, 'revenue_new.csv', NEW);
    await startWorkers();
    const upload = async (dir: string) =>
      service.createUploadJob(
        {
          oldKey: await putUpload(platform, `diffing/uploads/${dir}/old.csv`, OLD),
          newKey: await putUpload(platform, `diffing/uploads/${dir}/new.csv`, NEW),
          oldName: 'o.csv',
          newName: 'n.csv',
        },
        { metric: 'revenue' },
      );

    const oldFiles = await service.createMetricJob('revenue');
    const oldUpload = await upload('first');
    for (const job of [oldFiles, oldUpload])
      expect((await finished(service, job.job_id)).status).toBe('done');
    clock.set(new Date(Date.parse(NOW) + DAY_MS));
    const recentUpload = await upload('second');
    expect((await finished(service, recentUpload.job_id)).status).toBe('done');
    // A job no worker has taken (its row only: nothing is enqueued), created long ago.
    const unfinished = await insertJob(platform.db as DiffingDb, {
      metric: 'revenue',
      keys: '["date"]',
      value_column: 'value',
      source: 'files',
      old_input: '/nowhere/old.csv',
      new_input: '/nowhere/new.csv',
      old_name: 'old.csv',
      new_name: 'new.csv',
      status: 'queued',
      progress: 0,
      attempts: 0,
      warnings: '[]',
      created_at: '2020-01-01T00:00:00.000Z',
    });

    clock.set(new Date(Date.parse(NOW) + 2 * DAY_MS + 1));
    expect(await service.removeExpired()).toBe(2);
    expect(await service.status(oldFiles.job_id)).toBeUndefined();
    expect(await service.status(oldUpload.job_id)).toBeUndefined();
    expect(await findJob(platform.db as DiffingDb, unfinished.id)).toMatchObject({ status: 'queued' });
    expect((await service.recent(10)).map((j) => j.job_id).sort()).toEqual(
      [recentUpload.job_id, unfinished.id].sort(),
    );
    expect(filesUnder(platform.config.artifactDir)).toEqual(
      [
        `diffing/${recentUpload.job_id}/deleted.csv`,
        `diffing/${recentUpload.job_id}/diff.csv`,
        `diffing/${recentUpload.job_id}/preview.jsonl`,
        'diffing/uploads/second/new.csv',
        'diffing/uploads/second/old.csv',
      ].sort(),
    );
    // The metric's own files in the data directory are never touched.
    expect(fs.readdirSync(dataDir).sort()).toEqual(['revenue_new.csv', 'revenue_old.csv']);
    expect(await service.removeExpired()).toBe(0);
  });
});
