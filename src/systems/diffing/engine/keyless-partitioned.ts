// The partitioned path with keyless partitions: both files split by fingerprint, each partition pair
// diffed with the keyless steps (keyless-steps.ts), the old rows read from the old file itself.
import { closeSync, openSync, readSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { BufferedWriter } from '../../../platform/csv/buffered-writer.js';
import { grown } from '../../../platform/csv/bytes.js';
import { KeyFingerprint } from './key-fingerprint.js';
import { nativeKernel } from './native-kernel.js';
import { OffsetStream, writeOffsets } from './offset-files.js';
import { type Counters, newCounters } from './tally.js';
import { Progress } from './progress.js';
import { type Input, openInput } from './input.js';
import { RowWindow } from './row-window.js';
import { RowPrints } from './row-prints.js';
import { FpTable } from './fp-table.js';
import { RowCheck } from './row-check.js';
import { FastPath } from './fast-path.js';
import {
  deletedInOrder,
  indexOld,
  lineAt,
  rewriteKeyless,
  type RowSink,
  scanNewKeyless,
  scanPrints,
} from './keyless-steps.js';
import type {
  KeylessKnobs,
  KeylessPart,
  KeylessPartitionResult,
  KeylessPartitionTask,
  KeylessSplitResult,
  KeylessSplitTask,
} from './thread-protocol.js';
import { partitionBufSize, type PartitionsContext, runPartitions, splitBoth } from './partitions.js';
import { RowScatter } from './row-scatter.js';

/** Bytes of a print record: h1, h2 (int32), offset (float64), length, flags (uint32). */
const PRINT_RECORD = 24;

/** The partition of a row: the top bits of its fingerprint's second half (the index uses the first). */
function keylessPartOf(h2: number, n: number): number {
  return Math.floor(((h2 >>> 0) * n) / 4294967296);
}

/**
 * Splits an opened input (header consumed) into keyless partitions (KeylessPart): every row's
 * fingerprint comes from scanPrints (natively when it can); the new file's rows are copied to their
 * partition's CSV file (RowScatter), so are the old file's when the partitions are diffed by key
 * (knobs.byKey), else they leave a print record.
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
  if (inp.which === 'old' && !knobs.byKey) {
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

export async function keylessSplitTask(task: KeylessSplitTask): Promise<KeylessSplitResult> {
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
/** What a lane of partitions keeps from one partition to the next (see FpTable.reset). */
export interface KeylessLane {
  table?: FpTable;
}

export async function diffKeylessPartitionTask(
  task: KeylessPartitionTask,
  lane: KeylessLane = {},
): Promise<KeylessPartitionResult> {
  const c = newCounters();
  const quiet = new Progress(undefined);
  const { knobs, spec } = task;
  const inputs: Input[] = [];
  let win: RowWindow | null = null;
  const byKey = task.old.offsPath !== '';
  try {
    // By key: the old partition's CSV file, read whole into one buffer (the window holds it, and it
    // is scanned into the table). Else the old file's header and layout (its rows are read through
    // `win`) and the partition's print records.
    const oldIn = await openInput(
      'old',
      byKey ? task.old.path : task.oldPath,
      spec,
      byKey ? Infinity : 64 * 1024,
    );
    inputs.push(oldIn);
    if (!byKey) await oldIn.rd.close();
    const newIn = await openInput('new', task.new.path, spec, knobs.chunkSize);
    inputs.push(newIn);
    win = RowWindow.open(oldIn.path, oldIn.size);
    if (win === null) throw new Error(`internal error: cannot read ${oldIn.path}`);
    let t = lane.table;
    if (t === undefined) t = new FpTable(task.old.rows + 16);
    else t.reset();
    lane.table = undefined; // until this partition is done (a failure leaves the table in any state)
    const kf = new KeyFingerprint(knobs.fingerprintMask);
    const mask = Int32Array.from(knobs.fingerprintMask);
    const kernel = knobs.native ? nativeKernel() : null;
    if (byKey) {
      const rd = oldIn.rd;
      if (rd.base === 0 && rd.len >= oldIn.size) win.hold(rd.buf);
      else win.loadWhole();
      const nothing = (): void => undefined;
      await scanPrints(oldIn, kf, kernel, mask, t, () => t.grow(), nothing, nothing);
      await rd.close();
    } else {
      loadPrints(task.old.path, t);
    }
    await rm(task.old.path, { force: true });
    const expectedNew = Math.max(1024, task.new.rows - task.old.rows);
    const dupOld = indexOld(oldIn, t, new RowCheck(oldIn, oldIn), win, c, kernel, expectedNew);
    const fast = new FastPath(oldIn.header.equals(newIn.header) ? win : null);
    if (byKey && kernel !== null) fast.lookUpByKey();
    let emit = new Float64Array(1024);
    let nEmit = 0;
    const out: RowSink = {
      row(_buf: Uint8Array, _start: number, _end: number, off: number): void {
        if (nEmit === emit.length) emit = grown(emit, 2 * nEmit);
        emit[nEmit++] = off;
      },
    };
    const checkNew = new RowCheck(oldIn, newIn);
    const dupNew = await scanNewKeyless(
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
      mask,
      0,
    );
    t.tally(c);
    if (c.dupNew > 0) {
      nEmit = 0;
      const again = await openInput('new', task.new.path, spec, knobs.chunkSize);
      inputs.push(again);
      dupNew.firstOff = await rewriteKeyless(t, again, kf, kernel, mask, out, quiet, dupNew.idx);
    }
    const emitted = emit.subarray(0, nEmit);
    toOriginalOffsets(task.new.offsPath, emitted);
    const del = Float64Array.from(deletedInOrder(t), (i) => t.offAt(i));
    if (byKey) {
      // The old rows' offsets are the partition file's: the old file's, as for the new file's rows.
      toOriginalOffsets(task.old.offsPath, del);
      if (dupOld.off >= 0) {
        const o =
          dupOld.firstOff >= 0 ? Float64Array.of(dupOld.firstOff, dupOld.off) : Float64Array.of(dupOld.off);
        toOriginalOffsets(task.old.offsPath, o);
        dupOld.off = o[o.length - 1] as number;
        if (dupOld.firstOff >= 0) dupOld.firstOff = o[0] as number;
      }
    }
    writeOffsets(task.emitPath, emitted);
    writeOffsets(task.delPath, del);
    // Rows were counted by the split; lines are named from the original files by the caller.
    c.rowsOld = 0;
    c.rowsNew = 0;
    if (dupNew.off >= 0) {
      // The key's first row comes before its repeat (sorted, distinct: as toOriginalOffsets needs).
      const o = Float64Array.of(dupNew.firstOff, dupNew.off);
      toOriginalOffsets(task.new.offsPath, o);
      dupNew.firstOff = o[0] as number;
      dupNew.off = o[1] as number;
    }
    c.firstDupOld = 0;
    c.firstDupNew = 0;
    lane.table = t;
    return {
      counters: c,
      nEmit,
      nDel: del.length,
      firstDupOldOff: dupOld.off,
      firstDupNewOff: dupNew.off,
      firstOfDupOldOff: dupOld.firstOff,
      firstOfDupNewOff: dupNew.firstOff,
    };
  } finally {
    win?.close();
    for (const inp of inputs) await inp.rd.close().catch(() => undefined);
    await rm(task.old.path, { force: true });
    if (byKey) await rm(task.old.offsPath, { force: true });
    await rm(task.new.path, { force: true });
    await rm(task.new.offsPath, { force: true });
  }
}

/**
 * The partitioned path with keyless partitions: both files are split by fingerprint into partition
 * files (the new file on the second thread when there is one), each partition pair is diffed with
 * the keyless table, and the sorted offset lists are merged into the outputs. `byKey` (a new file in
 * another order): the old partitions are CSV files too, each held in memory while it is diffed.
 */
export async function diffPartitionedKeyless(
  n: number,
  partDir: string,
  ctx: PartitionsContext,
  byKey = false,
): Promise<void> {
  const { oldIn, newIn, c, progress, tuning, thread } = ctx;
  const knobs: KeylessKnobs = {
    chunkSize: tuning.chunkSize,
    fingerprintMask: tuning.fingerprintMask,
    native: tuning.native,
    byKey,
  };
  const bufSize = tuning.partitionBuffer || partitionBufSize(n, thread, tuning.partitionBuffers);
  const lane: KeylessLane = {};
  const paths = (tag: string, ext: string): string[] =>
    Array.from({ length: n }, (_, p) => join(partDir, `${tag}-${p}.${ext}`));
  const [oldParts, newParts] = await splitBoth(
    newIn,
    thread,
    (lo, hi) =>
      splitKeyless(oldIn, paths('old', byKey ? 'csv' : 'prints'), bufSize, knobs, c, progress, lo, hi),
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
  // The first repeat of each file over all partitions: [its offset, its key's first row's].
  const dupOld = [-1, -1];
  const dupNew = [-1, -1];
  const keepFirst = (d: number[], off: number, firstOff: number): void => {
    if (off >= 0 && (d[0]! < 0 || off < d[0]!)) {
      d[0] = off;
      d[1] = firstOff;
    }
  };
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
    (t) => diffKeylessPartitionTask(t, lane),
    (r) => {
      const k = r as KeylessPartitionResult;
      keepFirst(dupOld, k.firstDupOldOff, k.firstOfDupOldOff);
      keepFirst(dupNew, k.firstDupNewOff, k.firstOfDupNewOff);
    },
    ctx,
  );
  if (dupOld[0]! >= 0) c.firstDupOld = await lineAt(oldIn.path, dupOld[0]!);
  if (dupNew[0]! >= 0) c.firstDupNew = await lineAt(newIn.path, dupNew[0]!);
  c.firstOfDupOld = dupOld[1]!;
  c.firstOfDupNew = dupNew[1]!;
}
