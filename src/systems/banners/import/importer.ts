// Loading one quarter's dataset files: checked, de-duplicated (whole files by content, rows by
// click_id / conversion_id), streamed into the tables, then the quarter's collections rebuilt in
// one transaction. The CLI and `POST /api/banners/import` both come here.
import crypto from 'node:crypto';
import fs from 'node:fs';
import type { Logger } from 'pino';
import type { Clock } from '../../../platform/clock.js';
import {
  CsvReader,
  CsvSyntaxError,
  matchColumns,
  NEED_MORE,
  readCsvHeader,
  RECORD,
} from '../../../platform/csv/index.js';
import type { Cell } from '../../../platform/db/bulk-load.js';
import type { AnyDb, Database } from '../../../platform/db/database.js';
import { buildCollections } from '../build-collections.js';
import {
  addImpressions,
  clearQuarterData,
  clickIds,
  conversionIds,
  impressionPairs,
  insertClicks,
  insertConversions,
  insertImport,
  loadedBy,
  pairKey,
  recordLoadedFile,
  replaceCollections,
  type NewImport,
} from '../repository.js';
import {
  COLUMNS,
  DATASET_KINDS,
  datasetKind,
  parseClick,
  parseConversion,
  parseImpression,
  type RowFields,
} from '../rows.js';
import type { SelectionRule } from '../selection.js';
import type { DatasetKind, ImportStatus, Quarter } from '../tables.js';
import type { DatasetFile } from './dataset-files.js';

export interface ImportContext {
  readonly database: Database;
  readonly db: AnyDb;
  readonly clock: Clock;
  readonly log: Logger;
}

export interface RowIssue {
  readonly line: number;
  readonly reason: string;
}

export interface FileSummary {
  readonly fileName: string;
  readonly kind: DatasetKind | null;
  readonly quarter: Quarter;
  readonly status: ImportStatus;
  readonly sizeBytes: number;
  readonly rowsRead: number;
  readonly rowsLoaded: number;
  /** Rows whose click_id / conversion_id was already imported or repeated in the file. */
  readonly rowsSkipped: number;
  readonly rowsRejected: number;
  readonly warnings: number;
  readonly rejectedExamples: readonly RowIssue[];
  readonly warningExamples: readonly RowIssue[];
  /** Why the whole file was refused (failed) or not loaded (duplicate). */
  readonly error: string | null;
}

export interface RebuildSummary {
  readonly campaigns: number;
  readonly version: number;
  readonly rules: Readonly<Record<SelectionRule, number>>;
}

export interface QuarterSummary {
  readonly quarter: Quarter;
  readonly files: readonly FileSummary[];
  /** The quarter's collections, when they were rebuilt (some rows were loaded). */
  readonly collections: RebuildSummary | null;
}

/** Rows read between two turns of the event loop. */
const YIELD_EVERY = 5_000;

/** Rejected rows and warnings listed per file (all are counted). */
export const EXAMPLES = 20;

interface Prepared {
  readonly file: DatasetFile;
  readonly size: number;
  readonly hash: string;
  readonly kind: DatasetKind | null;
  /** Where each of the kind's columns is in the file. */
  readonly indexes: readonly number[];
  readonly width: number;
  readonly error: string | null;
}

