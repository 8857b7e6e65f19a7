// Bulk loads for imports of millions of rows (uptime polls, banner datasets), where Kysely's cost
// per row (building and compiling a query) would dominate: SQLite through one prepared multi-row
// statement, PostgreSQL through COPY into a temporary table (pg-copy-streams) and one
// INSERT … SELECT. Either way a row whose unique key is already stored is skipped, so importing the
// same rows again adds nothing.
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type SQLite from 'better-sqlite3';
import type { PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { Database } from './database.js';

export type Cell = string | number | bigint | boolean | null;

export interface BulkInsert {
  /** The table and the columns each row gives, in order (identifiers of our own schema). */
  readonly table: string;
  readonly columns: readonly string[];
  /** The table's unique key: a row whose key is already stored, or earlier in the load, is skipped. */
  readonly conflict: readonly string[];
  /**
   * Rows per transaction (default 50,000). Each batch commits on its own and the event loop gets a
   * turn between batches, so requests are served during a long import; an interrupted load keeps
   * the batches it committed, and loading the same rows again completes it.
   */
  readonly batchRows?: number;
}

export interface BulkProgress {
  /** Rows read from the source so far. */
  readonly rows: number;
  /** Of those, rows stored (the others were already there). */
  readonly inserted: number;
}

const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;
const UNIQUE_VIOLATION = '23505';
const DEFAULT_BATCH_ROWS = 50_000;
/** Rows per SQLite statement: fewer calls from JavaScript into SQLite, within its 32,766 parameters. */
const SQLITE_ROWS_PER_STATEMENT = 64;

function identifiers(spec: BulkInsert): void {
  for (const name of [spec.table, ...spec.columns, ...spec.conflict]) {
    if (!IDENTIFIER.test(name)) throw new Error(`bulk insert: "${name}" is not a plain identifier`);
  }
  if (spec.columns.length === 0) throw new Error('bulk insert: no columns');
  for (const c of spec.conflict)
    if (!spec.columns.includes(c)) throw new Error(`bulk insert: conflict column "${c}" is not loaded`);
}

/** Regroups chunks of rows into batches of `size`, holding at most a batch and a chunk. */
async function* batches(
  chunks: Iterable<readonly (readonly Cell[])[]> | AsyncIterable<readonly (readonly Cell[])[]>,
  size: number,
): AsyncGenerator<(readonly Cell[])[]> {
  let batch: (readonly Cell[])[] = [];
  for await (const chunk of chunks) {
    for (const row of chunk) {
      batch.push(row);
      if (batch.length >= size) {
        yield batch;
        batch = [];
      }
    }
  }
  if (batch.length) yield batch;
}

/** Rows in chunks of up to 1,000: the batching after it takes one await a chunk, not one a row. */
async function* inChunks(
  rows: Iterable<readonly Cell[]> | AsyncIterable<readonly Cell[]>,
): AsyncGenerator<(readonly Cell[])[]> {
  let chunk: (readonly Cell[])[] = [];
  for await (const row of rows) {
    chunk.push(row);
    if (chunk.length >= 1000) {
      yield chunk;
      chunk = [];
    }
  }
  if (chunk.length) yield chunk;
}

/** Stores rows, skipping those whose unique key is already stored; returns how many were read and stored. */
export function bulkInsert(
  database: Database,
  spec: BulkInsert,
  rows: Iterable<readonly Cell[]> | AsyncIterable<readonly Cell[]>,
  onProgress?: (progress: BulkProgress) => void,
): Promise<BulkProgress> {
  return bulkInsertChunks(database, spec, inChunks(rows), onProgress);
}

/**
 * bulkInsert for a source that produces its rows in chunks (a parsed buffer of a file at a time):
 * one await a chunk instead of one a row, which at millions of rows is a large share of the load.
 */
export async function bulkInsertChunks(
  database: Database,
  spec: BulkInsert,
  chunks: Iterable<readonly (readonly Cell[])[]> | AsyncIterable<readonly (readonly Cell[])[]>,
  onProgress?: (progress: BulkProgress) => void,
): Promise<BulkProgress> {
  identifiers(spec);
  const load =
    database.native.dialect === 'sqlite' ? sqliteLoader(database, spec) : postgresLoader(database, spec);
  let read = 0;
  let inserted = 0;
  for await (const batch of batches(chunks, spec.batchRows ?? DEFAULT_BATCH_ROWS)) {
    inserted += await load(batch);
    read += batch.length;
    onProgress?.({ rows: read, inserted });
    await new Promise((resolve) => setImmediate(resolve));
  }
  return { rows: read, inserted };
}

type BatchLoader = (batch: readonly (readonly Cell[])[]) => Promise<number>;

/** Rows compared by the spec's unique key (nulls first). */
function keyOrder(spec: BulkInsert): (a: readonly Cell[], b: readonly Cell[]) => number {
  const keyAt = spec.conflict.map((c) => spec.columns.indexOf(c));
  return (a, b) => {
    for (const k of keyAt) {
      const x = a[k] ?? null;
      const y = b[k] ?? null;
      if (x === y) continue;
      if (x === null) return -1;
      if (y === null) return 1;
      return x < y ? -1 : 1;
    }
    return 0;
  };
}

function sqliteLoader(database: Database, spec: BulkInsert): BatchLoader {
  const { sqlite } = database.native as { sqlite: SQLite.Database };
  const cols = spec.columns.map((c) => `"${c}"`).join(', ');
  const tuple = `(${spec.columns.map(() => '?').join(', ')})`;
  const text = (n: number) =>
    `insert into "${spec.table}" (${cols}) values ${Array(n).fill(tuple).join(', ')} ` +
    `on conflict (${spec.conflict.map((c) => `"${c}"`).join(', ')}) do nothing`;
  const many = sqlite.prepare(text(SQLITE_ROWS_PER_STATEMENT));
  const one = sqlite.prepare(text(1));
  const width = spec.columns.length;
  const params: unknown[] = new Array(width * SQLITE_ROWS_PER_STATEMENT);
  const cell = (v: Cell) => (typeof v === 'boolean' ? (v ? 1 : 0) : v);
  const byKey = keyOrder(spec);
  const insertBatch = sqlite.transaction((unsorted: readonly (readonly Cell[])[]) => {
    // In key order the B-tree is written page after page instead of at random places: rows that
    // arrive interleaved across stores load about 3x faster.
    const batch = [...unsorted].sort(byKey);
    let changes = 0;
    let i = 0;
    for (; i + SQLITE_ROWS_PER_STATEMENT <= batch.length; i += SQLITE_ROWS_PER_STATEMENT) {
      for (let r = 0; r < SQLITE_ROWS_PER_STATEMENT; r++) {
        const row = batch[i + r]!;
        for (let c = 0; c < width; c++) params[r * width + c] = cell(row[c] ?? null);
      }
      changes += many.run(params).changes;
    }
    for (; i < batch.length; i++) changes += one.run(batch[i]!.map((v) => cell(v ?? null))).changes;
    return changes;
  });
  // Through Kysely's connection: it waits for a transaction another request holds, and no query
  // of Kysely's runs inside ours (the batch is synchronous).
  return (batch) => database.db.connection().execute(async () => insertBatch(batch));
}

/** A CSV field for COPY: NULL unquoted and empty, every string quoted (so '' stays an empty string). */
function copyField(v: Cell): string {
  if (v === null) return '';
  if (typeof v === 'boolean') return v ? 't' : 'f';
  if (typeof v !== 'string') return String(v);
  return `"${v.replaceAll('"', '""')}"`;
}

function postgresLoader(database: Database, spec: BulkInsert): BatchLoader {
  const { pool } = database.native as { pool: import('pg').Pool };
  const cols = spec.columns.map((c) => `"${c}"`).join(', ');
  const temp = `bulk_${spec.table}`;
  // In key order, as for SQLite: the unique index is written in order instead of at random places.
  const conflict = spec.conflict.map((c) => `"${c}"`).join(', ');
  /** The batch as COPY text, in chunks of ~1,000 rows (a write per row costs more than the COPY itself). */
  const chunks = function* (batch: readonly (readonly Cell[])[]) {
    for (let i = 0; i < batch.length; i += 1000) {
      let text = '';
      for (const row of batch.slice(i, i + 1000)) text += `${row.map(copyField).join(',')}\n`;
      yield text;
    }
  };
  const copy = (client: PoolClient, table: string, batch: readonly (readonly Cell[])[]) =>
    pipeline(
      Readable.from(chunks(batch)),
      client.query(copyFrom(`copy "${table}" (${cols}) from stdin with (format csv)`)),
    );

  const byKey = keyOrder(spec);
  /**
   * Straight into the table (twice as fast as through the temporary table, and what a first
   * import of new rows always is), in key order: the unique index is then written page after
   * page. In the order polls arrive (time, across stores) 1.85M uptime polls took 6.1 s of the
   * server's time, against 2.5 s sorted (`\copy` of the same rows).
   */
  async function direct(client: PoolClient, unsorted: readonly (readonly Cell[])[]): Promise<number> {
    const batch = [...unsorted].sort(byKey);
    await client.query('begin');
    // The batch is redone after a crash (the load is idempotent): no need to wait for its WAL flush.
    await client.query('set local synchronous_commit = off');
    await copy(client, spec.table, batch);
    await client.query('commit');
    return batch.length;
  }

  /** Through a temporary table, skipping the keys already stored (or repeated in the batch). */
  async function skippingKnown(client: PoolClient, batch: readonly (readonly Cell[])[]): Promise<number> {
    await client.query('begin');
    await client.query('set local synchronous_commit = off');
    await client.query(
      `create temporary table "${temp}" on commit drop as select ${cols} from "${spec.table}" with no data`,
    );
    await copy(client, temp, batch);
    const result = await client.query(
      `insert into "${spec.table}" (${cols}) select ${cols} from "${temp}" order by ${conflict} ` +
        `on conflict (${conflict}) do nothing`,
    );
    await client.query('commit');
    return result.rowCount ?? 0;
  }

  let knownKeysSeen = false;
  return async (batch) => {
    const client = await pool.connect();
    let failed: unknown;
    try {
      if (!knownKeysSeen) {
        try {
          return await direct(client, batch);
        } catch (err) {
          await client.query('rollback').catch(() => undefined);
          if ((err as { code?: string }).code !== UNIQUE_VIOLATION) throw err;
          // A key is already stored: this load repeats rows, so the rest goes the skipping way.
          knownKeysSeen = true;
        }
      }
      return await skippingKnown(client, batch);
    } catch (err) {
      failed = err;
      await client.query('rollback').catch(() => undefined);
      throw err;
    } finally {
      // A connection that failed mid-COPY may be unusable: the pool opens a fresh one.
      client.release(failed instanceof Error ? failed : undefined);
    }
  };
}
