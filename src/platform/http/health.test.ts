import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import pino from 'pino';
import { createTestPlatform, hasRedis } from '../../../test/support/platform.js';
import type { Database } from '../db/database.js';
import { createBullMqQueue } from '../jobs/bullmq.js';
import type { JobQueue } from '../jobs/job-queue.js';
import { registerHealth } from './health.js';

const apps: FastifyInstance[] = [];
afterEach(async () => {
  while (apps.length) await apps.pop()!.close();
});

/** A database whose pings wait until the test answers them. */
function heldDatabase() {
  const pending: ((ok: boolean) => void)[] = [];
  const database = {
    dialect: 'sqlite',
    ping: () => new Promise<boolean>((resolve) => pending.push(resolve)),
  } as unknown as Database;
  return { database, pending };
}

/** A job queue whose pings wait until the test answers them. */
function heldQueue(kind: JobQueue['kind']) {
  const pending: ((ok: boolean) => void)[] = [];
  const jobs = {
    kind,
    ping: () => new Promise<boolean>((resolve) => pending.push(resolve)),
  } as unknown as JobQueue;
  return { jobs, pending };
}

const answeringDatabase = (ok: boolean) =>
  ({ dialect: 'postgres', ping: () => Promise.resolve(ok) }) as unknown as Database;

async function healthApp(database: Database, jobs?: JobQueue) {
  const app = Fastify();
  let arrived = 0;
  // preHandler runs right before the handler, in the same tick: once all have arrived, all have asked.
  app.addHook('preHandler', (_request, _reply, done) => {
    arrived++;
    done();
  });
  registerHealth(app, database, jobs);
  apps.push(app);
  await app.ready();
  const allArrived = async (n: number) => {
    while (arrived < n) await new Promise((resolve) => setImmediate(resolve));
  };
  return { app, allArrived };
}

describe('/health', () => {
  it('answers concurrent checks with one database round trip', async () => {
    const { database, pending } = heldDatabase();
    const { app, allArrived } = await healthApp(database);
    const responses = Promise.all(Array.from({ length: 5 }, () => app.inject('/health')));
    await allArrived(5);
    expect(pending).toHaveLength(1);
    pending[0]!(true);
    for (const res of await responses) {
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ status: 'ok', database: 'sqlite' });
    }
  });

  it('pings again for a check that comes after the round trip ended, so an outage shows at once', async () => {
    const { database, pending } = heldDatabase();
    const { app, allArrived } = await healthApp(database);
    const first = app.inject('/health');
    await allArrived(1);
    pending[0]!(true);
    expect((await first).statusCode).toBe(200);

    const second = app.inject('/health');
    await allArrived(2);
    expect(pending).toHaveLength(2);
    pending[1]!(false);
    const down = await second;
    expect(down.statusCode).toBe(503);
    expect(down.json()).toEqual({
      status: 'degraded',
      database: 'unreachable',
      error: 'database unreachable',
    });

    const third = app.inject('/health');
    await allArrived(3);
    pending[2]!(true);
    expect((await third).statusCode).toBe(200);
  });

  it('answers 503 when the ping itself throws', async () => {
    const database = {
      dialect: 'sqlite',
      ping: () => Promise.reject(new Error('gone')),
    } as unknown as Database;
    const { app } = await healthApp(database);
    expect((await app.inject('/health')).statusCode).toBe(503);
  });

  it('checks Redis when the job queue is BullMQ, sharing one round trip per dependency among concurrent checks', async () => {
    const { jobs, pending } = heldQueue('bullmq');
    const { app, allArrived } = await healthApp(answeringDatabase(true), jobs);
    const responses = Promise.all(Array.from({ length: 4 }, () => app.inject('/health')));
    await allArrived(4);
    expect(pending).toHaveLength(1);
    pending[0]!(true);
    for (const res of await responses) {
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ status: 'ok', database: 'postgres', redis: 'ok' });
    }
  });

  it('answers 503 naming Redis when only Redis is down', async () => {
    const { jobs, pending } = heldQueue('bullmq');
    const { app, allArrived } = await healthApp(answeringDatabase(true), jobs);
    const res = app.inject('/health');
    await allArrived(1);
    pending[0]!(false);
    expect((await res).statusCode).toBe(503);
    expect((await res).json()).toEqual({
      status: 'degraded',
      database: 'postgres',
      redis: 'unreachable',
      error: 'redis unreachable',
    });
  });

  it('names both when the database and Redis are down', async () => {
    const jobs = { kind: 'bullmq', ping: () => Promise.reject(new Error('gone')) } as unknown as JobQueue;
    const { app } = await healthApp(answeringDatabase(false), jobs);
    const res = await app.inject('/health');
    expect(res.statusCode).toBe(503);
    expect(res.json()).toMatchObject({ database: 'unreachable', redis: 'unreachable' });
    expect(res.json().error).toBe('database and redis unreachable');
  });

  it('does not ping the in-process queue (its rows live in the database, checked already)', async () => {
    const { jobs, pending } = heldQueue('in-process');
    const { app } = await healthApp(answeringDatabase(true), jobs);
    const res = await app.inject('/health');
    expect(pending).toHaveLength(0);
    expect(res.json()).toEqual({ status: 'ok', database: 'postgres' });
  });
});

describe.skipIf(!hasRedis())('/health with BullMQ on a real Redis', () => {
  async function bullApp(redisUrl: string) {
    const platform = await createTestPlatform('sqlite');
    const jobs = createBullMqQueue({
      redisUrl,
      prefix: `quintet-health-${process.pid}`,
      log: pino({ level: 'silent' }),
      config: platform.config,
      concurrency: 1,
      retentionDays: 1,
    });
    const { app } = await healthApp(platform.database, jobs);
    return {
      app,
      close: async () => {
        await jobs.close({ timeoutMs: 0 });
        await platform.dispose();
      },
    };
  }

  it('is ok while Redis answers', async () => {
    const { app, close } = await bullApp(process.env.TEST_REDIS_URL!);
    try {
      const res = await app.inject('/health');
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ status: 'ok', database: 'sqlite', redis: 'ok' });
    } finally {
      await close();
    }
  });

  it('answers 503 naming Redis when nothing listens at REDIS_URL', async () => {
    const { app, close } = await bullApp('redis://127.0.0.1:1');
    try {
      const res = await app.inject('/health');
      expect(res.statusCode).toBe(503);
      expect(res.json()).toEqual({
        status: 'degraded',
        database: 'sqlite',
        redis: 'unreachable',
        error: 'redis unreachable',
      });
    } finally {
      await close();
    }
  });
});
