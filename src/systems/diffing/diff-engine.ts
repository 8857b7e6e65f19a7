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
import { closeSync, openSync, readSync, writeSync } from 'node:fs';
import { copyFile, mkdtemp, rename, rm, unlink } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import type { Worker } from 'node:worker_threads';
import { startModuleThread } from '../../platform/threads.js';
import { BufferedWriter } from '../../platform/csv/buffered-writer.js';
import { grown } from '../../platform/csv/bytes.js';
import { NEED_MORE, RECORD } from '../../platform/csv/csv-reader.js';
import { unquoteInto } from '../../platform/csv/fields.js';
import { KeyFingerprint } from './engine/key-fingerprint.js';
import { nativeKernel } from './engine/native-kernel.js';
import { hashBytes } from './engine/bytes.js';
import {
  P_NEED_MORE,
  P_RECORD,
  PartitionReader,
  PartitionWriter,
  partitionOf,
} from './engine/partition-files.js';
import { OffsetMerger, OffsetStream, writeOffsets } from './engine/offset-files.js';
import { planPartitionCount } from './engine/plan.js';
import {
  DEFAULT_MEMORY_BUDGET,
  DEFAULT_TUNING,
  DiffInputError,
  type DiffOptions,
  type DiffSpec,
  type DiffStats,
  type Tuning,
  UseKeyTable,
} from './engine/types.js';
import { addCounters, type Counters, finishTable, minLine, minOffset, newCounters } from './engine/tally.js';
import { Progress } from './engine/progress.js';
import { applyNew, applyOld, ENTRY_OVERHEAD, KeyTable } from './engine/key-table.js';
import { KeyEncoder } from './engine/key-encoder.js';
import { copyRows, fillOrThrow, type Input, isRow, nextRecord, openInput } from './engine/input.js';
import { sampleInput, useDictionary } from './engine/sample.js';
import { RowWindow } from './engine/row-window.js';
import { OFFSET_LIMIT, RowPrints } from './engine/row-prints.js';
import { FP_BYTES_PER_ROW, FpTable, SIDE_BYTES } from './engine/fp-table.js';
import { RowCheck } from './engine/row-check.js';
import { FastPath } from './engine/fast-path.js';
import { diffClassic } from './engine/keys-in-memory.js';
import {
  deletedInOrder,
  indexOld,
  lineAt,
  rewriteKeyless,
  type RowSink,
  scanNewKeyless,
  scanPrints,
} from './engine/keyless-steps.js';
import { diffInMemory } from './engine/keyless-in-memory.js';
export type { DiffSpec } from './engine/types.js';
export type { DiffOptions } from './engine/types.js';
export type { DiffStats } from './engine/types.js';
export { DiffInputError } from './engine/types.js';
export type { Tuning } from './engine/types.js';
export { DEFAULT_MEMORY_BUDGET } from './engine/types.js';

async function splitIntoPartitions(
  inp: Input,
  writers: PartitionWriter[],
  c: Counters,
  isNew: boolean,
  progress: Progress,
  lo: number,
  hi: number,
): Promise<void> {
  const rd = inp.rd;
  const enc = new KeyEncoder(Array.from(inp.keyCols, () => null));
  const n = writers.length;
  const valCol = inp.valCol;
  let vtmp = Buffer.allocUnsafe(256);
  let rows = 0;
  for (;;) {
    const r = nextRecord(inp);
    if (r === RECORD) {
      if (!isRow(inp)) continue;
      const kLen = enc.encode(rd, inp.keyCols);
      const h = hashBytes(enc.kb, 0, kLen);
      let vb: Uint8Array = rd.buf;
      let vs = rd.fStart[valCol] as number;
      let ve = rd.fEnd[valCol] as number;
      if (rd.fQuoted[valCol] === 1) {
        if (vtmp.length < ve - vs) vtmp = Buffer.allocUnsafe((ve - vs) * 2);
        ve = unquoteInto(vb, vs, ve, vtmp, 0);
        vs = 0;
        vb = vtmp;
      }
      (writers[partitionOf(h, n)] as PartitionWriter).add(
        rd.base + rd.recStart,
        rd.line,
        enc.kb,
        kLen,
        vb,
        vs,
        ve,
      );
      rows++;
    } else if (r === NEED_MORE) {
      await fillOrThrow(inp);
      progress.at(lo, hi, rd.consumed / Math.max(1, inp.size));
    } else {
      break;
    }
  }
  if (isNew) c.rowsNew += rows;
  else c.rowsOld += rows;
}

