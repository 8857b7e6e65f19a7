// Redis going away (a restart, a failover, connections dropped) must cost time, never jobs nor the
// process: workers reconnect and finish what was queued; enqueueing answers "unavailable" at once
// instead of hanging while Redis is away; a Redis that comes back empty gets the unfinished jobs
// back from the definitions (the systems' rows).
import crypto from 'node:crypto';
import { Redis } from 'ioredis';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestPlatform, hasRedis, type TestPlatform } from '../../../test/support/platform.js';
import { hasRedisServer, startTestRedis } from '../../../test/support/redis-server.js';
import { DomainError } from '../errors.js';
import { createBullMqQueue } from './bullmq.js';
import type { AnyJobDefinition, JobQueue } from './job-queue.js';
import { recordingJob, waitFor, type RecordingJob } from './testing/recorder.js';
import type { TestJobPayload } from './testing/test-job.worker.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function queueOn(redisUrl: string, prefix: string): Promise<JobQueue> {
  const platform: TestPlatform = await createTestPlatform('sqlite');
  const queue = createBullMqQueue({
    redisUrl,
    prefix,
    log: pino({ level: 'silent' }),
    config: platform.config,
    concurrency: 2,
    retentionDays: 1,
    lockDurationMs: 2000,
  });
  cleanups.push(async () => {
    await queue.close({ timeoutMs: 0 });
    await platform.dispose();
  });
  return queue;
}

/** Kills every connection this queue opened (BullMQ and ours name them `<prefix>:…`). */
async function killConnections(url: string, prefix: string): Promise<number> {
  const admin = new Redis(url);
  try {
    const list = (await admin.client('LIST')) as string;
    const ids = list
      .split('\n')
      .filter((line) => line.includes(` name=${prefix}:`))
      .map((line) => /^id=(\d+)/.exec(line)![1]!);
    for (const id of ids) await admin.client('KILL', 'ID', id);
    return ids.length;
  } finally {
    await admin.quit();
  }
}

describe.skipIf(!hasRedis())('BullMQ queue when Redis connections drop', () => {
  it('finishes every queued job after its connections are killed mid-work, and answers pings again', async () => {
    const url = process.env.TEST_REDIS_URL!;
    const prefix = `quintet-outage-${crypto.randomBytes(5).toString('hex')}`;
    const queue = await queueOn(url, prefix);
    const job = recordingJob('test.job', { maxAttempts: 5, backoffMs: 50 });
    await queue.startWorkers([job.definition]);
    for (let i = 0; i < 6; i++) await queue.enqueue('test.job', { kind: 'progress', steps: 5, delayMs: 60 });
    await waitFor(() => job.of('start').length >= 1, 'a job to start');
    expect(await killConnections(url, prefix)).toBeGreaterThanOrEqual(3);
    await waitFor(() => job.of('completed').length === 6, 'all six jobs to complete', 30_000);
    await waitFor(() => queue.ping(), 'the queue to answer pings again');
    await queue.enqueue('test.job', { kind: 'echo', value: 'after' });
    await waitFor(() => job.of('completed').length === 7, 'a job enqueued after the outage');
  });

  it('refuses to enqueue at once, as "unavailable", while Redis cannot be reached', async () => {
    // Nothing listens on port 1: the same as a Redis that is down.
    const queue = await queueOn(
      'redis://127.0.0.1:1',
      `quintet-down-${crypto.randomBytes(5).toString('hex')}`,
    );
    const t0 = Date.now();
    const error = await queue.enqueue('test.job', { kind: 'echo', value: 1 }).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(DomainError);
    expect((error as DomainError).kind).toBe('unavailable');
    expect(Date.now() - t0).toBeLessThan(6000);
    expect(await queue.ping()).toBe(false);
  });

  /**
   * The recording job with what a system's rows would say: every enqueued echo value not yet
   * completed is owed, under the key it was enqueued with.
   */
  function owing(job: RecordingJob, values: number[]): AnyJobDefinition {
    return {
      ...job.definition,
      unfinished: async () => {
        const done = new Set(job.of('completed').map((e) => (e.payload as { value: number }).value));
        return values
          .filter((v) => !done.has(v))
          .map((value) => ({ key: `owed-${value}`, payload: { kind: 'echo', value } as TestJobPayload }));
      },
    };
  }

  it.skipIf(!hasRedisServer())(
    'enqueues the unfinished jobs again when Redis comes back empty, whether workers ran then or start later',
    async () => {
      const redis = await startTestRedis({ persistent: false });
      cleanups.push(() => redis.stop());
      const prefix = `quintet-empty-${crypto.randomBytes(5).toString('hex')}`;

      // Queued with no worker running, then Redis restarts empty: a worker starting later runs them.
      const producer = await queueOn(redis.url, prefix);
      const job = recordingJob('test.job');
      const completed = () => job.of('completed').map((e) => e.result.value);
      const values = [1, 2, 3];
      for (const value of values)
        await producer.enqueue('test.job', { kind: 'echo', value }, { key: `owed-${value}` });
      await redis.restart();
      const admin = new Redis(redis.url);
      cleanups.push(async () => void (await admin.quit()));
      expect(await admin.keys(`${prefix}:*`)).toEqual([]);
      const worker = await queueOn(redis.url, prefix);
      await worker.startWorkers([owing(job, values)]);
      await waitFor(() => job.of('completed').length === 3, 'the three jobs lost with Redis to complete');
      expect(completed().sort()).toEqual([1, 2, 3]);

      // With the worker running: jobs the rows owe when Redis restarts empty again (as if enqueued
      // just before it) come back when the worker reconnects.
      values.push(4, 5);
      await redis.restart();
      await waitFor(() => job.of('completed').length === 5, 'the jobs owed after the second restart');
      expect(completed().sort()).toEqual([1, 2, 3, 4, 5]);
      // Nothing ran twice: Redis kept the state key between the worker's start and the restart.
      expect(job.of('start')).toHaveLength(5);
      // A reconnect to a Redis that kept its state puts nothing back.
      values.push(6);
      expect(await killConnections(redis.url, prefix)).toBeGreaterThan(0);
      await waitFor(() => worker.ping(), 'the queue to answer pings again');
      await worker.enqueue('test.job', { kind: 'echo', value: 7 });
      await waitFor(() => job.of('completed').length === 6, 'a job enqueued after the reconnect');
      expect(completed()).not.toContain(6);
    },
    60_000,
  );
});
