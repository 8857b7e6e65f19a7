// The partitioned path with KeyTable partitions: keys, values and offsets split by key hash into
// partition files (partition-files.ts), each pair diffed with its own KeyTable.
import { unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { NEED_MORE, RECORD } from '../../../platform/csv/csv-reader.js';
import { unquoteInto } from '../../../platform/csv/fields.js';
import { hashBytes } from './bytes.js';
import { P_NEED_MORE, P_RECORD, PartitionReader, PartitionWriter, partitionOf } from './partition-files.js';
import { writeOffsets } from './offset-files.js';
import { type Counters, finishTable, newCounters, noteFirstDup } from './tally.js';
import { Progress } from './progress.js';
import { applyNew, applyOld, KeyTable } from './key-table.js';
import { KeyEncoder } from './key-encoder.js';
import { fillOrThrow, type Input, isRow, nextRecord, openInput } from './input.js';
import type { PartFile, PartitionResult, PartitionTask, SplitResult, SplitTask } from './thread-protocol.js';
import { partitionBufSize, type PartitionsContext, runPartitions, splitBoth } from './partitions.js';

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
  let firstOfDup = -1;
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
          if (firstDup === 0) {
            firstDup = pr.line;
            firstOfDup = t.earlierOff;
          }
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
  } else {
    c.dupOld += dups;
  }
  noteFirstDup(c, isNew, firstDup, firstOfDup);
}

export async function diffPartitionTask(task: PartitionTask): Promise<PartitionResult> {
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

export async function splitTask(task: SplitTask): Promise<SplitResult> {
  const inp = await openInput(task.which, task.path, task.spec, task.chunkSize);
  const c = newCounters();
  const parts = await splitInput(inp, task.partPaths, task.bufSize, c, new Progress(undefined), 0, 1);
  return { rows: task.which === 'new' ? c.rowsNew : c.rowsOld, parts };
}

/**
 * The partitioned path with KeyTable partitions: both files are split by key hash into partition
 * files of keys, values and offsets (the new file on the second thread when there is one), and each
 * partition pair is diffed with its own KeyTable.
 */
export async function diffPartitioned(n: number, partDir: string, ctx: PartitionsContext): Promise<void> {
  const { oldIn, newIn, c, progress, tuning, thread } = ctx;
  const bufSize = tuning.partitionBuffer || partitionBufSize(n, thread, tuning.partitionBuffers);
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