async function readPartition(path: string, t: KeyTable, c: Counters, isNew: boolean): Promise<void> {
  const pr = await PartitionReader.open(path);
  let dups = 0;
  let firstDup = 0;
  try {
    for (;;) {
      const r = pr.next();
      if (r === P_RECORD) {
        const b = pr.buf;
        const h = hashBytes(b, pr.kStart, pr.kLen);
        const dup = isNew
          ? applyNew(
              t,
              t.predict(b, pr.kStart, pr.kLen),
              b,
              pr.kStart,
              pr.kLen,
              h,
              b,
              pr.vStart,
              pr.vEnd,
              pr.offset,
            )
          : applyOld(t, b, pr.kStart, pr.kLen, h, b, pr.vStart, pr.vEnd, pr.offset);
        if (dup) {
          dups++;
          if (firstDup === 0) firstDup = pr.line;
        }
      } else if (r === P_NEED_MORE) {
        await pr.fill();
      } else {
        break;
      }
    }
  } finally {
    await pr.close();
  }
  if (isNew) {
    c.dupNew += dups;
    c.firstDupNew = minLine(c.firstDupNew, firstDup);
  } else {
    c.dupOld += dups;
    c.firstDupOld = minLine(c.firstDupOld, firstDup);
  }
}

/** One partition file as written by the split phase. */
interface PartFile {
  path: string;
  rows: number;
  keyValueBytes: number;
}

/** Diff of one partition pair: everything a thread needs (plain data, can be posted to a worker). */
interface PartitionTask {
  kind: 'partition';
  old: PartFile;
  new: PartFile;
  /** Sorted new-file offsets to output / old-file offsets deleted are written here. */
  emitPath: string;
  delPath: string;
}

/** Split of one CSV file into partition files (plain data, can be posted to a worker). */
interface SplitTask {
  kind: 'split';
  which: 'old' | 'new';
  path: string;
  spec: DiffSpec;
  chunkSize: number;
  partPaths: string[];
  bufSize: number;
}

export type ThreadTask = PartitionTask | SplitTask | KeylessSplitTask | KeylessPartitionTask;

interface PartitionResult {
  counters: Counters;
  nEmit: number;
  nDel: number;
}

interface SplitResult {
  rows: number;
  parts: PartFile[];
}

export type ThreadResult = PartitionResult | SplitResult | KeylessSplitResult | KeylessPartitionResult;

async function diffPartitionTask(task: PartitionTask): Promise<PartitionResult> {
  const c = newCounters();
  const op = task.old;
  const np = task.new;
  const expected = Math.max(op.rows, np.rows) + 16;
  const t = new KeyTable(expected, op.keyValueBytes + op.rows * 2 + 1024);
  await readPartition(op.path, t, c, false);
  await unlink(op.path);
  await readPartition(np.path, t, c, true);
  await unlink(np.path);
  const { emit, del } = finishTable(t, c);
  writeOffsets(task.emitPath, emit);
  writeOffsets(task.delPath, del);
  return { counters: c, nEmit: emit.length, nDel: del.length };
}

/** Splits an already opened input (header consumed) into partition files; adds its rows to c. */
async function splitInput(
  inp: Input,
  partPaths: string[],
  bufSize: number,
  c: Counters,
  progress: Progress,
  lo: number,
  hi: number,
): Promise<PartFile[]> {
  const writers: PartitionWriter[] = [];
  try {
    for (const path of partPaths) writers.push(new PartitionWriter(path, bufSize));
    await splitIntoPartitions(inp, writers, c, inp.which === 'new', progress, lo, hi);
  } finally {
    for (const w of writers) w.close();
    await inp.rd.close();
  }
  return writers.map((w) => ({ path: w.path, rows: w.rows, keyValueBytes: w.keyValueBytes }));
}

async function splitTask(task: SplitTask): Promise<SplitResult> {
  const inp = await openInput(task.which, task.path, task.spec, task.chunkSize);
  const c = newCounters();
  const parts = await splitInput(inp, task.partPaths, task.bufSize, c, new Progress(undefined), 0, 1);
  return { rows: task.which === 'new' ? c.rowsNew : c.rowsOld, parts };
}

/** Runs one task of the threaded partitioned path (in diff-thread.worker.ts, or inline). */
export function runThreadTask(task: ThreadTask): Promise<ThreadResult> {
  switch (task.kind) {
    case 'split':
      return splitTask(task);
    case 'partition':
      return diffPartitionTask(task);
    case 'ksplit':
      return keylessSplitTask(task);
    case 'kpartition':
      return diffKeylessPartitionTask(task);
  }
}

