/**
 * Diff engine of the "diffing" system: compares a new CSV export of a metric with the previous one
 * and writes only the rows that are new or whose value changed (plus, separately, the rows that
 * disappeared).
 *
 * PERFORMANCE NOTE — this module is hand-written on purpose. Inputs are 10⁶–10⁷ rows (0.1–1 GB);
 * the targets are ~1 s and < 200 MB RSS for 1.1M rows (and faster than DuckDB), bounded memory
 * (< 400 MB) at any size. Therefore: no CSV library and no per-row strings on the hot path. Files
 * are read in 4 MiB chunks and scanned byte by byte (platform/csv/csv-reader.ts); only key and value fields are
 * touched; values are compared as bytes first and parsed only when the bytes differ (compare.ts).
 * In memory the old file's keys are not stored (FpTable, "keyless"): each old row leaves a 62-bit
 * fingerprint of its key (key-fingerprint.ts), its offset and its length; a fingerprint match is
 * checked by reading the row again (RowWindow, RowCheck), and anything that cannot be settled that
 * way (a collision, a new file in another order) redoes the diff with the KeyTable, which stores
 * the keys (dictionary-encoded) and values in an arena (diffClassic).
 * Re-exports mostly repeat the old rows byte for byte, in the same order: when both files have the
 * same header, a new row is first compared with the raw bytes of the old row the table predicts
 * (the entry after the last one matched), read from the old file a second time; equal bytes mean
 * the same key and value, so the row is unchanged without being parsed further, hashed or looked up
 * (FastPath). Added and changed rows are written as the new file is scanned; deleted rows are
 * copied from the old file at the end.
 * The keyless table's old-file scan, index inserts and fast path run in a native kernel when it was
 * built (native/diff-kernel.cc via native-kernel.ts; it leaves every record that is not a plain
 * one-line row to CsvReader), else in the TypeScript code next to each call.
 * When neither table fits memoryBudgetBytes (by estimate) both files are first split into N
 * partitions, each partition pair is diffed on its own (two at a time with a second thread), and
 * the per-partition sorted offset lists are k-way merged so the output keeps the input order. By
 * default the partitions are keyless (diffPartitionedKeyless): split by fingerprint, the old file's
 * rows leave only their print records (the keyless table's arrays) and are read again from the old
 * file itself, the new file's rows are copied into partition CSV files, and each pair goes through
 * the same keyless steps as the in-memory path. If a partition's keyless table cannot go on, the
 * diff is redone with KeyTable partitions (diffPartitioned: keys and values split by key hash into
 * partition files, partition.ts).
 * Measure (npm run bench:diffing; bench/diff-engine-quick.ts) before changing anything here.
 *
 * SEMANTICS
 *  - Output (outPath): the new file's header line (bytes as in the file, including a UTF-8 BOM if
 *    the new file has one), then each new-file row whose key is absent from the old file or whose
 *    value differs, in the new file's order. Row bytes are copied untouched (quoting, number
 *    formatting, embedded newlines); the row TERMINATOR is normalised to the terminator of the new
 *    file's header line ('\r\n' or '\n'; '\n' when the header has none), and the last row always
 *    gets one. deletedPath: the same for rows of the old file whose key is absent from the new file
 *    (old header, old terminator style, old file order).
 *  - Keys compare as exact byte strings after CSV unquoting ("a" ≡ a; empty ≡ empty).
 *  - Values: see compare.ts (identical strings equal — so 'nan' vs 'nan' is unchanged —, else
 *    Python float() + math.isclose(rel_tol=1e-9); anything non-numeric is compared as a string).
 *  - Duplicate keys within one file: the last occurrence wins. For the new file the row is output
 *    (if new/changed) at the position of its LAST occurrence; earlier occurrences are never output.
 *    duplicateKeysOld/New count superseded rows (rows whose key occurs again later), so
 *    rowsNew = added + changed + unchanged + duplicateKeysNew and
 *    rowsOld = changed + unchanged + deleted + duplicateKeysOld. A warning names the first line at
 *    which a key repeats.
 *  - Empty lines anywhere are skipped (they are not rows). Column order may differ between files:
 *    columns are found by name in each file's own header.
 *  - Errors in the input throw DiffInputError (file, path, 1-based physical line where the record
 *    starts, reason); line 0 means "not about a line" (e.g. file missing). Outputs are written to
 *    temp files in tmpDir and renamed into place only on success; on failure they are removed.
 *  - Memory: the in-memory path is used when the keyless table's estimated size (~23 bytes an old
 *    row, 21 a key only in the new file) or the KeyTable's (max of the two files' estimated row
 *    counts × estimated bytes per key) is ≤ memoryBudgetBytes. When only the keyless table fits, it
 *    may grow to 1.15× the budget (estimates are from a sample); beyond that, or when it cannot go
 *    on (see above), the diff is redone partitioned rather than with the KeyTable.
 *
 * No global state: everything lives in the objects created by one runDiff call (safe in workers).
 */
