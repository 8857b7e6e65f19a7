// What the partitioned paths send to a second thread and get back: plain data (tasks, results,
// errors) that can be posted to a worker.
import { DiffInputError, type DiffSpec, UseKeyTable } from './types.js';
import type { Counters } from './tally.js';

/** One partition file as written by the split phase. */
export interface PartFile {
  path: string;
  rows: number;
  keyValueBytes: number;
}

/** Diff of one partition pair: everything a thread needs (plain data, can be posted to a worker). */
export interface PartitionTask {
  kind: 'partition';
  old: PartFile;
  new: PartFile;
  /** Sorted new-file offsets to output / old-file offsets deleted are written here. */
  emitPath: string;
  delPath: string;
}

/** Split of one CSV file into partition files (plain data, can be posted to a worker). */
export interface SplitTask {
  kind: 'split';
  which: 'old' | 'new';
  path: string;
  spec: DiffSpec;
  chunkSize: number;
  partPaths: string[];
  bufSize: number;
}

export interface PartitionResult {
  counters: Counters;
  nEmit: number;
  nDel: number;
}

export interface SplitResult {
  rows: number;
  parts: PartFile[];
}

/**
 * One partition of a file for the keyless partitioned path. The new file's: a CSV file (the header
 * line, then the partition's rows, byte for byte, each ending in '\n'), and an offsets file holding
 * per row its offset in the partition file and in the new file (two float64s). The old file's: the
 * same when the partitions are diffed by key (KeylessKnobs.byKey: each old partition is held in
 * memory), else a file of PRINT_RECORD byte records (per row its key fingerprint, offset in the old
 * file, length and flags: what the keyless table keeps; the rows are read again from the old file).
 */
export interface KeylessPart {
  path: string;
  /** '' for the old file's partitions of print records. */
  offsPath: string;
  rows: number;
}

/** What the keyless steps need of the tuning (plain data, can be posted to a worker). */
export interface KeylessKnobs {
  chunkSize: number;
  fingerprintMask: [number, number];
  native: boolean;
  /**
   * The new file is in another order than the old one: the old file is split into CSV partitions
   * too, each held in memory while its pair is diffed, the new rows looked up by key.
   */
  byKey: boolean;
}

/** Split of one CSV file into keyless partitions (plain data, can be posted to a worker). */
export interface KeylessSplitTask {
  kind: 'ksplit';
  which: 'old' | 'new';
  path: string;
  spec: DiffSpec;
  knobs: KeylessKnobs;
  partPaths: string[];
  bufSize: number;
}

/** Diff of one keyless partition pair (plain data, can be posted to a worker). */
export interface KeylessPartitionTask {
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

export interface KeylessPartitionResult extends PartitionResult {
  /** Original offsets of the first row repeating a key in each file (-1: none). */
  firstDupOldOff: number;
  firstDupNewOff: number;
  /** Original offsets of the first row of those keys (-1: none). */
  firstOfDupOldOff: number;
  firstOfDupNewOff: number;
}

export interface KeylessSplitResult {
  rows: number;
  parts: KeylessPart[];
}

export type ThreadTask = PartitionTask | SplitTask | KeylessSplitTask | KeylessPartitionTask;

export type ThreadResult = PartitionResult | SplitResult | KeylessSplitResult | KeylessPartitionResult;

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

export function fromThreadError(e: ThreadError): Error {
  if (e.kind === 'input') return new DiffInputError(e.file, e.path, e.line, e.reason);
  if (e.kind === 'keytable') return new UseKeyTable(e.message);
  const err = new Error(`diff thread: ${e.message}`);
  if (e.stack) err.stack = `diff thread: ${e.stack}`;
  return err;
}

/** Message from diff-thread.worker.ts. */
export type ThreadReply =
  { id: number; ok: true; result: ThreadResult } | { id: number; ok: false; error: ThreadError };
