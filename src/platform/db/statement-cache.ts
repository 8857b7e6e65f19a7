import type SQLite from 'better-sqlite3';
import type { SqliteDatabase, SqliteStatement } from 'kysely';

/** Enough for every query text the systems run over and over; rarer texts are prepared again. */
const MAX_STATEMENTS = 256;

/**
 * A better-sqlite3 database for Kysely's SqliteDialect that prepares each query text once.
 * Kysely prepares on every execute, which was ~10 % of the CPU of a /health or funnel.json load
 * (SQLite parsing `select 1` again and again). A cached statement is never used twice at once:
 * Kysely holds its one SQLite connection for a whole query or stream. SQLite re-prepares a
 * statement by itself after a schema change.
 */
export function withStatementCache(sqlite: SQLite.Database): SqliteDatabase {
  const cache = new Map<string, SqliteStatement>();
  return {
    close: () => sqlite.close(),
    prepare(sql: string): SqliteStatement {
      let statement = cache.get(sql);
      if (statement) return statement;
      statement = sqlite.prepare(sql);
      // Oldest text out first: cheaper than LRU bookkeeping on every hit, and hot texts come back.
      if (cache.size >= MAX_STATEMENTS) cache.delete(cache.keys().next().value!);
      cache.set(sql, statement);
      return statement;
    },
  };
}