import { randomBytes } from 'node:crypto';
import { closeSync, openSync } from 'node:fs';
import { copyFile, mkdtemp, rename, rm, unlink } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { BufferedWriter } from '../../platform/csv/buffered-writer.js';
import { planPartitionCount } from './engine/plan.js';
import {
  DEFAULT_MEMORY_BUDGET,
  DEFAULT_TUNING,
  type DiffOptions,
  type DiffStats,
  type Tuning,
  UseKeyTable,
} from './engine/types.js';
import { newCounters } from './engine/tally.js';
import { Progress } from './engine/progress.js';
import { ENTRY_OVERHEAD } from './engine/key-table.js';
import { type Input, openInput } from './engine/input.js';
import { sampleInput, useDictionary } from './engine/sample.js';
import { OFFSET_LIMIT } from './engine/row-prints.js';
import { FP_BYTES_PER_ROW, SIDE_BYTES } from './engine/fp-table.js';
import { diffClassic } from './engine/keys-in-memory.js';
import { diffInMemory } from './engine/keyless-in-memory.js';
import { DiffThread } from './engine/partitions.js';
import { diffPartitioned } from './engine/keys-partitioned.js';
import { diffPartitionedKeyless } from './engine/keyless-partitioned.js';
export type { DiffSpec } from './engine/types.js';
export type { DiffOptions } from './engine/types.js';
export type { DiffStats } from './engine/types.js';
export { DiffInputError } from './engine/types.js';
export type { Tuning } from './engine/types.js';
export { DEFAULT_MEMORY_BUDGET } from './engine/types.js';

async function moveInto(tmp: string, dest: string): Promise<void> {
  try {
    await rename(tmp, dest);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EXDEV') throw e;
    await copyFile(tmp, dest);
    await unlink(tmp);
  }
}

function validate(opts: DiffOptions): void {
  if (!opts.spec || opts.spec.keys.length === 0) throw new Error('runDiff: spec.keys must not be empty');
  if (!opts.spec.value) throw new Error('runDiff: spec.value is required');
  if (resolve(opts.outPath) === resolve(opts.deletedPath)) {
    throw new Error('runDiff: outPath and deletedPath must differ');
  }
  if (
    opts.forcePartitions !== undefined &&
    !(Number.isInteger(opts.forcePartitions) && opts.forcePartitions >= 1)
  ) {
    throw new Error('runDiff: forcePartitions must be a positive integer');
  }
  if (opts.threads !== undefined && !(Number.isInteger(opts.threads) && opts.threads >= 1)) {
    throw new Error('runDiff: threads must be a positive integer');
  }
}

/** Default threads: a second thread only pays (its start-up is ~0.1 s) for inputs at least this big. */
const THREADS_MIN_BYTES = 64 * 1024 * 1024;

/** Runs one diff; see the module comment for the exact semantics. */
export async function runDiff(opts: DiffOptions): Promise<DiffStats> {
  return runDiffTuned(opts, DEFAULT_TUNING);
}