/** An error as posted back by a worker: input errors keep their fields. */
export type ThreadError =
  | { kind: 'input'; file: 'old' | 'new'; path: string; line: number; reason: string }
  | { kind: 'keytable'; message: string }
  | { kind: 'other'; message: string; stack?: string };

export function toThreadError(e: unknown): ThreadError {
  if (e instanceof DiffInputError) {
    return { kind: 'input', file: e.file, path: e.path, line: e.line, reason: e.reason };
  }
  if (e instanceof UseKeyTable) return { kind: 'keytable', message: e.message };
  const err = e instanceof Error ? e : new Error(String(e));
  return { kind: 'other', message: err.message, ...(err.stack ? { stack: err.stack } : {}) };
}

function fromThreadError(e: ThreadError): Error {
  if (e.kind === 'input') return new DiffInputError(e.file, e.path, e.line, e.reason);
  if (e.kind === 'keytable') return new UseKeyTable(e.message);
  const err = new Error(`diff thread: ${e.message}`);
  if (e.stack) err.stack = `diff thread: ${e.stack}`;
  return err;
}

/** Message from diff-thread.worker.ts. */
export type ThreadReply =
  { id: number; ok: true; result: ThreadResult } | { id: number; ok: false; error: ThreadError };

/** A second thread for the partitioned path: runs ThreadTasks one at a time. Always close() it. */
class DiffThread {
  private readonly worker: Worker;
  private readonly pending = new Map<
    number,
    { resolve: (r: ThreadResult) => void; reject: (e: Error) => void }
  >();
  private nextId = 1;
  private failure: Error | undefined;
  private closed = false;

  constructor() {
    this.worker = startModuleThread(new URL('./diff-thread.worker.js', import.meta.url));
    this.worker.on('message', (m: ThreadReply) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (m.ok) p.resolve(m.result);
      else p.reject(fromThreadError(m.error));
    });
    this.worker.on('error', (e: Error) => this.fail(e));
    this.worker.on('exit', (code) => {
      if (!this.closed) this.fail(new Error(`diff thread exited unexpectedly (code ${code})`));
    });
  }

  private fail(e: Error): void {
    this.failure ??= e;
    for (const p of this.pending.values()) p.reject(this.failure);
    this.pending.clear();
  }

  run(task: ThreadTask): Promise<ThreadResult> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, task });
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    this.fail(new Error('diff thread closed'));
    await this.worker.terminate();
  }
}

/** Partition write buffers: 32 MiB in all (16 MiB per file when the two files are split at once). */
function partitionBufSize(n: number, thread: DiffThread | undefined): number {
  return Math.min(1024 * 1024, Math.max(64 * 1024, Math.floor((32 * 1024 * 1024) / (thread ? 2 * n : n))));
}

/** What the partition lanes and the final merge work on. */
interface PartitionsContext {
  oldIn: Input;
  newIn: Input;
  outW: BufferedWriter;
  delW: BufferedWriter;
  c: Counters;
  progress: Progress;
  tuning: Tuning;
  thread: DiffThread | undefined;
}

/**
 * Diffs the n partition pairs (the main thread is one lane, the worker if any the other; lanes take
 * partitions in order), then merges their sorted offset files into the outputs: the new file's
 * rows to output, the old file's deleted rows.
 */
async function runPartitions<T extends PartitionTask | KeylessPartitionTask>(
  n: number,
  partDir: string,
  makeTask: (p: number, emitPath: string, delPath: string) => T,
  runHere: (t: T) => Promise<PartitionResult>,
  onResult: (r: PartitionResult) => void,
  ctx: PartitionsContext,
): Promise<void> {
  const { oldIn, newIn, outW, delW, c, progress, tuning, thread } = ctx;
  let nEmit = 0;
  let nDel = 0;
  const emitFiles = Array.from({ length: n }, (_, p) => join(partDir, `emit-${p}.off`));
  const delFiles = Array.from({ length: n }, (_, p) => join(partDir, `del-${p}.off`));
  let next = 0;
  let done = 0;
  let stop = false;
  const lane = async (run: (t: T) => Promise<PartitionResult>): Promise<void> => {
    while (!stop && next < n) {
      const p = next++;
      try {
        const r = await run(makeTask(p, emitFiles[p] as string, delFiles[p] as string));
        addCounters(c, r.counters);
        nEmit += r.nEmit;
        nDel += r.nDel;
        onResult(r);
      } catch (e) {
        stop = true;
        throw e;
      }
      progress.at(0.5, 0.9, ++done / n);
    }
  };
  const lanes = [lane(runHere)];
  if (thread) lanes.push(lane((t) => thread.run(t) as Promise<PartitionResult>));
  const settled = await Promise.allSettled(lanes);
  for (const s of settled) if (s.status === 'rejected') throw s.reason;

  const em = new OffsetMerger(emitFiles);
  try {
    await copyRows(
      newIn,
      () => em.next(),
      nEmit,
      outW,
      newIn.term,
      progress,
      0.9,
      0.97,
      tuning.copyChunkSize,
    );
  } finally {
    em.close();
  }
  const dm = new OffsetMerger(delFiles);
  try {
    await copyRows(oldIn, () => dm.next(), nDel, delW, oldIn.term, progress, 0.97, 1, tuning.copyChunkSize);
  } finally {
    dm.close();
  }
}

