// The engine's public types (what a caller passes and gets back), its input error, and the signal
// that the keyless table cannot go on.
import { DEFAULT_CHUNK } from '../../../platform/csv/csv-reader.js';

export interface DiffSpec {
  keys: string[];
  value: string;
}

export interface DiffOptions {
  oldPath: string;
  newPath: string;
  /** The diff: new file's header + new/changed rows. */
  outPath: string;
  /** Old file's header + rows only in the old file. */
  deletedPath: string;
  spec: DiffSpec;
  /** Default 256 MiB: above this estimated need for the keys -> partitioned path. */
  memoryBudgetBytes?: number;
  /** For partitions and temp outputs (default: dirname(outPath)). */
  tmpDir?: string;
  /** 0..1, called at most ~100 times, monotonic. */
  onProgress?: (fraction: number) => void;
  /** Tests: force the partitioned path with this many partitions. */
  forcePartitions?: number;
  /**
   * Threads for the partitioned path (default: 2 when the machine has 2+ cores and the two files
   * together are at least 64 MiB, else 1; at most 2 are used). With 2,
   * the two files are split concurrently and two partitions are diffed at a time (a worker thread,
   * diff-thread.worker.ts, next to the calling thread); partitions are sized so both fit the budget.
   * 1 = everything on the calling thread. The in-memory path always runs on the calling thread.
   */
  threads?: number;
}

export interface DiffStats {
  rowsOld: number;
  rowsNew: number;
  rowsOut: number;
  added: number;
  changed: number;
  unchanged: number;
  deleted: number;
  duplicateKeysOld: number;
  duplicateKeysNew: number;
  warnings: string[];
  /** 1 = in-memory path. */
  partitions: number;
  /** New-file rows recognised as byte-identical to their old row (unchanged, never parsed further). */
  identicalRows: number;
  /**
   * What held the old file's keys: 'fingerprints' (keyless tables: in memory, or keyless partitions)
   * or 'keys' (KeyTables: after a fingerprint collision, with a new file in another order or an old
   * file made mostly of repeated keys, or when the keyless table is switched off).
   */
  table: 'fingerprints' | 'keys';
}

/** Bad input: names the file (old/new + path), the 1-based line (0: not line-specific) and the reason. */
export class DiffInputError extends Error {
  readonly file: 'old' | 'new';
  readonly path: string;
  readonly line: number;
  readonly reason: string;

  constructor(file: 'old' | 'new', path: string, line: number, reason: string) {
    super(describeInputError(file, path, line, reason));
    this.name = 'DiffInputError';
    this.file = file;
    this.path = path;
    this.line = line;
    this.reason = reason;
  }

  /** The message with the file called `name` instead of its path (an upload's own file name). */
  describe(name: string): string {
    return describeInputError(this.file, name, this.line, this.reason);
  }
}

function describeInputError(file: 'old' | 'new', name: string, line: number, reason: string): string {
  return `${file} file ${name}${line > 0 ? `, line ${line}` : ''}: ${reason}`;
}

export const DEFAULT_MEMORY_BUDGET = 256 * 1024 * 1024;

/**
 * The keyless table cannot go on (a key fingerprint matched a different key, the new file's rows
 * come in another order than the old file's, or the table would outgrow the memory budget): the diff
 * is redone with the KeyTable (diffClassic) or, when that does not fit the budget, partitioned.
 */
export class UseKeyTable extends Error {}

/**
 * The new file is in another order than the old one and the old file cannot be held in memory
 * beside the keyless table: the diff is redone with keyless partitions by key (each old partition
 * held in memory), or, where those are not allowed, as for UseKeyTable.
 */
export class InAnotherOrder extends UseKeyTable {}

/** Internal knobs (tests use tiny chunks to exercise chunk boundaries). */
export interface Tuning {
  /** Read chunk of the scanning passes (runDiff sets it by the budget: budgetTuning, 1 MiB at the default). */
  chunkSize: number;
  /** Read chunk when copying output rows (default 1 MiB). */
  copyChunkSize: number;
  /** In-memory path: the keyless table first (default), or straight to the KeyTable. */
  keyless: boolean;
  /** Bits kept of the two key fingerprint halves (tests force collisions with small masks). */
  fingerprintMask: [number, number];
  /** The keyless old-file scan uses the native kernel when it was built (native-kernel.ts). */
  native: boolean;
  /**
   * In-memory keyless path: the new file's rows are looked up by key, the old file held in memory,
   * from the start (true), never from the start (false), or when the first rows say the new file
   * is in another order than the old one ('auto', the default; plan.ts newInAnotherOrder).
   */
  byKey: boolean | 'auto';
  /** Write buffer per partition file when splitting (0: partitionBuffers shared out, 64 KiB to 1 MiB each). */
  partitionBuffer: number;
  /** Bytes of all partition write buffers together (default 32 MiB; runDiff scales it to the budget). */
  partitionBuffers: number;
}

export const DEFAULT_TUNING: Readonly<Tuning> = Object.freeze({
  chunkSize: DEFAULT_CHUNK,
  copyChunkSize: 1024 * 1024,
  keyless: true,
  fingerprintMask: [-1, -1] as [number, number],
  native: true,
  byKey: 'auto',
  partitionBuffer: 0,
  partitionBuffers: 32 * 1024 * 1024,
});