/** runDiff with internal knobs (for tests and benchmarks); knobs not given keep their defaults. */
export async function runDiffTuned(opts: DiffOptions, knobs: Partial<Tuning>): Promise<DiffStats> {
  validate(opts);
  const tuning: Tuning = { ...DEFAULT_TUNING, ...knobs };
  const budget = opts.memoryBudgetBytes ?? DEFAULT_MEMORY_BUDGET;
  const tmpDir = opts.tmpDir ?? dirname(opts.outPath);
  const tag = `${process.pid}-${randomBytes(6).toString('hex')}`;
  const outTmp = join(tmpDir, `.${basename(opts.outPath)}.${tag}.tmp`);
  const delTmp = join(tmpDir, `.${basename(opts.deletedPath)}.${tag}.tmp`);
  const progress = new Progress(opts.onProgress);
  const inputs: Input[] = [];
  let partDir: string | undefined;
  let thread: DiffThread | undefined;
  let outFd = -1;
  let delFd = -1;
  try {
    const oldIn = await openInput('old', opts.oldPath, opts.spec, tuning.chunkSize);
    inputs.push(oldIn);
    const newIn = await openInput('new', opts.newPath, opts.spec, tuning.chunkSize);
    inputs.push(newIn);
    progress.at(0, 1, 0);
    const threads =
      opts.threads !== undefined
        ? Math.min(2, opts.threads)
        : availableParallelism() >= 2 && oldIn.size + newIn.size >= THREADS_MIN_BYTES
          ? 2
          : 1;

    const oldSample = sampleInput(oldIn);
    const newSample = sampleInput(newIn);
    const estKeys = Math.max(oldSample.estRows, newSample.estRows);
    const encKey = oldSample.distinctRatio.reduce(
      (a, _r, j) => a + (useDictionary(oldSample, j) ? 2 : 1 + (oldSample.avgColLen[j] as number)),
      0,
    );
    const dictBytes = oldSample.distinct.reduce(
      (a, d, j) =>
        a +
        (useDictionary(oldSample, j)
          ? ((d * estKeys) / Math.max(1, oldSample.rows)) * ((oldSample.avgColLen[j] as number) + 24)
          : 0),
      0,
    );
    const needInMemory = estKeys * (ENTRY_OVERHEAD + encKey + oldSample.avgValue) + dictBytes;
    // The keyless table needs ~23 bytes an old row (and 21 a key only in the new file).
    const needKeyless =
      oldSample.estRows * FP_BYTES_PER_ROW + Math.max(0, newSample.estRows - oldSample.estRows) * SIDE_BYTES;
    const classicFits = needInMemory <= budget;
    // Partitions: two threads keep two partition tables in memory at a time.
    const keylessParts = tuning.keyless && oldIn.size < OFFSET_LIMIT && newIn.size < OFFSET_LIMIT;
    const planPartitions = (keyless: boolean): number => {
      if (opts.forcePartitions !== undefined) return opts.forcePartitions;
      // 1.5: a lane's previous table may not be collected yet when it makes the next one.
      if (keyless) return Math.max(2, Math.ceil((needKeyless * threads * 1.5) / budget));
      const rawNeed = estKeys * (ENTRY_OVERHEAD + oldSample.avgRawKey + oldSample.avgValue);
      return planPartitionCount(rawNeed * threads, budget);
    };
    let partitions = 1;
    if (opts.forcePartitions !== undefined) {
      partitions = opts.forcePartitions;
    } else if (!classicFits && !(tuning.keyless && needKeyless <= budget)) {
      partitions = planPartitions(keylessParts);
    }
    outFd = openSync(outTmp, 'wx');
    delFd = openSync(delTmp, 'wx');
    const outW = new BufferedWriter(outFd, 1024 * 1024);
    const delW = new BufferedWriter(delFd, 256 * 1024);
    outW.write(newIn.header, 0, newIn.header.length);
    outW.write(newIn.term, 0, newIn.term.length);
    delW.write(oldIn.header, 0, oldIn.header.length);
    delW.write(oldIn.term, 0, oldIn.term.length);
    const outHeaderBytes = outW.written;
    const delHeaderBytes = delW.written;

    const c = newCounters();
    let table: DiffStats['table'] = 'keys';
    const partitioned = opts.forcePartitions !== undefined || partitions > 1;
    const reopen = async (which: 'old' | 'new'): Promise<Input> => {
      const inp = await openInput(
        which,
        which === 'old' ? opts.oldPath : opts.newPath,
        opts.spec,
        tuning.chunkSize,
      );
      inputs.push(inp);
      return inp;
    };
    /** The partitioned path: keyless partitions first when `keyless`, else (or if those cannot go on) KeyTable ones. */
    const partitionedDiff = async (o: Input, n: Input, keyless: boolean): Promise<void> => {
      if (threads > 1) thread ??= new DiffThread();
      const ctx = { oldIn: o, newIn: n, outW, delW, c, progress, tuning, thread };
      partDir = await mkdtemp(join(tmpDir, `.diff-parts-${tag}-`));
      if (keyless) {
        try {
          await diffPartitionedKeyless(partitions, partDir, ctx);
          table = 'fingerprints';
          return;
        } catch (e) {
          if (!(e instanceof UseKeyTable)) throw e;
        }
        // A partition's keyless table could not go on (see diffInMemory): all again, with KeyTables.
        outW.truncate(outHeaderBytes);
        delW.truncate(delHeaderBytes);
        Object.assign(c, newCounters());
        await rm(partDir, { recursive: true, force: true });
        partDir = await mkdtemp(join(tmpDir, `.diff-parts-${tag}-`));
        partitions = planPartitions(false);
        o = await reopen('old');
        n = await reopen('new');
      }
      await diffPartitioned(partitions, partDir, { ...ctx, oldIn: o, newIn: n });
    };
    if (partitioned) {
      await partitionedDiff(oldIn, newIn, keylessParts);
    } else {
      const fallback = async (o: Input, n: Input): Promise<void> => {
        if (classicFits) {
          const expected = Math.max(oldSample.estRows, newSample.estRows) * 1.05 + 16;
          await diffClassic(o, n, oldSample, expected, outW, delW, c, progress, tuning);
        } else {
          // The keyless table could not go on, and the KeyTable does not fit the budget.
          partitions = planPartitions(false);
          await partitionedDiff(o, n, false);
        }
      };
      const maxBytes = classicFits ? Infinity : budget * 1.15;
      table = await diffInMemory(
        oldIn,
        newIn,
        oldSample,
        newSample,
        outW,
        delW,
        c,
        progress,
        tuning,
        maxBytes,
        reopen,
        fallback,
      );
    }
    outW.flush();
    delW.flush();
    closeSync(outFd);
    outFd = -1;
    closeSync(delFd);
    delFd = -1;
    await moveInto(outTmp, opts.outPath);
    await moveInto(delTmp, opts.deletedPath);
    progress.at(0, 1, 1);

    const warnings: string[] = [];
    if (c.dupOld > 0) {
      warnings.push(
        `old file: ${c.dupOld} duplicate key${c.dupOld === 1 ? '' : 's'}, last occurrence kept (first at line ${c.firstDupOld})`,
      );
    }
    if (c.dupNew > 0) {
      warnings.push(
        `new file: ${c.dupNew} duplicate key${c.dupNew === 1 ? '' : 's'}, last occurrence kept (first at line ${c.firstDupNew})`,
      );
    }
    return {
      rowsOld: c.rowsOld,
      rowsNew: c.rowsNew,
      rowsOut: c.added + c.changed,
      added: c.added,
      changed: c.changed,
      unchanged: c.unchanged,
      deleted: c.deleted,
      duplicateKeysOld: c.dupOld,
      duplicateKeysNew: c.dupNew,
      warnings,
      partitions,
      identicalRows: c.identical,
      table,
    };
  } catch (e) {
    if (outFd >= 0) closeSync(outFd);
    if (delFd >= 0) closeSync(delFd);
    await rm(outTmp, { force: true });
    await rm(delTmp, { force: true });
    throw e;
  } finally {
    if (thread) await thread.close();
    for (const inp of inputs) await inp.rd.close().catch(() => undefined);
    if (partDir) await rm(partDir, { recursive: true, force: true });
  }
}