/**
 * Splits both files into partitions: the new file on the second thread (`newTask`) while this one
 * splits the old file (the old file's error, if any, wins, as in the sequential order), else one
 * after the other. Progress: 0 to 0.5.
 */
async function splitBoth<P>(
  newIn: Input,
  thread: DiffThread | undefined,
  splitOld: (lo: number, hi: number) => Promise<P[]>,
  splitNew: (lo: number, hi: number) => Promise<P[]>,
  newTask: SplitTask | KeylessSplitTask,
  c: Counters,
): Promise<[P[], P[]]> {
  if (!thread) {
    const oldParts = await splitOld(0, 0.25);
    return [oldParts, await splitNew(0.25, 0.5)];
  }
  await newIn.rd.close();
  const newSplit = thread.run(newTask) as Promise<{ rows: number; parts: P[] }>;
  newSplit.catch(() => undefined); // observed below (or superseded by the old file's error)
  const oldParts = await splitOld(0, 0.5);
  const r = await newSplit;
  c.rowsNew += r.rows;
  return [oldParts, r.parts];
}

/**
 * The partitioned path with KeyTable partitions: both files are split by key hash into partition
 * files of keys, values and offsets (the new file on the second thread when there is one), and each
 * partition pair is diffed with its own KeyTable.
 */
async function diffPartitioned(n: number, partDir: string, ctx: PartitionsContext): Promise<void> {
  const { oldIn, newIn, c, progress, tuning, thread } = ctx;
  const bufSize = tuning.partitionBuffer || partitionBufSize(n, thread);
  const paths = (tag: string): string[] =>
    Array.from({ length: n }, (_, p) => join(partDir, `${tag}-${p}.part`));
  const [oldParts, newParts] = await splitBoth(
    newIn,
    thread,
    (lo, hi) => splitInput(oldIn, paths('old'), bufSize, c, progress, lo, hi),
    (lo, hi) => splitInput(newIn, paths('new'), bufSize, c, progress, lo, hi),
    {
      kind: 'split',
      which: 'new',
      path: newIn.path,
      spec: newIn.spec,
      chunkSize: tuning.chunkSize,
      partPaths: paths('new'),
      bufSize,
    },
    c,
  );
  await runPartitions(
    n,
    partDir,
    (p, emitPath, delPath) => ({
      kind: 'partition',
      old: oldParts[p] as PartFile,
      new: newParts[p] as PartFile,
      emitPath,
      delPath,
    }),
    diffPartitionTask,
    () => undefined,
    ctx,
  );
}

/**
 * One partition of a file for the keyless partitioned path. The old file's: a file of PRINT_RECORD
 * byte records (per row its key fingerprint, offset in the old file, length and flags: what the
 * keyless table keeps; the rows themselves are read again from the old file). The new file's: a CSV
 * file (the header line, then the partition's rows, byte for byte, each ending in '\n'), and an
 * offsets file holding per row its offset in the partition file and in the new file (two float64s).
 */
interface KeylessPart {
  path: string;
  /** '' for the old file's partitions. */
  offsPath: string;
  rows: number;
}

/** Bytes of a print record: h1, h2 (int32), offset (float64), length, flags (uint32). */
const PRINT_RECORD = 24;

/** What the keyless steps need of the tuning (plain data, can be posted to a worker). */
interface KeylessKnobs {
  chunkSize: number;
  fingerprintMask: [number, number];
  native: boolean;
}

