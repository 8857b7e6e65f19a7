import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import type { Database } from '../db/database.js';
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

async function healthApp(database: Database) {
  const app = Fastify();
  let arrived = 0;
  // preHandler runs right before the handler, in the same tick: once all have arrived, all have asked.
  app.addHook('preHandler', (_request, _reply, done) => {
    arrived++;
    done();
  });
  registerHealth(app, database);
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
    expect(down.json()).toEqual({ status: 'degraded', database: 'unreachable' });

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
});
