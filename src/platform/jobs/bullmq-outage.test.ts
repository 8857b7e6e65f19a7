// Redis going away (a restart, a failover, connections dropped) must cost time, never jobs nor the
// process: workers reconnect and finish what was queued; enqueueing answers "unavailable" at once
// instead of hanging while Redis is away.
import crypto from 'node:crypto';
import { Redis } from 'ioredis';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestPlatform, hasRedis, type TestPlatform } from '../../../test/support/platform.js';
import { DomainError } from '../errors.js';
import { createBullMqQueue } from './bullmq.js';
import type { JobQueue } from './job-queue.js';
import { recordingJob, waitFor } from './testing/recorder.js';

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
});