/** Split of one CSV file into keyless partitions (plain data, can be posted to a worker). */
interface KeylessSplitTask {
  kind: 'ksplit';
  which: 'old' | 'new';
  path: string;
  spec: DiffSpec;
  knobs: KeylessKnobs;
  partPaths: string[];
  bufSize: number;
}

/** Diff of one keyless partition pair (plain data, can be posted to a worker). */
interface KeylessPartitionTask {
  kind: 'kpartition';
  /** The old file itself (its rows are read from there). */
  oldPath: string;
  old: KeylessPart;
  new: KeylessPart;
  spec: DiffSpec;
  knobs: KeylessKnobs;
  /** Sorted original new-file offsets to output / old-file offsets deleted are written here. */
  emitPath: string;
  delPath: string;
}

interface KeylessPartitionResult extends PartitionResult {
  /** Original offsets of the first row repeating a key in each file (-1: none). */
  firstDupOldOff: number;
  firstDupNewOff: number;
}

interface KeylessSplitResult {
  rows: number;
  parts: KeylessPart[];
}

/** The partition of a row: the top bits of its fingerprint's second half (the index uses the first). */
function keylessPartOf(h2: number, n: number): number {
  return Math.floor(((h2 >>> 0) * n) / 4294967296);
}

/** Writes buf[start, start + len) at `pos` of a file, all of it. */
function writeAllAt(fd: number, buf: Uint8Array, start: number, len: number, pos: number): void {
  for (let done = 0; done < len;) done += writeSync(fd, buf, start + done, len - done, pos + done);
}

/**
 * The new file's keyless partitions being written (splitKeyless): per partition a CSV file (its
 * header line first) and an offsets file, each filled through a region of one shared buffer
 * (DiffKernel.scatterRows fills the regions; add() is the same in JavaScript).
 */
class RowScatter {
  readonly dst: Buffer;
  readonly offs: Float64Array;
  private readonly offsBytes: Uint8Array;
  readonly fill: Float64Array;
  /** Bytes of partition p's CSV file before its region (where the region's bytes go). */
  readonly partPos: Float64Array;
  readonly offsFill: Float64Array;
  readonly rows: number[];
  private readonly fds: number[] = [];
  private readonly offsFds: number[] = [];
  private readonly offsPos: number[];
  private readonly nl = Buffer.from('\n');

  constructor(
    readonly paths: string[],
    readonly regionSize: number,
    readonly offsRegion: number,
    header: Buffer,
  ) {
    const n = paths.length;
    this.dst = Buffer.allocUnsafe(n * regionSize);
    this.offs = new Float64Array(n * offsRegion);
    this.offsBytes = new Uint8Array(this.offs.buffer);
    this.fill = new Float64Array(n);
    this.partPos = new Float64Array(n);
    this.offsFill = new Float64Array(n);
    this.rows = new Array<number>(n).fill(0);
    this.offsPos = new Array<number>(n).fill(0);
    try {
      for (const path of paths) {
        const fd = openSync(path, 'wx');
        this.fds.push(fd);
        this.offsFds.push(openSync(`${path}.offs`, 'wx'));
        writeAllAt(fd, header, 0, header.length, 0);
        writeAllAt(fd, this.nl, 0, 1, header.length);
      }
    } catch (e) {
      this.close(false);
      throw e;
    }
    this.partPos.fill(header.length + 1);
  }

  /** Writes partition p's regions to its files. */
  flush(p: number): void {
    const used = this.fill[p] as number;
    writeAllAt(this.fds[p] as number, this.dst, p * this.regionSize, used, this.partPos[p] as number);
    this.partPos[p] = (this.partPos[p] as number) + used;
    this.fill[p] = 0;
    const pairs = this.offsFill[p] as number;
    writeAllAt(
      this.offsFds[p] as number,
      this.offsBytes,
      p * this.offsRegion * 8,
      pairs * 8,
      this.offsPos[p] as number,
    );
    this.offsPos[p] = (this.offsPos[p] as number) + pairs * 8;
    this.offsFill[p] = 0;
    this.rows[p] = (this.rows[p] as number) + pairs / 2;
  }

