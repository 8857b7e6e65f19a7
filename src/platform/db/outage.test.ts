// A PostgreSQL that drops the server's connections (pg_terminate_backend, as a restart or a
// failover does) must cost requests, never the process, and the pool must recover by itself.
import pg from 'pg';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { freshPostgresDatabase, hasPostgres } from '../../../test/support/platform.js';
import { createDatabase, isDatabaseUnavailable, type Database } from './database.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function terminateBackends(url: string): Promise<number> {
  const name = new URL(url).pathname.slice(1);
  const admin = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
  await admin.connect();
  try {
    const res = await admin.query(
      'select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()',
      [name],
    );
    return res.rowCount ?? 0;
  } finally {
    await admin.end();
  }
}

async function openDatabase(): Promise<{ database: Database; url: string; idleErrors: Error[] }> {
  const fresh = await freshPostgresDatabase();
  const idleErrors: Error[] = [];
  const database = createDatabase({
    url: fresh.url,
    poolSize: 5,
    onIdleError: (err) => idleErrors.push(err),
  });
  cleanups.push(async () => {
    await database.destroy();
    await fresh.drop();
  });
  return { database, url: fresh.url, idleErrors };
}

async function recovered(database: Database, withinMs: number): Promise<number> {
  const t0 = Date.now();
  while (Date.now() - t0 < withinMs) {
    if (await database.ping()) return Date.now() - t0;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`the pool did not recover within ${withinMs} ms`);
}

describe.skipIf(!hasPostgres())('PostgreSQL connections terminated under load', () => {
  it('fails only the queries in flight, each with an error read as "unavailable", and recovers at once', async () => {
    const { database, url } = await openDatabase();
    const errors: unknown[] = [];
    let done = 0;
    let stop = false;
    const worker = async () => {
      while (!stop) {
        try {
          await sql`select pg_sleep(0.005)`.execute(database.db);
          done++;
        } catch (err) {
          errors.push(err);
        }
      }
    };
    const workers = Array.from({ length: 8 }, worker);
    while (done < 50) await new Promise((r) => setTimeout(r, 10));
    expect(await terminateBackends(url)).toBeGreaterThan(0);
    const before = done;
    while (done < before + 50) await new Promise((r) => setTimeout(r, 10));
    stop = true;
    await Promise.all(workers);
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.filter((e) => !isDatabaseUnavailable(e))).toEqual([]);
    expect(await recovered(database, 2000)).toBeLessThan(2000);
  });

  it('survives a connection terminated while a transaction holds it between two queries', async () => {
    const { database, url, idleErrors } = await openDatabase();
    const outcome = database.db
      .transaction()
      .execute(async (trx) => {
        await sql`select 1`.execute(trx);
        await terminateBackends(url);
        // The client hears of it while nobody is querying: that event used to be unhandled.
        await new Promise((r) => setTimeout(r, 200));
        await sql`select 2`.execute(trx);
      })
      .then(
        () => 'committed',
        (err: unknown) => err,
      );
    const result = await outcome;
    expect(isDatabaseUnavailable(result)).toBe(true);
    expect(idleErrors.length).toBeGreaterThan(0);
    expect(await recovered(database, 2000)).toBeLessThan(2000);
  });

  it('survives idle connections terminated, and answers the next query', async () => {
    const { database, url } = await openDatabase();
    await Promise.all(Array.from({ length: 5 }, () => sql`select 1`.execute(database.db)));
    expect(await terminateBackends(url)).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 100));
    expect(await recovered(database, 2000)).toBeLessThan(2000);
  });
});

describe('isDatabaseUnavailable', () => {
  it('tells a lost or refused connection from a bad query', () => {
    const coded = (code: string, message = 'x') => Object.assign(new Error(message), { code });
    expect(isDatabaseUnavailable(coded('57P01'))).toBe(true);
    expect(isDatabaseUnavailable(coded('ECONNREFUSED'))).toBe(true);
    expect(isDatabaseUnavailable(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isDatabaseUnavailable(coded('55000', 'database "q" is not currently accepting connections'))).toBe(
      true,
    );
    expect(isDatabaseUnavailable(coded('55000', 'object not in prerequisite state'))).toBe(false);
    expect(isDatabaseUnavailable(new AggregateError([coded('ECONNREFUSED')]))).toBe(true);
    expect(isDatabaseUnavailable(coded('42P01', 'relation "nope" does not exist'))).toBe(false);
    expect(isDatabaseUnavailable(coded('23505', 'duplicate key'))).toBe(false);
    expect(isDatabaseUnavailable('not an error')).toBe(false);
  });
});