async function sha256(file: string): Promise<string> {
  const hash = crypto.createHash('sha256');
  for await (const chunk of fs.createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

async function prepare(file: DatasetFile): Promise<Prepared> {
  const base = { file, kind: null, indexes: [], width: 0 };
  let size: number;
  let hash: string;
  try {
    size = (await fs.promises.stat(file.path)).size;
    hash = await sha256(file.path);
  } catch (err) {
    return { ...base, size: 0, hash: '', error: `cannot be read (${(err as Error).message})` };
  }
  const header = await readCsvHeader(file.path);
  if (!header) return { ...base, size, hash, error: 'is empty (no header line)' };
  const names = header.map((h) => h.trim());
  const kind = file.kind ?? datasetKind(file.name, names);
  if (!kind)
    return {
      ...base,
      size,
      hash,
      error: `is not a dataset file: name it impressions/clicks/conversions or give it their header (${DATASET_KINDS.map((k) => COLUMNS[k].join(',')).join(' | ')})`,
    };
  const match = matchColumns(names, COLUMNS[kind]);
  if (!match.ok) {
    const problems = [
      ...(match.missing.length ? [`missing column ${match.missing.join(', ')}`] : []),
      ...(match.repeated.length ? [`repeated column ${match.repeated.join(', ')}`] : []),
    ];
    return {
      ...base,
      size,
      hash,
      kind,
      error: `${problems.join('; ')} (${kind} need ${COLUMNS[kind].join(',')})`,
    };
  }
  return { file, size, hash, kind, indexes: match.indexes, width: names.length, error: null };
}

/** The data records of a file (header and blank lines skipped), fields in the kind's column order. */
async function* records(
  p: Prepared,
  onBytes: (delta: number) => void,
): AsyncGenerator<{ line: number; fields: RowFields; extra: boolean }> {
  const rd = await CsvReader.open(p.file.path, undefined, true);
  let reported = 0;
  let header = true;
  let count = 0;
  try {
    for (;;) {
      const r = rd.next();
      if (r === RECORD) {
        if (rd.isBlank()) continue;
        if (header) {
          header = false;
          continue;
        }
        const raw = rd.fieldValues();
        yield { line: rd.line, fields: p.indexes.map((i) => raw[i]), extra: raw.length > p.width };
        // A 4 MiB chunk is ~500,000 rows parsed without awaiting I/O: let requests in between.
        if (++count % YIELD_EVERY === 0) await new Promise((resolve) => setImmediate(resolve));
        if (rd.consumed - reported >= 1 << 20) {
          onBytes(rd.consumed - reported);
          reported = rd.consumed;
        }
      } else if (r === NEED_MORE) {
        await rd.fill();
      } else {
        break;
      }
    }
  } finally {
    onBytes(p.size - reported);
    await rd.close();
  }
}

class Tally {
  read = 0;
  skipped = 0;
  rejected = 0;
  warnings = 0;
  readonly rejectedExamples: RowIssue[] = [];
  readonly warningExamples: RowIssue[] = [];
  reject(line: number, reason: string) {
    this.rejected++;
    if (this.rejectedExamples.length < EXAMPLES) this.rejectedExamples.push({ line, reason });
  }
  warn(line: number, reason: string) {
    this.warnings++;
    if (this.warningExamples.length < EXAMPLES) this.warningExamples.push({ line, reason });
  }
}

/** What one import of a quarter checks rows against, read from the database once and kept current. */
interface QuarterState {
  clicks?: Set<number>;
  conversions?: Set<number>;
  impressions?: Set<string>;
}

export interface ImportOptions {
  /**
   * Replace the quarter's dataset instead of adding to it: its rows and loaded files are removed
   * first (the collections are swapped only when the new ones are built), so the same files can
   * be loaded again and nothing of the old data (the demo's, say) remains.
   */
  readonly replace?: boolean;
  readonly onBytes?: (delta: number) => void;
}

export async function importQuarter(
  ctx: ImportContext,
  quarter: Quarter,
  files: readonly DatasetFile[],
  options: ImportOptions = {},
): Promise<QuarterSummary> {
  const onBytes = options.onBytes ?? (() => {});
  const prepared: Prepared[] = [];
  for (const file of files) prepared.push(await prepare(file));
  if (options.replace) {
    await clearQuarterData(ctx.db, quarter);
    ctx.log.warn({ quarter }, `banners import: replacing the dataset of quarter ${quarter}`);
  }
  // Impressions first (clicks are checked against them), then clicks (conversions need them).
  const order = (p: Prepared) => (p.kind === null ? -1 : DATASET_KINDS.indexOf(p.kind));
  prepared.sort((a, b) => order(a) - order(b));

  const state: QuarterState = {};
  const seen = new Map<string, string>();
  const summaries: FileSummary[] = [];
  for (const p of prepared) {
    const summary = await importFile(ctx, quarter, p, state, seen, onBytes);
    summaries.push(summary);
    const level = summary.status === 'loaded' ? 'debug' : 'warn';
    ctx.log[level](
      {
        quarter,
        file: p.file.name,
        status: summary.status,
        rows: summary.rowsLoaded,
        skipped: summary.rowsSkipped,
        rejected: summary.rowsRejected,
      },
      summary.error
        ? `banners import: ${p.file.name} ${summary.error}`
        : `banners import: ${p.file.name} ${summary.status}`,
    );
  }
  const changed = options.replace === true || summaries.some((s) => s.rowsLoaded > 0);
  return { quarter, files: summaries, collections: changed ? await rebuildQuarter(ctx.db, quarter) : null };
}

/** Recomputes a quarter's collections from its stored statistics and swaps them in atomically. */
export async function rebuildQuarter(db: AnyDb, quarter: Quarter): Promise<RebuildSummary> {
  let built: ReturnType<typeof buildCollections> | undefined;
  const version = await replaceCollections(db, quarter, (stats) => {
    built = buildCollections(quarter, stats);
    return built.rows;
  });
  return { campaigns: built!.selections.size, version, rules: built!.rules };
}

async function importFile(
  ctx: ImportContext,
  quarter: Quarter,
  p: Prepared,
  state: QuarterState,
  seen: Map<string, string>,
  onBytes: (delta: number) => void,
): Promise<FileSummary> {
  const tally = new Tally();
  const row = (status: ImportStatus, loaded: number, error: string | null): NewImport => ({
    quarter,
    kind: p.kind ?? 'unknown',
    file_name: p.file.name.slice(0, 300),
    content_hash: p.hash,
    size_bytes: p.size,
    status,
    rows_read: tally.read,
    rows_loaded: loaded,
    rows_skipped: tally.skipped,
    rows_rejected: tally.rejected,
    warnings: tally.warnings,
    rejected_examples: JSON.stringify(tally.rejectedExamples),
    warning_examples: JSON.stringify(tally.warningExamples),
    error,
    imported_at: ctx.clock.now().toISOString(),
  });
  const finish = async (status: ImportStatus, loaded: number, error: string | null, store = true) => {
    if (store) await insertImport(ctx.db, row(status, loaded, error));
    return summaryOf(p, quarter, tally, status, loaded, error);
  };
  const duplicate = (loaded: number, error: string) => finish('duplicate', loaded, error);

  if (p.error !== null) {
    onBytes(p.size);
    return finish('failed', 0, p.error);
  }
  const earlier = seen.get(p.hash);
  if (earlier !== undefined) {
    onBytes(p.size);
    return duplicate(0, `has the same content as ${earlier} in this import: not loaded again`);
  }
  seen.set(p.hash, p.file.name);
  const earlierImport = await loadedBy(ctx.db, p.hash);
  if (earlierImport !== undefined) {
    onBytes(p.size);
    const { importId, quarter: q, fileName } = earlierImport;
    return duplicate(
      0,
      `was already imported for quarter ${q} as ${fileName} (import #${importId}): not loaded again`,
    );
  }

  try {
    if (p.kind === 'impressions') {
      const counts = new Map<string, number>();
      for await (const r of records(p, onBytes)) {
        tally.read++;
        const parsed = r.extra ? { ok: false as const, reason: extraReason(p) } : parseImpression(r.fields);
        if (!parsed.ok) {
          tally.reject(r.line, parsed.reason);
          continue;
        }
        const key = pairKey(parsed.row.campaignId, parsed.row.bannerId);
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
      const loaded = tally.read - tally.rejected;
      const stored = await recordLoadedFile(ctx.db, row('loaded', loaded, null), (trx) =>
        addImpressions(trx, quarter, counts),
      );
      if (!stored) return duplicate(0, 'was imported by another import meanwhile: not loaded again');
      if (state.impressions) for (const key of counts.keys()) state.impressions.add(key);
      return finish('loaded', loaded, null, false);
    }

    if (p.kind === 'clicks') {
      const known = (state.clicks ??= await clickIds(ctx.db, quarter));
      const pairs = (state.impressions ??= await impressionPairs(ctx.db, quarter));
      let yielded = 0;
      async function* cells(): AsyncGenerator<Cell[]> {
        for await (const r of records(p, onBytes)) {
          tally.read++;
          const parsed = r.extra ? { ok: false as const, reason: extraReason(p) } : parseClick(r.fields);
          if (!parsed.ok) {
            tally.reject(r.line, parsed.reason);
            continue;
          }
          const { clickId, bannerId, campaignId } = parsed.row;
          if (known.has(clickId)) {
            tally.skipped++;
            continue;
          }
          known.add(clickId);
          if (!pairs.has(pairKey(campaignId, bannerId)))
            tally.warn(
              r.line,
              `click ${clickId}: banner ${bannerId} has no impression in campaign ${campaignId} in quarter ${quarter} (kept)`,
            );
          yielded++;
          yield [quarter, clickId, bannerId, campaignId];
        }
      }
      const { inserted } = await insertClicks(ctx.database, cells());
      tally.skipped += yielded - inserted;
      return await recordRows(inserted);
    }

    const clicks = (state.clicks ??= await clickIds(ctx.db, quarter));
    const known = (state.conversions ??= await conversionIds(ctx.db, quarter));
    let yielded = 0;
    async function* cells(): AsyncGenerator<Cell[]> {
      for await (const r of records(p, onBytes)) {
        tally.read++;
        const parsed = r.extra ? { ok: false as const, reason: extraReason(p) } : parseConversion(r.fields);
        if (!parsed.ok) {
          tally.reject(r.line, parsed.reason);
          continue;
        }
        const { conversionId, clickId, revenueMicros } = parsed.row;
        if (known.has(conversionId)) {
          tally.skipped++;
          continue;
        }
        if (!clicks.has(clickId)) {
          tally.reject(
            r.line,
            `conversion ${conversionId}: click ${clickId} is not in quarter ${quarter}'s clicks`,
          );
          continue;
        }
        known.add(conversionId);
        yielded++;
        yield [quarter, conversionId, clickId, revenueMicros];
      }
    }
    const { inserted } = await insertConversions(ctx.database, cells());
    tally.skipped += yielded - inserted;
    return await recordRows(inserted);
  } catch (err) {
    if (!(err instanceof CsvSyntaxError)) throw err;
    // Clicks and conversions committed before the bad line stay (loading the fixed file skips them);
    // the ids of the batch that was not committed must not count as known: read them again.
    state.clicks = undefined;
    state.conversions = undefined;
    return finish('failed', 0, `is not valid CSV: ${err.message}`);
  }

  async function recordRows(inserted: number): Promise<FileSummary> {
    const stored = await recordLoadedFile(ctx.db, row('loaded', inserted, null));
    if (!stored) return duplicate(inserted, 'was imported by another import meanwhile');
    return summaryOf(p, quarter, tally, 'loaded', inserted, null);
  }
}

function extraReason(p: Prepared): string {
  return `more fields than the header's ${p.width}`;
}

function summaryOf(
  p: Prepared,
  quarter: Quarter,
  tally: Tally,
  status: ImportStatus,
  loaded: number,
  error: string | null,
): FileSummary {
  return {
    fileName: p.file.name,
    kind: p.kind,
    quarter,
    status,
    sizeBytes: p.size,
    rowsRead: tally.read,
    rowsLoaded: loaded,
    rowsSkipped: tally.skipped,
    rowsRejected: tally.rejected,
    warnings: tally.warnings,
    rejectedExamples: tally.rejectedExamples,
    warningExamples: tally.warningExamples,
    error,
  };
}