  /** Appends one row (src[at, at + len), at file offset off) to partition p, as scatterRows does. */
  add(p: number, src: Uint8Array, at: number, len: number, off: number): void {
    if (
      (this.fill[p] as number) + len + 1 > this.regionSize ||
      (this.offsFill[p] as number) + 2 > this.offsRegion
    ) {
      this.flush(p);
    }
    const o = p * this.offsRegion + (this.offsFill[p] as number);
    this.offs[o] = (this.partPos[p] as number) + (this.fill[p] as number);
    this.offs[o + 1] = off;
    this.offsFill[p] = (this.offsFill[p] as number) + 2;
    if (len + 1 > this.regionSize) {
      // Longer than a region: straight to the file.
      const pos = this.partPos[p] as number;
      writeAllAt(this.fds[p] as number, src, at, len, pos);
      writeAllAt(this.fds[p] as number, this.nl, 0, 1, pos + len);
      this.partPos[p] = pos + len + 1;
      return;
    }
    const d = p * this.regionSize + (this.fill[p] as number);
    this.dst.set(src.subarray(at, at + len), d);
    this.dst[d + len] = 10;
    this.fill[p] = (this.fill[p] as number) + len + 1;
  }

  /** Flushes (unless !flush) and closes every file (once). */
  close(flush = true): void {
    try {
      if (flush) for (let p = 0; p < this.fds.length; p++) this.flush(p);
    } finally {
      for (const fd of [...this.fds.splice(0), ...this.offsFds.splice(0)]) closeSync(fd);
    }
  }
}

/**
 * Splits an opened input (header consumed) into keyless partitions (KeylessPart): every row's
 * fingerprint comes from scanPrints (natively when it can); the old file's rows leave a print
 * record, the new file's rows are copied to their partition's CSV file (RowScatter).
 */
async function splitKeyless(
  inp: Input,
  partPaths: string[],
  bufSize: number,
  knobs: KeylessKnobs,
  c: Counters,
  progress: Progress,
  lo: number,
  hi: number,
): Promise<KeylessPart[]> {
  const n = partPaths.length;
  const rd = inp.rd;
  const kernel = knobs.native ? nativeKernel() : null;
  const batch = new RowPrints(4096);
  let flush: () => void;
  let finish: () => KeylessPart[];
  let abort: () => void;
  if (inp.which === 'old') {
    const writers: BufferedWriter[] = [];
    abort = () => {
      for (const w of writers.splice(0)) closeSync(w.fd);
    };
    try {
      for (const path of partPaths) writers.push(new BufferedWriter(openSync(path, 'wx'), bufSize));
    } catch (e) {
      abort();
      throw e;
    }
    const rows = new Array<number>(n).fill(0);
    const rec = new ArrayBuffer(PRINT_RECORD);
    const [rec32, rec64, recBytes] = [new Int32Array(rec), new Float64Array(rec), new Uint8Array(rec)];
    flush = () => {
      for (let k = 0; k < batch.count; k++) {
        const p = keylessPartOf(batch.h2[k] as number, n);
        rec32[0] = batch.h1[k] as number;
        rec32[1] = batch.h2[k] as number;
        rec64[1] = batch.offAt(k);
        rec32[4] = batch.lenAt(k);
        rec32[5] = batch.flags[k] as number;
        (writers[p] as BufferedWriter).write(recBytes, 0, PRINT_RECORD);
        rows[p] = (rows[p] as number) + 1;
      }
      batch.clear();
    };
    finish = () => {
      try {
        for (const w of writers) w.flush();
      } finally {
        abort();
      }
      return partPaths.map((path, p) => ({ path, offsPath: '', rows: rows[p] as number }));
    };
  } else {
    const sc = new RowScatter(partPaths, bufSize, Math.max(64, bufSize >>> 4), inp.header);
    const state = new Float64Array(2);
    abort = () => sc.close(false);
    flush = () => {
      for (let k = 0; k < batch.count;) {
        if (kernel !== null) {
          kernel.scatterRows(
            rd.buf,
            rd.base,
            batch.h2,
            batch.offLo,
            batch.offHi,
            batch.len,
            k,
            batch.count,
            n,
            sc.dst,
            sc.regionSize,
            sc.fill,
            sc.partPos,
            sc.offs,
            sc.offsRegion,
            sc.offsFill,
            state,
          );
          k = state[0] as number;
          const stop = state[1] as number;
          if (stop === -1) break;
          if (stop >= 0 && ((sc.fill[stop] as number) > 0 || (sc.offsFill[stop] as number) > 0)) {
            sc.flush(stop);
            continue;
          }
          // A long row, or one longer than a region: JavaScript's (below).
        }
        const off = batch.offAt(k);
        sc.add(keylessPartOf(batch.h2[k] as number, n), rd.buf, off - rd.base, batch.lenAt(k), off);
        k++;
      }
      batch.clear();
    };
    finish = () => {
      sc.close();
      return partPaths.map((path, p) => ({ path, offsPath: `${path}.offs`, rows: sc.rows[p] as number }));
    };
  }
  let parts: KeylessPart[];
  try {
    const total = await scanPrints(
      inp,
      new KeyFingerprint(knobs.fingerprintMask),
      kernel,
      Int32Array.from(knobs.fingerprintMask),
      batch,
      flush,
      flush,
      () => progress.at(lo, hi, rd.consumed / Math.max(1, inp.size)),
    );
    if (inp.which === 'new') c.rowsNew += total;
    else c.rowsOld += total;
    parts = finish();
  } catch (e) {
    abort();
    throw e;
  } finally {
    await inp.rd.close();
  }
  return parts;
}

