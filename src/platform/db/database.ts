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

/** The driver under Kysely, for the few paths where Kysely's per-row cost is the bottleneck (bulk-load.ts). */
export type NativeHandle =
  | { readonly dialect: 'sqlite'; readonly sqlite: SQLite.Database }
  | { readonly dialect: 'postgres'; readonly pool: pg.Pool };

export interface Database {
  readonly db: AnyDb;
  readonly dialect: Dialect;
  readonly native: NativeHandle;
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
  /**
   * A reader's handle (job threads): SQLite opened read-only on the existing file, PostgreSQL
   * sessions in read-only transactions. Writes fail instead of competing with the main thread.
   */
  readOnly?: boolean;
}

// PostgreSQL returns COUNT/SUM/BIGINT as strings; our counts fit in a JS number.
pg.types.setTypeParser(20, (v) => Number(v));
pg.types.setTypeParser(1700, (v) => Number(v));

export function createDatabase(options: DatabaseOptions): Database {
  if (options.url) {
    const pool = new pg.Pool({
      connectionString: options.url,
      max: options.poolSize ?? 10,
      // A server that does not answer fails the request (503) instead of holding it forever.
      connectionTimeoutMillis: 5000,
      ...(options.readOnly ? { options: '-c default_transaction_read_only=on' } : {}),
    });
    // A connection the server closes (restart, terminated backend) must never crash the process:
    // idle ones are reported by the pool, ones in use by the client itself; either way the pool
    // drops the broken connection and opens a new one for the next query.
    pool.on('error', (err) => options.onIdleError?.(err));
    pool.on('connect', (client) => client.on('error', (err) => options.onIdleError?.(err)));
    const db = new Kysely<unknown>({ dialect: new PostgresDialect({ pool }) }) as AnyDb;
    return {
      db,
      dialect: 'postgres',
      native: { dialect: 'postgres', pool },
      ping: () => ping(db),
      destroy: () => db.destroy(),
    };
  }
  const file = options.sqlitePath ?? ':memory:';
  if (options.readOnly) {
    const reader = new SQLite(file, { readonly: true, fileMustExist: true });
    reader.pragma('busy_timeout = 5000');
    reader.pragma('cache_size = -65536');
    const db = new Kysely<unknown>({ dialect: new SqliteDialect({ database: reader }) }) as AnyDb;
    return {
      db,
      dialect: 'sqlite',
      native: { dialect: 'sqlite', sqlite: reader },
      ping: () => ping(db),
      destroy: () => db.destroy(),
    };
  }
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
    native: { dialect: 'sqlite', sqlite },
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

// Connection-level failures: the server went away or refused us (not a bad query).
const UNAVAILABLE_CODES = new Set([
  '57P01', // admin_shutdown (e.g. pg_terminate_backend)
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now (starting up or shutting down)
  '53300', // too_many_connections
  '08000',
  '08001',
  '08003',
  '08004',
  '08006',
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'SQLITE_BUSY',
  'SQLITE_LOCKED',
]);
// "is not currently accepting connections": 55000, a code also used for unrelated states, so by
// message (a database taken out of service with ALLOW_CONNECTIONS false, as during maintenance).
const UNAVAILABLE_MESSAGES =
  /Connection terminated|connection error|not queryable|timeout exceeded when trying to connect|terminating connection|is not currently accepting connections/i;

/** True when an error means the database cannot be reached right now (answer 503), not that a query is wrong. */
export function isDatabaseUnavailable(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && UNAVAILABLE_CODES.has(code)) return true;
  if (err instanceof AggregateError) return err.errors.some(isDatabaseUnavailable);
  return UNAVAILABLE_MESSAGES.test(err.message);
}
