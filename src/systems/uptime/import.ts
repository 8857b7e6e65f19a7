// Loading the uptime CSVs (polls, business hours, timezones) and live poll batches into the database.
// The CLI, the HTTP upload and the demo data all come here. Rows are checked by rows.ts; polls go
// through the platform's bulkInsert (SQLite prepared batches, PostgreSQL COPY), skipping the
// (store, time) pairs already stored, so importing the same file again adds nothing. Hours and
// timezones of a store in the file replace the ones it had.
import fs from 'node:fs/promises';
import path from 'node:path';
import { bulkInsertChunks, type BulkInsert, type Cell } from '../../platform/db/bulk-load.js';
import type { Database } from '../../platform/db/database.js';
import { badInput } from '../../platform/errors.js';
import {
  CsvReader,
  CsvSyntaxError,
  DEFAULT_CHUNK,
  NEED_MORE,
  RECORD,
  readCsvHeader,
} from '../../platform/csv/index.js';
import { allStoreKeys, ensureStores, replaceHours, upsertTimezones } from './repository.js';
import {
  isBlankRecord,
  mapHeader,
  readHoursRow,
  readPollObject,
  readPollRow,
  readTimezoneRow,
  REQUIRED_COLUMNS,
  type HoursColumns,
  type HoursRow,
  type PollColumns,
  type PollRow,
  type TimezoneColumns,
  type TimezoneRow,
  type UptimeCsvKind,
} from './rows.js';
import type { UptimeDb } from './tables.js';

/** The three files, as the CLI options and the upload fields name them. */
export const IMPORT_FILES = ['status', 'hours', 'timezones'] as const;
export type ImportFile = (typeof IMPORT_FILES)[number];

const KIND: Record<ImportFile, UptimeCsvKind> = { status: 'polls', hours: 'hours', timezones: 'timezones' };

/** A file to import: its path, and the name messages use (the upload's own file name). */
export interface ImportSource {
  path: string;
  name?: string;
}

export type ImportSources = Partial<Record<ImportFile, ImportSource>>;

export interface Rejection {
  line: number;
  reason: string;
}

export interface FileOutcome {
  file: ImportFile;
  name: string;
  /** data rows read (header and blank lines not counted) */
  rows: number;
  /** rows stored: polls new to the database; hours and timezones rows written */
  loaded: number;
  /** polls already stored (or repeated in the file) */
  duplicates: number;
  /** distinct stores among the accepted rows */
  stores: number;
  rejected: number;
  /** the first MAX_LISTED rejections, with line and reason */
  rejections: Rejection[];
}

export interface ImportSummary {
  files: FileOutcome[];
  durationMs: number;
}

/** Rejections listed per file; the rest are only counted. */
export const MAX_LISTED = 100;

const POLLS: BulkInsert = {
  table: 'uptime_polls',
  columns: ['store_key', 'ts_ms', 'active'],
  conflict: ['store_key', 'ts_ms'],
  // 200,000 rows a transaction (the platform's default is 50,000). Polls arrive in time order
  // across stores, so every batch adds rows at the end of nearly every store's range: a commit
  // writes about one page per store to SQLite's WAL whatever the batch's size, and the import grew
  // faster than its rows. Measured (whole `quintet import uptime` process, AMD EPYC, 2 cores):
  // 1.85M polls of 4,557 stores 6.6 s at 50,000, 6.3 s at 200,000; 7.7M polls of 14,800 stores
  // 39.9 s at 50,000, 26.7 s at 200,000 (peak RSS 507 and 535 MB), 27.9 s at 500,000 (716 MB). A
  // batch holds the event loop while it is written: ~0.25 s at 1x, ~0.35 s at 4x.
  batchRows: 200_000,
};

export interface ImportOptions {
  /** Bytes read so far of all files, and their total. */
  onProgress?: (done: number, total: number) => void;
}

/**
 * Imports the given files (any of the three): timezones, then hours, then polls. Every header is
 * checked before anything is loaded: a file without the columns it needs is refused as a whole
 * (DomainError bad_input naming the file and the missing columns), as is a file that cannot be read.
 */
