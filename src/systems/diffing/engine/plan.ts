// The plan of a diff: which path for which estimates and memory budget. Pure (no files, no clock):
// the estimates come from the first rows of each file (sample.ts), so every choice is tested on its
// own (plan.test.ts). The path goes:
//  - in memory when the KeyTable or the keyless table fits the budget: the keyless table first
//    (when allowed), and when it cannot go on, the KeyTable if that fits, else partitions;
//  - else partitioned: keyless partitions when allowed, else (or when those cannot go on) KeyTable
//    partitions, each sized so that a table per thread fits the budget.
import { FP_BYTES_PER_ROW, SIDE_BYTES } from './fp-table.js';
import { ENTRY_OVERHEAD } from './key-table.js';
import { OFFSET_LIMIT } from './row-prints.js';
import { useDictionary, type Sample } from './sample.js';

/** Default threads: a second thread only pays (its start-up is ~0.1 s) for inputs at least this big. */
const THREADS_MIN_BYTES = 64 * 1024 * 1024;

/**
 * Default threads: a second thread costs memory of its own (~60-80 MB RSS on 3M rows: its V8 heap,
 * read buffers, a second partition table), more than a small budget itself, so below this budget
 * the partitions are diffed one at a time (a lower --memory-mb must not raise the peak).
 */
const THREADS_MIN_BUDGET = 128 * 1024 * 1024;

/**
 * Threads of the partitioned path: those asked for (at most 2), else 2 on a machine of 2 cores or
 * more when the two files together are at least 64 MiB and the budget at least 128 MiB, else 1.
 */
export function diffThreads(
  requested: number | undefined,
  cores: number,
  inputBytes: number,
  budget: number,
): number {
  return requested !== undefined
    ? Math.min(2, requested)
    : cores >= 2 && inputBytes >= THREADS_MIN_BYTES && budget >= THREADS_MIN_BUDGET
      ? 2
      : 1;
}

/**
 * Buffers that follow the memory budget (knobs a caller gives win): the scans' read chunk (each
 * reader holds two, with read-ahead, and a partitioned diff has several readers open) is budget/256
 * between 256 KiB and 1 MiB (the default at the default budget: 4 MiB chunks measured no faster on
 * 1.1M and 10M rows, and cost 9 MiB more at the peak of a diff that holds the old file); the
 * partition write buffers share budget/8, at most 32 MiB (partitions.ts).
 */
export function budgetTuning(budget: number): { chunkSize: number; partitionBuffers: number } {
  const MIB = 1024 * 1024;
  return {
    chunkSize: Math.min(MIB, Math.max(MIB / 4, 2 ** Math.floor(Math.log2(budget / 256)))),
    partitionBuffers: Math.min(32 * MIB, Math.max(MIB, Math.floor(budget / 8))),
  };
}

/** What a plan is made from. */
export interface PlanInput {
  oldSample: Sample;
  newSample: Sample;
  /** The files' sizes in bytes. */
  oldBytes: number;
  newBytes: number;
  /** DiffOptions.memoryBudgetBytes. */
  budget: number;
  /** Threads of the partitioned path (diffThreads): each holds a partition's table at a time. */
  threads: number;
  /** Tuning.keyless: the keyless table may be used. */
  keyless: boolean;
  /** DiffOptions.forcePartitions. */
  forcePartitions?: number;
}

export interface DiffPlan {
  /** Estimated bytes of the KeyTable in memory (keys dictionary-encoded where that pays, values). */
  needKeyTable: number;
  /** Estimated bytes of the keyless table in memory (~23 an old row, 21 a key only in the new file). */
  needKeyless: number;
  /** The KeyTable fits the budget: it is what the in-memory path falls back to (else partitions). */
  keyTableFits: boolean;
  /** Keyless tables may be used: switched on, and every file offset fits their 40 bits. */
  keylessAllowed: boolean;
  /** Partitions to start with (1: in memory). */
  partitions: number;
  /** The partitioned path (forced, even with 1 partition, or more than 1 planned). */
  partitioned: boolean;
  /** In memory, the keyless table may grow to this (1.15 × the budget when the KeyTable does not fit). */
  keylessMaxBytes: number;
  /** Keys the in-memory KeyTable is made for. */
  expectedKeys: number;
}

/** Estimated keys (the larger file's rows) and the KeyTable's need for them in memory. */
function keyTableNeed(p: PlanInput): { estKeys: number; need: number } {
  const { oldSample, newSample } = p;
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
  return { estKeys, need: estKeys * (ENTRY_OVERHEAD + encKey + oldSample.avgValue) + dictBytes };
}

function keylessNeed(p: PlanInput): number {
  const { oldSample, newSample } = p;
  return (
    oldSample.estRows * FP_BYTES_PER_ROW + Math.max(0, newSample.estRows - oldSample.estRows) * SIDE_BYTES
  );
}

/**
 * Partitions for the partitioned path with keyless partitions (`keyless`) or KeyTable ones: the
 * forced count, else enough for one table per thread to fit the budget.
 */
export function partitionCount(p: PlanInput, keyless: boolean): number {
  if (p.forcePartitions !== undefined) return p.forcePartitions;
  // Two threads keep two partition tables in memory at a time; 1.5: a lane's previous table may not
  // be collected yet when it makes the next one.
  if (keyless) return Math.max(2, Math.ceil((keylessNeed(p) * p.threads * 1.5) / p.budget));
  const { estKeys } = keyTableNeed(p);
  const rawNeed = estKeys * (ENTRY_OVERHEAD + p.oldSample.avgRawKey + p.oldSample.avgValue);
  return planPartitionCount(rawNeed * p.threads, p.budget);
}

/**
 * Partitions for keyless partitions diffed by key (a new file in another order): enough for each
 * thread to hold an old partition (its share of the old file) and its keyless table in the budget.
 */
export function partitionCountByKey(p: PlanInput): number {
  if (p.forcePartitions !== undefined) return p.forcePartitions;
  // At most 512, as planPartitionCount (each partition keeps files open while it is split).
  return Math.min(512, Math.max(2, Math.ceil(((p.oldBytes + keylessNeed(p)) * p.threads * 1.5) / p.budget)));
}

/** The plan for these estimates (see the top of this file). */
export function planDiff(p: PlanInput): DiffPlan {
  const { estKeys, need: needKeyTable } = keyTableNeed(p);
  const needKeyless = keylessNeed(p);
  const keyTableFits = needKeyTable <= p.budget;
  const keylessAllowed = p.keyless && p.oldBytes < OFFSET_LIMIT && p.newBytes < OFFSET_LIMIT;
  let partitions = 1;
  if (p.forcePartitions !== undefined) {
    partitions = p.forcePartitions;
  } else if (!keyTableFits && !(p.keyless && needKeyless <= p.budget)) {
    partitions = partitionCount(p, keylessAllowed);
  }
  return {
    needKeyTable,
    needKeyless,
    keyTableFits,
    keylessAllowed,
    partitions,
    partitioned: p.forcePartitions !== undefined || partitions > 1,
    keylessMaxBytes: keyTableFits ? Infinity : p.budget * 1.15,
    expectedKeys: estKeys * 1.05 + 16,
  };
}

/** Partition count for an estimated memory need (bytes) and budget; at least 2, at most 512. */
export function planPartitionCount(estimatedNeedBytes: number, budgetBytes: number): number {
  // Factor 2: hash partitions are not perfectly even, and the previous partition's table may not be
  // garbage-collected yet when the next one is allocated.
  const n = Math.ceil((estimatedNeedBytes * 2) / Math.max(1, budgetBytes));
  return Math.min(512, Math.max(2, n));
}
