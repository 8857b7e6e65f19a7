import SQLite from 'better-sqlite3';
import { Kysely, SqliteDialect, sql } from 'kysely';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { withStatementCache } from './statement-cache.js';

const open: Kysely<unknown>[] = [];
afterEach(async () => {
  while (open.length) await open.pop()!.destroy();
});

function cachedDb() {
  const sqlite = new SQLite(':memory:');
  const prepare = vi.spyOn(sqlite, 'prepare');
  const db = new Kysely<unknown>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) });
  open.push(db);
  return { db, prepare };
}

describe('statement cache', () => {
  it('prepares a query text once however often it runs, with new parameters each time', async () => {
    const { db, prepare } = cachedDb();
    await sql`create table t (id integer primary key, name text)`.execute(db);
    for (const name of ['a', 'b', 'c']) await sql`insert into t (name) values (${name})`.execute(db);
    const names = [];
    for (const id of [1, 2, 3])
      names.push(
        (await sql<{ name: string }>`select name from t where id = ${id}`.execute(db)).rows[0]?.name,
      );
    expect(names).toEqual(['a', 'b', 'c']);
    expect(prepare.mock.calls.map(([text]) => text)).toEqual([
      'create table t (id integer primary key, name text)',
      'insert into t (name) values (?)',
      'select name from t where id = ?',
    ]);
  });

  it('sees a schema change through a cached statement', async () => {
    const { db } = cachedDb();
    await sql`create table t (id integer primary key)`.execute(db);
    await sql`insert into t (id) values (1)`.execute(db);
    expect((await sql`select * from t`.execute(db)).rows).toEqual([{ id: 1 }]);
    await sql`alter table t add column name text default 'x'`.execute(db);
    expect((await sql`select * from t`.execute(db)).rows).toEqual([{ id: 1, name: 'x' }]);
  });

  it('streams a query text that has run before, and runs it again after the stream', async () => {
    const { db } = cachedDb();
    await sql`create table t (id integer primary key)`.execute(db);
    await sql`insert into t (id) values (1), (2), (3)`.execute(db);
    const query = db.selectFrom('t' as never).select('id' as never);
    expect(await query.execute()).toEqual([{ id: 1 }, { id: 2 }, { id: 3 }]);
    const streamed = [];
    for await (const row of query.stream()) streamed.push(row);
    expect(streamed).toEqual([{ id: 1 }, { id: 2 }, { id: 3 }]);
    expect(await query.execute()).toEqual([{ id: 1 }, { id: 2 }, { id: 3 }]);
  });

  it('prepares again a text pushed out by 256 newer ones, and answers it right', async () => {
    const { db, prepare } = cachedDb();
    const first = () => sql<{ n: number }>`select 0 as n`.execute(db);
    await first();
    for (let i = 1; i <= 256; i++) await sql.raw(`select ${i} as n`).execute(db);
    prepare.mockClear();
    expect((await first()).rows).toEqual([{ n: 0 }]);
    expect(prepare).toHaveBeenCalledTimes(1);
  });
});