async function keylessSplitTask(task: KeylessSplitTask): Promise<KeylessSplitResult> {
  const inp = await openInput(task.which, task.path, task.spec, task.knobs.chunkSize);
  const c = newCounters();
  const quiet = new Progress(undefined);
  const parts = await splitKeyless(inp, task.partPaths, task.bufSize, task.knobs, c, quiet, 0, 1);
  return { rows: task.which === 'new' ? c.rowsNew : c.rowsOld, parts };
}

/** Appends an old partition's print records (splitKeyless) to the keyless table. */
function loadPrints(path: string, t: FpTable): void {
  const fd = openSync(path, 'r');
  try {
    const buf = new ArrayBuffer(PRINT_RECORD * 65536);
    const [i32, f64, bytes] = [new Int32Array(buf), new Float64Array(buf), new Uint8Array(buf)];
    for (let pos = 0; ;) {
      let got = 0;
      while (got < bytes.length) {
        const r = readSync(fd, bytes, got, bytes.length - got, pos + got);
        if (r === 0) break;
        got += r;
      }
      if (got % PRINT_RECORD !== 0) throw new Error(`internal error: truncated partition file ${path}`);
      for (let k = 0; k < got / PRINT_RECORD; k++) {
        const w = k * (PRINT_RECORD / 4);
        t.push(
          i32[w] as number,
          i32[w + 1] as number,
          f64[w / 2 + 1] as number,
          i32[w + 4] as number,
          i32[w + 5] as number,
        );
      }
      pos += got;
      if (got < bytes.length) return;
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * Replaces partition-file offsets (sorted, distinct) by the original file's offsets of the same rows,
 * reading the partition's offsets file alongside.
 */
function toOriginalOffsets(offsPath: string, offs: Float64Array): void {
  if (offs.length === 0) return;
  const s = new OffsetStream(offsPath, 8192);
  try {
    for (let k = 0; k < offs.length;) {
      const partOff = s.current;
      s.advance();
      const orig = s.current;
      s.advance();
      if (partOff < 0 || orig < 0 || partOff > (offs[k] as number)) {
        throw new Error(`internal error: no row at offset ${offs[k]} of a partition`);
      }
      if (partOff === offs[k]) offs[k++] = orig;
    }
  } finally {
    s.close();
  }
}

/**
 * Diffs one keyless partition pair with the in-memory keyless steps (the old partition's print
 * records indexed with indexOld, the old rows read from the old file itself; scanNewKeyless and
 * rewriteKeyless over the new partition's CSV file), recording offsets instead of writing rows.
 * UseKeyTable goes up: the caller then redoes the whole diff with KeyTable partitions.
 */
async function diffKeylessPartitionTask(task: KeylessPartitionTask): Promise<KeylessPartitionResult> {
  const c = newCounters();
  const quiet = new Progress(undefined);
  const { knobs, spec } = task;
  const inputs: Input[] = [];
  let win: RowWindow | null = null;
  try {
    // The old file's header and layout (its rows are read through `win`).
    const oldIn = await openInput('old', task.oldPath, spec, 64 * 1024);
    inputs.push(oldIn);
    await oldIn.rd.close();
    const newIn = await openInput('new', task.new.path, spec, knobs.chunkSize);
    inputs.push(newIn);
    win = RowWindow.open(oldIn.path, oldIn.size);
    if (win === null) throw new Error(`internal error: cannot read ${oldIn.path}`);
    const t = new FpTable(task.old.rows + 16);
    loadPrints(task.old.path, t);
    await rm(task.old.path, { force: true });
    const kf = new KeyFingerprint(knobs.fingerprintMask);
    const mask = Int32Array.from(knobs.fingerprintMask);
    const kernel = knobs.native ? nativeKernel() : null;
    const expectedNew = Math.max(1024, task.new.rows - task.old.rows);
    const firstDupOldOff = indexOld(oldIn, t, new RowCheck(oldIn, oldIn), win, c, kernel, expectedNew);
    const fast = new FastPath(oldIn.header.equals(newIn.header) ? win : null);
    let emit = new Float64Array(1024);
    let nEmit = 0;
    const out: RowSink = {
      row(_buf: Uint8Array, _start: number, _end: number, off: number): void {
        if (nEmit === emit.length) emit = grown(emit, 2 * nEmit);
        emit[nEmit++] = off;
      },
    };
    const checkNew = new RowCheck(oldIn, newIn);
    let firstDupNewOff = await scanNewKeyless(
      newIn,
      kf,
      t,
      checkNew,
      oldIn,
      win,
      fast,
      out,
      c,
      quiet,
      kernel,
    );
    t.tally(c);
    if (c.dupNew > 0) {
      nEmit = 0;
      const again = await openInput('new', task.new.path, spec, knobs.chunkSize);
      inputs.push(again);
      await rewriteKeyless(t, again, kf, kernel, mask, out, quiet);
    }
    const emitted = emit.subarray(0, nEmit);
    toOriginalOffsets(task.new.offsPath, emitted);
    const del = Float64Array.from(deletedInOrder(t), (i) => t.offAt(i));
    writeOffsets(task.emitPath, emitted);
    writeOffsets(task.delPath, del);
    // Rows were counted by the split; lines are named from the original files by the caller.
    c.rowsOld = 0;
    c.rowsNew = 0;
    if (firstDupNewOff >= 0) {
      const o = Float64Array.of(firstDupNewOff);
      toOriginalOffsets(task.new.offsPath, o);
      firstDupNewOff = o[0] as number;
    }
    c.firstDupOld = 0;
    c.firstDupNew = 0;
    return { counters: c, nEmit, nDel: del.length, firstDupOldOff, firstDupNewOff };
  } finally {
    win?.close();
    for (const inp of inputs) await inp.rd.close().catch(() => undefined);
    await rm(task.old.path, { force: true });
    await rm(task.new.path, { force: true });
    await rm(task.new.offsPath, { force: true });
  }
}

/**
 * The partitioned path with keyless partitions: both files are split by fingerprint into CSV
 * partition files (the new file on the second thread when there is one), each partition pair is
 * diffed with the keyless table, and the sorted offset lists are merged into the outputs.
 */
async function diffPartitionedKeyless(n: number, partDir: string, ctx: PartitionsContext): Promise<void> {
  const { oldIn, newIn, c, progress, tuning, thread } = ctx;
  const knobs: KeylessKnobs = {
    chunkSize: tuning.chunkSize,
    fingerprintMask: tuning.fingerprintMask,
    native: tuning.native,
  };
  const bufSize = tuning.partitionBuffer || partitionBufSize(n, thread);
  const paths = (tag: string, ext: string): string[] =>
    Array.from({ length: n }, (_, p) => join(partDir, `${tag}-${p}.${ext}`));
  const [oldParts, newParts] = await splitBoth(
    newIn,
    thread,
    (lo, hi) => splitKeyless(oldIn, paths('old', 'prints'), bufSize, knobs, c, progress, lo, hi),
    (lo, hi) => splitKeyless(newIn, paths('new', 'csv'), bufSize, knobs, c, progress, lo, hi),
    {
      kind: 'ksplit',
      which: 'new',
      path: newIn.path,
      spec: newIn.spec,
      knobs,
      partPaths: paths('new', 'csv'),
      bufSize,
    },
    c,
  );
  let firstDupOldOff = -1;
  let firstDupNewOff = -1;
  await runPartitions(
    n,
    partDir,
    (p, emitPath, delPath) => ({
      kind: 'kpartition',
      oldPath: oldIn.path,
      old: oldParts[p] as KeylessPart,
      new: newParts[p] as KeylessPart,
      spec: oldIn.spec,
      knobs,
      emitPath,
      delPath,
    }),
    diffKeylessPartitionTask,
    (r) => {
      const k = r as KeylessPartitionResult;
      firstDupOldOff = minOffset(firstDupOldOff, k.firstDupOldOff);
      firstDupNewOff = minOffset(firstDupNewOff, k.firstDupNewOff);
    },
    ctx,
  );
  if (firstDupOldOff >= 0) c.firstDupOld = await lineAt(oldIn.path, firstDupOldOff);
  if (firstDupNewOff >= 0) c.firstDupNew = await lineAt(newIn.path, firstDupNewOff);
}

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