export async function importUptimeFiles(
  database: Database,
  sources: ImportSources,
  options: ImportOptions = {},
): Promise<ImportSummary> {
  const started = performance.now();
  const db = database.db as UptimeDb;
  const order = (['timezones', 'hours', 'status'] as const).filter((f) => sources[f] !== undefined);
  if (order.length === 0) throw badInput('give at least one of the files status, hours, timezones');
  const sizes = new Map<ImportFile, number>();
  const columns = new Map<ImportFile, PollColumns | HoursColumns | TimezoneColumns>();
  for (const file of order) {
    const source = sources[file] as ImportSource;
    const name = nameOf(file, source);
    let header: string[] | undefined;
    try {
      sizes.set(file, (await fs.stat(source.path)).size);
      header = await readCsvHeader(source.path);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') throw badInput(`${file} file ${name} does not exist`);
      if (code === 'EISDIR') throw badInput(`${file} file ${name} is a directory`);
      throw err;
    }
    const expected = REQUIRED_COLUMNS[KIND[file]].join(',');
    if (header === undefined)
      throw badInput(`${file} file ${name} is empty: no header (expected ${expected})`);
    const mapped = mapHeader(KIND[file], header);
    if (!mapped.ok) throw badInput(`${file} file ${name}: ${mapped.message.replace(/^\w+ header: /, '')}`);
    columns.set(file, mapped.columns);
  }
  const total = [...sizes.values()].reduce((a, b) => a + b, 0);
  let before = 0;
  const files: FileOutcome[] = [];
  for (const file of order) {
    const source = sources[file] as ImportSource;
    const progress = (done: number) => options.onProgress?.(before + done, total);
    const outcome = newOutcome(file, nameOf(file, source));
    const cols = columns.get(file);
    if (file === 'status') await loadPolls(database, source.path, cols as PollColumns, outcome, progress);
    else if (file === 'hours') {
      const rows = await readAll(source.path, outcome, progress, (f) =>
        readHoursRow(f, cols as HoursColumns),
      );
      const keys = await ensureStores(
        db,
        rows.map((r) => r.storeId),
      );
      await replaceHours(db, rows, keys);
      finishSmall(outcome, rows);
    } else {
      const rows = await readAll(source.path, outcome, progress, (f) =>
        readTimezoneRow(f, cols as TimezoneColumns),
      );
      const keys = await ensureStores(
        db,
        rows.map((r) => r.storeId),
      );
      await upsertTimezones(db, rows, keys);
      finishSmall(outcome, rows);
    }
    before += sizes.get(file) as number;
    options.onProgress?.(before, total);
    files.push(outcome);
  }
  return { files, durationMs: Math.round(performance.now() - started) };
}

const nameOf = (file: ImportFile, source: ImportSource) => source.name ?? path.basename(source.path) ?? file;

function newOutcome(file: ImportFile, name: string): FileOutcome {
  return { file, name, rows: 0, loaded: 0, duplicates: 0, stores: 0, rejected: 0, rejections: [] };
}

function reject(outcome: FileOutcome, line: number, reason: string): void {
  outcome.rejected += 1;
  if (outcome.rejections.length < MAX_LISTED) outcome.rejections.push({ line, reason });
}

function finishSmall(outcome: FileOutcome, rows: readonly (HoursRow | TimezoneRow)[]): void {
  outcome.loaded = rows.length;
  outcome.stores = new Set(rows.map((r) => r.storeId)).size;
}

interface Record_ {
  line: number;
  fields: string[];
}

/**
 * The data records of a CSV file (header skipped, blank lines skipped), a buffer's worth at a time:
 * one await per ~4 MiB instead of one per row (1.85M rows an import). A malformed file (a quote
 * left open at the end) is refused naming the line.
 */
async function* recordChunks(
  file: string,
  name: string,
  onBytes: (done: number) => void,
): AsyncGenerator<Record_[]> {
  const rd = await CsvReader.open(file, DEFAULT_CHUNK, true);
  let header = true;
  try {
    for (;;) {
      const chunk: Record_[] = [];
      let r;
      try {
        while ((r = rd.next()) === RECORD) {
          if (header) {
            header = false;
            continue;
          }
          if (rd.isBlank()) continue;
          const fields = rd.fieldValues();
          if (!isBlankRecord(fields)) chunk.push({ line: rd.line, fields });
        }
      } catch (err) {
        if (err instanceof CsvSyntaxError) throw badInput(`${name}: ${err.message}`);
        throw err;
      }
      if (chunk.length) yield chunk;
      onBytes(rd.consumed);
      if (r === NEED_MORE) await rd.fill();
      else return;
    }
  } finally {
    await rd.close();
  }
}

type Check<T> = (fields: string[]) => { ok: true; row: T } | { ok: false; reason: string };

async function readAll<T>(
  file: string,
  outcome: FileOutcome,
  onBytes: (done: number) => void,
  check: Check<T>,
): Promise<T[]> {
  const rows: T[] = [];
  for await (const chunk of recordChunks(file, outcome.name, onBytes)) {
    for (const rec of chunk) {
      outcome.rows += 1;
      const r = check(rec.fields);
      if (r.ok) rows.push(r.row);
      else reject(outcome, rec.line, r.reason);
    }
  }
  return rows;
}

