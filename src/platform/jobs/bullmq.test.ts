import crypto from 'node:crypto';
import { Redis } from 'ioredis';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { createTestPlatform, hasRedis } from '../../../test/support/platform.js';
import { bullJobId, createBullMqQueue } from './bullmq.js';
import { jobQueueConformance } from './conformance.js';

/** Deletes every key under a test's own prefix. */
async function dropPrefix(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    await redis.quit();
  }
}

describe.skipIf(!hasRedis())('BullMQ job queue', () => {
  jobQueueConformance(async ({ concurrency, artifactDir, clock }) => {
    const redisUrl = process.env.TEST_REDIS_URL!;
    const prefix = `quintet-test-${crypto.randomBytes(6).toString('hex')}`;
    // The jobs' database: a SQLite file the threads open read-only.
    const platform = await createTestPlatform('sqlite');
    const make = () =>
      createBullMqQueue({
        redisUrl,
        prefix,
        log: pino({ level: 'silent' }),
        config: { ...platform.config, artifactDir },
        clock,
        concurrency,
        retentionDays: 7,
      });
    const queues = [make()];
    return {
      queue: queues[0]!,
      db: platform.db,
      another: async () => {
        const queue = make();
        queues.push(queue);
        return queue;
      },
      dispose: async () => {
        for (const queue of queues) await queue.close({ timeoutMs: 0 });
        await dropPrefix(redisUrl, prefix);
        await platform.dispose();
      },
    };
  });
});

describe('bullJobId', () => {
  it('turns any key into a distinct BullMQ-legal job id', () => {
    const keys = ['42', 'diff:42', 'diff%3A42', 'a:b:c', '0'];
    const ids = keys.map(bullJobId);
    expect(new Set(ids).size).toBe(keys.length);
    for (const id of ids) {
      expect(id).not.toContain(':');
      expect(Number.isInteger(Number(id))).toBe(false);
    }
  });
});
