import fs from 'node:fs';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { createTestPlatform, describeEachDb, type TestPlatform } from '../../../test/support/platform.js';
import { jobQueueConformance } from './conformance.js';
import { createInProcessQueue, type InProcessQueueOptions } from './in-process.js';
import { recordingJob, waitFor } from './testing/recorder.js';

function queueOn(platform: TestPlatform, options: Partial<InProcessQueueOptions> = {}) {
  return createInProcessQueue({
    db: platform.db,
    dialect: platform.database.dialect,
    log: platform.log,
    config: platform.config,
    concurrency: 1,
    retentionDays: 7,
    pollIntervalMs: 50,
    ...options,
  });
}

describeEachDb('in-process job queue', (kind) => {
  jobQueueConformance(async ({ concurrency, artifactDir, clock }) => {
    const platform = await createTestPlatform(kind);
    const config = { ...platform.config, artifactDir };
    const queues = [queueOn(platform, { concurrency, config, clock })];
    return {
      queue: queues[0]!,
      db: platform.db,
      another: async () => {
        const queue = queueOn(platform, { concurrency, config, clock });
        queues.push(queue);
        return queue;
      },
      dispose: async () => {
        for (const queue of queues) await queue.close({ timeoutMs: 0 });
        await platform.dispose();
      },
    };
  });

  const platforms: TestPlatform[] = [];
  afterEach(async () => {
    while (platforms.length) await platforms.pop()!.dispose();
  });
  async function platformOn() {
    const platform = await createTestPlatform(kind);
    platforms.push(platform);
    return platform;
  }

  it('keeps status, attempts, progress and timings in platform_jobs', async () => {
    const platform = await platformOn();
    const queue = queueOn(platform);
    const job = recordingJob('test.job', { maxAttempts: 2 });
    await queue.enqueue('test.job', { kind: 'fail', message: 'nope' }, { key: 'k1' });
    const queued = await platform.db.selectFrom('platform_jobs').selectAll().executeTakeFirstOrThrow();
    expect(queued).toMatchObject({
      name: 'test.job',
      key: 'k1',
      status: 'queued',
      attempts: 0,
      started_at: null,
    });
    await queue.startWorkers([job.definition]);
    await waitFor(() => job.of('failed').some((e) => !e.willRetry), 'the final failure');
    await waitFor(
      async () =>
        (await platform.db.selectFrom('platform_jobs').select('status').executeTakeFirst())?.status ===
        'failed',
      'status failed',
    );
    const row = await platform.db.selectFrom('platform_jobs').selectAll().executeTakeFirstOrThrow();
    expect(row).toMatchObject({ status: 'failed', attempts: 2, last_error: 'nope', locked_by: null });
    expect(row.finished_at >= row.started_at && row.started_at >= row.created_at).toBe(true);
    await queue.close();
  });

  it('picks up a job another process enqueued, by polling', async () => {
    const platform = await platformOn();
    const worker = queueOn(platform);
    const producer = queueOn(platform); // another instance: its enqueue cannot wake the worker directly
    const job = recordingJob();
    await worker.startWorkers([job.definition]);
    await producer.enqueue('test.job', { kind: 'echo', value: 'from afar' });
    await waitFor(() => job.of('completed').length === 1, 'the polled job');
    await Promise.all([worker.close(), producer.close()]);
  });

  it('leaves jobs of names it does not run in the queue', async () => {
    const platform = await platformOn();
    const queue = queueOn(platform);
    const job = recordingJob();
    await queue.enqueue('other.job', { kind: 'echo', value: 'not mine' });
    await queue.enqueue('test.job', { kind: 'echo', value: 'mine' });
    await queue.startWorkers([job.definition]);
    await waitFor(() => job.of('completed').length === 1, 'my job');
    const other = await platform.db
      .selectFrom('platform_jobs')
      .selectAll()
      .where('name', '=', 'other.job')
      .executeTakeFirstOrThrow();
    expect(other.status).toBe('queued');
    await queue.close();
  });

  it("removes finished rows older than the retention period, keeping recent and unfinished ones, and leaves artifacts to their systems' retention", async () => {
    const platform = await platformOn();
    let nowMs = Date.parse('2026-01-01T00:00:00Z');
    const queue = queueOn(platform, { now: () => new Date(nowMs), retentionDays: 7 });
    const at = (days: number) =>
      new Date(Date.parse('2026-01-01T00:00:00Z') + days * 86_400_000).toISOString();
    const row = (key: string, status: string, finished: string | null) => ({
      name: 'test.job',
      key,
      payload: '{}',
      status,
      attempts: 1,
      progress: 0,
      run_after: at(0),
      created_at: at(0),
      finished_at: finished,
    });
    await platform.db
      .insertInto('platform_jobs')
      .values([
        row('old-done', 'done', at(0)),
        row('old-failed', 'failed', at(0)),
        row('new-done', 'done', at(5)),
        row('queued', 'queued', null),
      ])
      .execute();
    const old = await platform.artifacts.writer('test/old.csv');
    await fs.promises.writeFile(old.path, 'x');
    await old.commit();
    fs.utimesSync(path.join(platform.config.artifactDir, 'test/old.csv'), new Date(at(0)), new Date(at(0)));
    const recent = await platform.artifacts.writer('test/recent.csv');
    await fs.promises.writeFile(recent.path, 'y');
    await recent.commit();
    nowMs = Date.parse(at(8));
    await queue.sweep();
    const keys = (await platform.db.selectFrom('platform_jobs').select('key').orderBy('key').execute()).map(
      (r) => r.key,
    );
    expect(keys).toEqual(['new-done', 'queued']);
    // Artifacts belong to the systems that wrote them: each removes its own (diffing.retention).
    expect(await platform.artifacts.exists('test/old.csv')).toBe(true);
    expect(await platform.artifacts.exists('test/recent.csv')).toBe(true);
    await queue.close();
  });

  it('requeues a row whose owner stopped sending heartbeats, and fails it when that was its last attempt', async () => {
    const platform = await platformOn();
    const queue = queueOn(platform, { staleAfterMs: 1000 });
    const job = recordingJob('test.job', { maxAttempts: 2 });
    const stale = new Date(Date.now() - 5000).toISOString();
    const base = {
      name: 'test.job',
      payload: JSON.stringify({ kind: 'echo', value: 'again' }),
      status: 'running',
      progress: 40,
      run_after: stale,
      created_at: stale,
      started_at: stale,
      heartbeat_at: stale,
      locked_by: 'elsewhere:1:abcd',
    };
    await platform.db
      .insertInto('platform_jobs')
      .values([
        { ...base, key: 'retry', attempts: 1 },
        { ...base, key: 'last', attempts: 2 },
      ])
      .execute();
    await queue.startWorkers([job.definition]);
    await waitFor(
      () => job.of('completed').length === 1 && job.of('failed').length === 1,
      'both rows handled',
    );
    expect(job.of('completed')[0]!.info.attempt).toBe(2);
    expect(job.of('failed')[0]).toMatchObject({
      error: expect.stringMatching(/interrupted/),
      willRetry: false,
    });
    await queue.close();
  });
});