/** Poll rows as the bulk load takes them, creating the stores it has not seen yet a chunk at a time. */
async function* pollCells(
  db: UptimeDb,
  polls: AsyncIterable<PollRow[]>,
  keys: Map<string, number>,
  seen: Set<string>,
): AsyncGenerator<(readonly Cell[])[]> {
  for await (const chunk of polls) {
    const unknown: string[] = [];
    for (const p of chunk) {
      if (!keys.has(p.storeId)) unknown.push(p.storeId);
      seen.add(p.storeId);
    }
    if (unknown.length) for (const [id, key] of await ensureStores(db, unknown)) keys.set(id, key);
    yield chunk.map((p) => [keys.get(p.storeId) as number, p.at, p.active ? 1 : 0]);
  }
}

async function loadPolls(
  database: Database,
  file: string,
  cols: PollColumns,
  outcome: FileOutcome,
  onBytes: (done: number) => void,
): Promise<void> {
  async function* checked(): AsyncGenerator<PollRow[]> {
    for await (const chunk of recordChunks(file, outcome.name, onBytes)) {
      const good: PollRow[] = [];
      for (const rec of chunk) {
        outcome.rows += 1;
        const r = readPollRow(rec.fields, cols);
        if (r.ok) good.push(r.row);
        else reject(outcome, rec.line, r.reason);
      }
      yield good;
    }
  }
  const db = database.db as UptimeDb;
  const seen = new Set<string>();
  const result = await bulkInsertChunks(
    database,
    POLLS,
    pollCells(db, checked(), await allStoreKeys(db), seen),
  );
  outcome.loaded = result.inserted;
  outcome.duplicates = result.rows - result.inserted;
  outcome.stores = seen.size;
}

/** The most polls one `POST /api/uptime/polls` takes. */
export const MAX_POLLS_PER_REQUEST = 10_000;

export interface IngestResult {
  stored: number;
  duplicates: number;
  rejected: { index: number; reason: string }[];
}

/** A batch of polls as JSON objects (store_id, status, timestamp_utc), checked like CSV rows. */
export async function ingestPolls(database: Database, polls: readonly unknown[]): Promise<IngestResult> {
  if (polls.length > MAX_POLLS_PER_REQUEST)
    throw badInput(`at most ${MAX_POLLS_PER_REQUEST} polls a request, got ${polls.length}`);
  const good: PollRow[] = [];
  const rejected: IngestResult['rejected'] = [];
  polls.forEach((value, index) => {
    const r = readPollObject(value);
    if (r.ok) good.push(r.row);
    else rejected.push({ index, reason: r.reason });
  });
  if (good.length === 0) return { stored: 0, duplicates: 0, rejected };
  const db = database.db as UptimeDb;
  const keys = await ensureStores(
    db,
    good.map((p) => p.storeId),
  );
  async function* one() {
    yield good;
  }
  const result = await bulkInsertChunks(database, POLLS, pollCells(db, one(), keys, new Set()));
  return { stored: result.inserted, duplicates: result.rows - result.inserted, rejected };
}

/**
 * The accepted rows of an hours or timezones file, without loading them (the poll generator's
 * input); a file without the columns it needs is refused as importUptimeFiles refuses it.
 */
export async function readRowsFile<F extends 'hours' | 'timezones'>(
  file: F,
  source: ImportSource,
): Promise<{ rows: F extends 'hours' ? HoursRow[] : TimezoneRow[]; outcome: FileOutcome }> {
  const name = nameOf(file, source);
  let header: string[] | undefined;
  try {
    header = await readCsvHeader(source.path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT')
      throw badInput(`${file} file ${name} does not exist`);
    throw err;
  }
  if (header === undefined) throw badInput(`${file} file ${name} is empty: no header`);
  const outcome = newOutcome(file, name);
  const noProgress = () => undefined;
  if (file === 'hours') {
    const mapped = mapHeader('hours', header);
    if (!mapped.ok) throw badInput(`${file} file ${name}: ${mapped.message.replace(/^\w+ header: /, '')}`);
    const rows = await readAll(source.path, outcome, noProgress, (f) => readHoursRow(f, mapped.columns));
    finishSmall(outcome, rows);
    return { rows: rows as never, outcome };
  }
  const mapped = mapHeader('timezones', header);
  if (!mapped.ok) throw badInput(`${file} file ${name}: ${mapped.message.replace(/^\w+ header: /, '')}`);
  const rows = await readAll(source.path, outcome, noProgress, (f) => readTimezoneRow(f, mapped.columns));
  finishSmall(outcome, rows);
  return { rows: rows as never, outcome };
}
