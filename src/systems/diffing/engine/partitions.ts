// What both partitioned paths share: the second thread, the lanes that diff partition pairs, the
// split of both files at once, and the merge of the per-partition offset lists into the outputs.
import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import { startModuleThread } from '../../../platform/threads.js';
import { BufferedWriter } from '../../../platform/csv/buffered-writer.js';
import { OffsetMerger } from './offset-files.js';
import type { Tuning } from './types.js';
import { addCounters, type Counters } from './tally.js';
import { Progress } from './progress.js';
import { copyRows, type Input } from './input.js';
import {
  fromThreadError,
  type KeylessPartitionTask,
  type KeylessSplitTask,
  type PartitionResult,
  type PartitionTask,
  type SplitTask,
  type ThreadReply,
  type ThreadResult,
  type ThreadTask,
} from './thread-protocol.js';

/** A second thread for the partitioned path: runs ThreadTasks one at a time. Always close() it. */
export class DiffThread {
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

/**
 * Partition write buffers: `total` bytes in all (Tuning.partitionBuffers: 32 MiB at the default
 * budget; half per file when the two files are split at once), 64 KiB to 1 MiB each.
 */
export function partitionBufSize(n: number, thread: DiffThread | undefined, total: number): number {
  return Math.min(1024 * 1024, Math.max(64 * 1024, Math.floor(total / (thread ? 2 * n : n))));
}

/** What the partition lanes and the final merge work on. */
export interface PartitionsContext {
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
export async function runPartitions<T extends PartitionTask | KeylessPartitionTask>(
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
export async function splitBoth<P>(
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
