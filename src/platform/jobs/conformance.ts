// The one conformance suite every JobQueue adapter passes. Call it inside a describe block.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { fixedClock, type Clock } from '../clock.js';
import type { AnyDb } from '../db/database.js';
import { createArtifactStore } from '../storage/artifact-store.js';
import { JobDefinitionError, type JobQueue } from './job-queue.js';
import { recordingJob, waitFor } from './testing/recorder.js';

export interface QueueUnderTest {
  queue: JobQueue;
  /** A writable handle on the database that the queue's config names (job threads read it). */
  db: AnyDb;
  /** A second queue on the same storage, as another process would have; disposed with the first. */
  another(): Promise<JobQueue>;
  /** Closes the queues if still open and removes everything the adapter stored. */
  dispose(): Promise<void>;
}

export interface QueueFactoryOptions {
  concurrency: number;
  artifactDir: string;
  /** The platform clock the queue hands to job threads. */
  clock: Clock;
}

/** Builds a fresh, isolated queue (its own database or Redis prefix) for one test. */
export type QueueFactory = (options: QueueFactoryOptions) => Promise<QueueUnderTest>;

/** The platform time the conformance jobs run at: threads must see it, not the wall clock. */
const PINNED_AT = '2015-01-07T10:00:00.000Z';
const PINNED = fixedClock(PINNED_AT);

