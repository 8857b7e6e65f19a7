import fs from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { CompiledQuery, Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import { withStatementCache } from './statement-cache.js';

export type Dialect = 'sqlite' | 'postgres';

/**
 * The platform hands every system an untyped Kysely; each system narrows it to its own
 * `Database` interface in its repository (systems never see each other's tables).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyDb = Kysely<any>;

export interface Database {
  readonly db: AnyDb;
  readonly dialect: Dialect;
  /** true when the database is reachable (used by /health). */
  ping(): Promise<boolean>;
  destroy(): Promise<void>;
}

export interface DatabaseOptions {
  /** postgres://… or undefined for SQLite. */
  url?: string | undefined;
  /** SQLite file (":memory:" allowed). */
  sqlitePath?: string;
  /** PostgreSQL pool size. */
  poolSize?: number;
  /** Called when an idle PostgreSQL connection fails (server restart, terminated backend). */
  onIdleError?: (err: Error) => void;
}

// PostgreSQL returns COUNT/SUM/BIGINT as strings; our counts fit in a JS number.
pg.types.setTypeParser(20, (v) => Number(v));
pg.types.setTypeParser(1700, (v) => Number(v));

export function createDatabase(options: DatabaseOptions): Database {
  if (options.url) {
    const pool = new pg.Pool({ connectionString: options.url, max: options.poolSize ?? 10 });
    // An idle connection the server closes must not crash the process: the pool replaces it.
    pool.on('error', (err) => options.onIdleError?.(err));
    const db = new Kysely<unknown>({ dialect: new PostgresDialect({ pool }) }) as AnyDb;
    return {
      db,
      dialect: 'postgres',
      ping: () => ping(db),
      destroy: () => db.destroy(),
    };
  }
  const file = options.sqlitePath ?? ':memory:';
  if (file !== ':memory:') fs.mkdirSync(path.dirname(file), { recursive: true });
  const sqlite = new SQLite(file);
  // Takes effect only when the file is new. 16 KiB pages (default 4 KiB) make bulk loads into the
  // random-order unique indexes ~20 % faster (fewer page splits and WAL frames); reads don't notice.
  sqlite.pragma('page_size = 16384');
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  // 64 MB page cache (default 2 MB): keeps the indexes of a million-row table in memory.
  sqlite.pragma('cache_size = -65536');
  // better-sqlite3 is synchronous and has one connection: Kysely serialises access to it,
  // which is the "one writer" SQLite wants.
  const db = new Kysely<unknown>({
    dialect: new SqliteDialect({ database: withStatementCache(sqlite) }),
  }) as AnyDb;
  return {
    db,
    dialect: 'sqlite',
    ping: () => ping(db),
    destroy: () => db.destroy(),
  };
}

// Compiled once: /health runs it on every check.
const PING = CompiledQuery.raw('select 1');

async function ping(db: AnyDb): Promise<boolean> {
  try {
    await db.executeQuery(PING);
    return true;
  } catch {
    return false;
  }
}
