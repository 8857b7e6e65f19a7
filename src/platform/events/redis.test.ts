import crypto from 'node:crypto';
import { Redis } from 'ioredis';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { hasRedis } from '../../../test/support/platform.js';
import { loadConfig } from '../../config.js';
import { DomainError } from '../errors.js';
import { waitFor } from '../jobs/testing/recorder.js';
import { eventBusConformance } from './conformance.js';
import type { EventBus } from './event-bus.js';
import { createEventBus } from './index.js';
import { createRedisBus } from './redis.js';

const silent = pino({ level: 'silent' });

describe.skipIf(!hasRedis())('Redis event bus', () => {
  eventBusConformance(
    async () => {
      const redisUrl = process.env.TEST_REDIS_URL!;
      const prefix = `quintet-test-${crypto.randomBytes(6).toString('hex')}`;
      const buses: EventBus[] = [createRedisBus({ redisUrl, prefix, log: silent })];
      return {
        bus: buses[0]!,
        another: async () => {
          const bus = createRedisBus({ redisUrl, prefix, log: silent });
          buses.push(bus);
          return bus;
        },
        dispose: async () => {
          for (const bus of buses) await bus.close();
        },
      };
    },
    { crossInstance: true },
  );
});

describe.skipIf(!hasRedis())('Redis event bus when Redis goes away', () => {
  const buses: EventBus[] = [];
  afterEach(async () => {
    while (buses.length) await buses.pop()!.close();
  });

  it('subscribes again by itself after its connections are killed, and delivers what is published next', async () => {
    const url = process.env.TEST_REDIS_URL!;
    const prefix = `quintet-kill-${crypto.randomBytes(5).toString('hex')}`;
    const bus = createRedisBus({ redisUrl: url, prefix, log: silent });
    buses.push(bus);
    const got: number[] = [];
    await bus.subscribe('live', (e) => void got.push(e.id));
    await bus.publish('live', { id: 1, type: 't', data: null });
    await waitFor(() => got.length === 1, 'the first event');

    const admin = new Redis(url);
    try {
      const list = (await admin.client('LIST')) as string;
      const ids = list
        .split('\n')
        .filter((line) => line.includes(` name=${prefix}:events-`))
        .map((line) => /^id=(\d+)/.exec(line)![1]!);
      expect(ids).toHaveLength(2); // the publisher and the dedicated subscriber
      for (const id of ids) await admin.client('KILL', 'ID', id);
    } finally {
      await admin.quit();
    }
    // Events published while the subscriber is away are lost (at most once); retry until one lands.
    let id = 2;
    await waitFor(async () => {
      await bus.publish('live', { id: id++, type: 't', data: null }).catch(() => undefined);
      return got.length > 1;
    }, 'an event after the reconnect');
    expect(got.at(-1)).toBeGreaterThan(1);
  });

  it('calls onResume once the subscription is live again after its connection was killed', async () => {
    const url = process.env.TEST_REDIS_URL!;
    const prefix = `quintet-resume-${crypto.randomBytes(5).toString('hex')}`;
    const bus = createRedisBus({ redisUrl: url, prefix, log: silent });
    buses.push(bus);
    const publisher = createRedisBus({ redisUrl: url, prefix, log: silent });
    buses.push(publisher);
    const got: number[] = [];
    let resumed = 0;
    await bus.subscribe('live', (e) => void got.push(e.id), { onResume: () => void resumed++ });
    const admin = new Redis(url);
    try {
      const list = (await admin.client('LIST')) as string;
      const id = list
        .split('\n')
        .find((line) => line.includes(` name=${prefix}:events-subscriber`))
        ?.match(/^id=(\d+)/)?.[1];
      expect(id).toBeDefined();
      await admin.client('KILL', 'ID', id!);
    } finally {
      await admin.quit();
    }
    await waitFor(() => resumed === 1, 'onResume after the reconnect');
    // Called once the channel is live: an event published now arrives.
    await publisher.publish('live', { id: 1, type: 't', data: null });
    await waitFor(() => got.length === 1, 'the event after onResume');
  });

  it('fails a publish fast with DomainError unavailable while Redis does not answer', async () => {
    // Nothing listens on port 1.
    const bus = createRedisBus({ redisUrl: 'redis://127.0.0.1:1', log: silent, connectTimeoutMs: 300 });
    buses.push(bus);
    const started = performance.now();
    const error = await bus.publish('live', { id: 1, type: 't', data: null }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DomainError);
    expect((error as DomainError).kind).toBe('unavailable');
    expect(performance.now() - started).toBeLessThan(1500);
  });
});

describe('createEventBus', () => {
  it('is in-process without REDIS_URL: publishing needs no Redis', async () => {
    const bus = createEventBus({ config: loadConfig({ REDIS_URL: '' }, []), log: silent });
    const got: number[] = [];
    await bus.subscribe('local', (e) => void got.push(e.id));
    await bus.publish('local', { id: 1, type: 't', data: null });
    await waitFor(() => got.length === 1, 'the local event');
    await bus.close();
  });

  it.skipIf(!hasRedis())('is Redis with REDIS_URL, under REDIS_PREFIX', async () => {
    const prefix = `quintet-choose-${crypto.randomBytes(5).toString('hex')}`;
    const url = process.env.TEST_REDIS_URL!;
    const bus = createEventBus({
      config: loadConfig({ REDIS_URL: url, REDIS_PREFIX: prefix }, []),
      log: silent,
    });
    const direct = createRedisBus({ redisUrl: url, prefix, log: silent });
    try {
      const got: number[] = [];
      await direct.subscribe('chosen', (e) => void got.push(e.id));
      await bus.publish('chosen', { id: 7, type: 't', data: null });
      await waitFor(() => got.length === 1, 'the event through Redis');
    } finally {
      await bus.close();
      await direct.close();
    }
  });
});