export function jobQueueConformance(factory: QueueFactory): void {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    while (cleanups.length) await cleanups.pop()!();
  });

  async function setup(concurrency = 1) {
    const artifactDir = fs.mkdtempSync(path.join(os.tmpdir(), 'quintet-artifacts-'));
    const made = await factory({ concurrency, artifactDir, clock: PINNED });
    cleanups.push(async () => {
      await made.dispose();
      fs.rmSync(artifactDir, { recursive: true, force: true });
    });
    return { queue: made.queue, artifactDir, db: made.db, another: made.another };
  }

  it('runs a job in a worker thread and hands its result to onCompleted', async () => {
    const { queue } = await setup();
    const job = recordingJob();
    await queue.startWorkers([job.definition]);
    await queue.enqueue('test.job', { kind: 'echo', value: { hello: 'world' } });
    await waitFor(() => job.of('completed').length === 1, 'onCompleted');
    const [completed] = job.of('completed');
    expect(completed!.result.value).toEqual({ hello: 'world' });
    expect(completed!.result.threadId).toBeGreaterThan(0);
    expect(completed!.info).toEqual({ attempt: 1, maxAttempts: 3 });
    expect(job.of('start')).toHaveLength(1);
    expect(job.of('failed')).toHaveLength(0);
  });

  it('reports progress in increasing whole percents, ending at 100 before onCompleted', async () => {
    const { queue } = await setup();
    const job = recordingJob();
    await queue.startWorkers([job.definition]);
    await queue.enqueue('test.job', { kind: 'progress', steps: 20, delayMs: 30 });
    await waitFor(() => job.of('completed').length === 1, 'onCompleted');
    const pcts = job.of('progress').map((e) => e.pct);
    expect(pcts.length).toBeGreaterThan(1);
    expect(pcts.every((p, i) => Number.isInteger(p) && (i === 0 || p > pcts[i - 1]!))).toBe(true);
    expect(pcts.at(-1)).toBe(100);
    // Throttled: 20 reports in ~600 ms arrive as a handful of hook calls.
    expect(pcts.length).toBeLessThan(20);
    const lastProgress = job.events.findLastIndex((e) => e.hook === 'progress');
    expect(lastProgress).toBeLessThan(job.events.findIndex((e) => e.hook === 'completed'));
  });

  it('retries a failing job up to maxAttempts, telling onFailed whether it will retry', async () => {
    const { queue } = await setup();
    const job = recordingJob('test.job', { maxAttempts: 3, backoffMs: 10 });
    await queue.startWorkers([job.definition]);
    await queue.enqueue('test.job', { kind: 'fail', message: 'the export is malformed' });
    await waitFor(() => job.of('failed').some((e) => !e.willRetry), 'the final onFailed');
    const failed = job.of('failed');
    expect(failed.map((e) => e.error)).toEqual(Array(3).fill('the export is malformed'));
    expect(failed.map((e) => e.willRetry)).toEqual([true, true, false]);
    expect(job.of('start').map((e) => e.info.attempt)).toEqual([1, 2, 3]);
    expect(job.of('completed')).toHaveLength(0);
  });

  it('skips a job its system no longer has (onStart says gone): no thread, no other hook, and it is not retried', async () => {
    const { queue, artifactDir } = await setup();
    const job = recordingJob();
    const gone = new Set(['ghost']);
    const onStart = job.definition.onStart!;
    await queue.startWorkers([
      {
        ...job.definition,
        onStart: async (payload, info) => {
          await onStart(payload, info);
          return payload.kind === 'artifact' && gone.has(payload.key) ? 'gone' : undefined;
        },
      },
    ]);
    await queue.enqueue('test.job', { kind: 'artifact', key: 'ghost', text: 'for nobody' });
    await queue.enqueue('test.job', { kind: 'artifact', key: 'kept', text: 'wanted' });
    await waitFor(
      () => job.of('completed').length === 1 && job.of('start').length === 2,
      'both jobs to start and the wanted one to complete',
    );
    expect(job.of('start')).toHaveLength(2);
    expect(job.of('completed').map((e) => e.payload)).toEqual([
      { kind: 'artifact', key: 'kept', text: 'wanted' },
    ]);
    expect(job.of('failed')).toEqual([]);
    // The thread never ran for the ghost: it wrote no artifact.
    expect(fs.existsSync(path.join(artifactDir, 'kept'))).toBe(true);
    expect(fs.existsSync(path.join(artifactDir, 'ghost'))).toBe(false);
  });

  it('runs a job enqueued twice with the same key once', async () => {
    const { queue } = await setup();
    const job = recordingJob();
    await queue.enqueue('test.job', { kind: 'echo', value: 'keyed' }, { key: 'diff:42' });
    await queue.enqueue('test.job', { kind: 'echo', value: 'keyed again' }, { key: 'diff:42' });
    await queue.enqueue('test.job', { kind: 'echo', value: 'other key' }, { key: 'diff:43' });
    await queue.startWorkers([job.definition]);
    // Jobs of one name run in order, so the other key finishing means a duplicate would have run.
    await waitFor(
      () => job.of('completed').some((e) => e.result.value === 'other key'),
      'the job with the other key',
    );
    await queue.enqueue('test.job', { kind: 'echo', value: 'after it ran' }, { key: 'diff:42' });
    await queue.enqueue('test.job', { kind: 'echo', value: 'sentinel' });
    await waitFor(() => job.of('completed').some((e) => e.result.value === 'sentinel'), 'the sentinel job');
    expect(job.of('completed').map((e) => e.result.value)).toEqual(['keyed', 'other key', 'sentinel']);
  });

  it('keeps the event loop responsive while two CPU-bound jobs run at once', async () => {
    const { queue } = await setup(2);
    const job = recordingJob();
    await queue.startWorkers([job.definition]);
    let last = performance.now();
    let maxGap = 0;
    const ticker = setInterval(() => {
      const t = performance.now();
      maxGap = Math.max(maxGap, t - last);
      last = t;
    }, 10);
    try {
      await queue.enqueue('test.job', { kind: 'spin', ms: 700 });
      await queue.enqueue('test.job', { kind: 'spin', ms: 700 });
      await waitFor(() => job.of('completed').length === 2, 'both CPU-bound jobs');
    } finally {
      clearInterval(ticker);
    }
    expect(maxGap).toBeLessThan(250);
    const [first, second] = job.of('completed');
    expect(first!.result.threadId).not.toBe(second!.result.threadId);
    // They ran side by side: the second started before the first finished.
    expect(Math.max(...job.of('start').map((e) => e.at))).toBeLessThan(
      Math.min(...job.of('completed').map((e) => e.at)),
    );
  });

  it('lets a job publish an artifact in the store of the process that runs it', async () => {
    const { queue, artifactDir } = await setup();
    const job = recordingJob();
    await queue.startWorkers([job.definition]);
    await queue.enqueue('test.job', { kind: 'artifact', key: 'test/1/out.csv', text: 'a,b\n1,2\n' });
    await waitFor(() => job.of('completed').length === 1, 'onCompleted');
    const store = createArtifactStore(artifactDir);
    expect(await store.exists('test/1/out.csv')).toBe(true);
    expect(fs.readFileSync(store.pathOf('test/1/out.csv'), 'utf8')).toBe('a,b\n1,2\n');
  });

  it('close() lets a running job finish within the timeout', async () => {
    const { queue } = await setup();
    const job = recordingJob();
    await queue.startWorkers([job.definition]);
    await queue.enqueue('test.job', { kind: 'progress', steps: 5, delayMs: 60 });
    await waitFor(() => job.of('start').length === 1, 'onStart');
    await queue.close({ timeoutMs: 10_000 });
    expect(job.of('completed')).toHaveLength(1);
    await expect(queue.enqueue('test.job', { kind: 'echo', value: 1 })).rejects.toThrow(/closed/);
  });

  it('close() aborts a job that outlasts the timeout, reports it, and resolves', async () => {
    const { queue } = await setup();
    const job = recordingJob('test.job', { maxAttempts: 2 });
    await queue.startWorkers([job.definition]);
    await queue.enqueue('test.job', { kind: 'hang' });
    await waitFor(() => job.of('start').length === 1, 'onStart');
    const t0 = Date.now();
    await queue.close({ timeoutMs: 100 });
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(job.of('failed')).toMatchObject([{ error: expect.stringMatching(/shut down/), willRetry: true }]);
    expect(job.of('completed')).toHaveLength(0);
    await queue.close(); // idempotent
  });

  it('hands a job it aborts at close() back without using up an attempt: the next process runs that attempt again', async () => {
    const { queue, another } = await setup();
    // One attempt in all: were the hand-back counted, the job would fail for good here.
    const job = recordingJob('test.job', { maxAttempts: 1 });
    await queue.startWorkers([job.definition]);
    await queue.enqueue('test.job', { kind: 'hang' });
    await waitFor(() => job.of('start').length === 1, 'onStart');
    await queue.close({ timeoutMs: 0 });
    expect(job.of('failed')).toMatchObject([
      { error: 'interrupted: the job queue was shut down', willRetry: true, info: { attempt: 1 } },
    ]);

    const next = await another();
    await next.startWorkers([job.definition]);
    await waitFor(() => job.of('start').length === 2, 'the job to start again on the next queue');
    expect(job.of('start').map((e) => e.info)).toEqual([
      { attempt: 1, maxAttempts: 1 },
      { attempt: 1, maxAttempts: 1 },
    ]);
    expect(job.of('failed')).toHaveLength(1);
  });

  it('refuses at start a job table with duplicate names, bad names or missing worker modules', async () => {
    const { queue } = await setup();
    const ok = recordingJob('test.job').definition;
    await expect(queue.startWorkers([ok, ok])).rejects.toThrow(/"test.job" is defined twice/);
    await expect(queue.startWorkers([{ ...ok, name: 'NoSystem' }])).rejects.toThrow(JobDefinitionError);
    await expect(
      queue.startWorkers([{ ...ok, workerModule: new URL('./nope.worker.js', import.meta.url) }]),
    ).rejects.toThrow(/does not exist/);
    await expect(queue.enqueue('Not A Name', {})).rejects.toThrow(/system\.job/);
  });

  it('hands the job its config, a logger and a read-only database handle of its own thread', async () => {
    const { queue, db, artifactDir } = await setup();
    await db
      .insertInto('platform_settings')
      .values({ key: 'conformance', value: 'seen by the thread' })
      .execute();
    const job = recordingJob('test.job', { maxAttempts: 1 });
    await queue.startWorkers([job.definition]);
    await queue.enqueue('test.job', { kind: 'read-setting', key: 'conformance' });
    await queue.enqueue('test.job', { kind: 'write-setting', key: 'from-thread' });
    await waitFor(() => job.of('completed').length + job.of('failed').length === 2, 'both jobs');
    expect(job.of('completed').map((e) => e.result.value)).toEqual([
      { value: 'seen by the thread', artifactDir, logs: 'function' },
    ]);
    expect(job.of('failed')).toMatchObject([{ error: expect.stringMatching(/read.?only/i) }]);
    const written = await db
      .selectFrom('platform_settings')
      .select('key')
      .where('key', '=', 'from-thread')
      .execute();
    expect(written).toEqual([]);
  });

  it("tells the job the platform clock's time, not the wall clock's", async () => {
    const { queue } = await setup();
    const job = recordingJob();
    await queue.startWorkers([job.definition]);
    await queue.enqueue('test.job', { kind: 'now' });
    await waitFor(() => job.of('completed').length === 1, 'the job');
    const seen = Date.parse(job.of('completed')[0]!.result.value as string);
    expect(seen - Date.parse(PINNED_AT)).toBeGreaterThanOrEqual(0);
    expect(seen - Date.parse(PINNED_AT)).toBeLessThan(10_000);
  });

  it('does not start a delayed job before its delay is over', async () => {
    const { queue } = await setup();
    const job = recordingJob();
    await queue.startWorkers([job.definition]);
    const enqueuedAt = Date.now();
    await queue.enqueue('test.job', { kind: 'echo', value: 'later' }, { delayMs: 600 });
    await queue.enqueue('test.job', { kind: 'echo', value: 'now' });
    await waitFor(() => job.of('completed').length === 2, 'both jobs');
    const [first, second] = job.of('completed');
    expect([first!.result.value, second!.result.value]).toEqual(['now', 'later']);
    const laterStart = job.of('start').find((e) => e.payload.kind === 'echo' && e.payload.value === 'later')!;
    expect(laterStart.at - enqueuedAt).toBeGreaterThanOrEqual(590);
    await expect(queue.enqueue('test.job', {}, { delayMs: -1 })).rejects.toThrow(/delayMs/);
  });

  it('runs a scheduled job once per period, however many processes serve its schedule', async () => {
    const { queue, another } = await setup();
    const everyMs = 500;
    const job = recordingJob('test.scheduled', {
      schedule: { everyMs, payload: { kind: 'echo', value: 'tick' } },
    });
    const second = await another();
    const t0 = Date.now();
    await queue.startWorkers([job.definition]);
    await second.startWorkers([job.definition]);
    await waitFor(() => job.of('completed').length >= 4, 'four scheduled runs', 20_000);
    const elapsed = Date.now() - t0;
    const runs = job.of('start');
    expect(runs.every((e) => e.payload.kind === 'echo' && e.payload.value === 'tick')).toBe(true);
    // Once per period: two processes each running every period would need half the time.
    expect(runs.length).toBeLessThanOrEqual(Math.floor(elapsed / everyMs) + 2);
  });

  it('refuses a schedule period that is not a whole number of milliseconds within limits', async () => {
    const { queue } = await setup();
    const bad = recordingJob('test.scheduled', { schedule: { everyMs: 5 } }).definition;
    await expect(queue.startWorkers([bad])).rejects.toThrow(/schedule\.everyMs/);
  });
}
