// The in-memory diff with the KeyTable (keys and values stored): for a new file in another order, a
// fingerprint collision, or the keyless table switched off.
import { BufferedWriter } from '../../../platform/csv/buffered-writer.js';
import { NEED_MORE, RECORD } from '../../../platform/csv/csv-reader.js';
import { unquoteInto } from '../../../platform/csv/fields.js';
import { hashBytes } from './bytes.js';
import type { Tuning } from './types.js';
import { type Counters, finishTable, noteFirstDup, ST_ADDED, ST_CHANGED, type TableState } from './tally.js';
import { Progress } from './progress.js';
import { applyNew, applyOld, InternTable, KeyTable } from './key-table.js';
import { KeyEncoder } from './key-encoder.js';
import { arrayCursor, copyRows, fillOrThrow, type Input, isRow, nextRecord } from './input.js';
import { type Sample, useDictionary } from './sample.js';
import { RowWindow } from './row-window.js';
import { FastPath } from './fast-path.js';

const BATCH = 64;

/** Rows between two checks of the new file's prediction hit rate. */
const PREDICT_CHECK = 4096;

/**
 * Rows are processed in batches of 64: keys are encoded into one batch buffer first, then all home
 * slots are touched (overlapping cache misses, see KeyTable.touch), then the rows are applied in order.
 * For the new file, rows whose entry is predicted (same order as the old file) skip the hash table;
 * the others are hashed and looked up during the predict loop, so a hit re-anchors the prediction.
 * With `oldRows` (new file; both files have the same header), a row whose bytes are exactly those of
 * the predicted entry's old row is "unchanged" without being parsed further, encoded or looked up
 * (most rows of a re-export); other rows are then applied one at a time, so the prediction follows
 * the file order.
 * With `emit` (new file), each added or changed row is written out as soon as it is applied, in file
 * order. That is the final output unless the new file repeats a key (a later row may supersede an
 * earlier one): the caller then rewrites the output from the table.
 */
async function scanIntoTable(
  inp: Input,
  enc: KeyEncoder,
  t: KeyTable,
  c: Counters,
  isNew: boolean,
  progress: Progress,
  lo: number,
  hi: number,
  oldRows: RowWindow | null = null,
  emit: { w: BufferedWriter; term: Buffer } | null = null,
): Promise<void> {
  const fast = new FastPath(oldRows);
  const rd = inp.rd;
  const keyCols = inp.keyCols;
  const valCol = inp.valCol;
  const extra = 5 * keyCols.length + 16;
  let bk = Buffer.allocUnsafe(64 * 1024);
  const kS = new Int32Array(BATCH);
  const kE = new Int32Array(BATCH);
  const hs = new Int32Array(BATCH);
  const vS = new Int32Array(BATCH);
  const vE = new Int32Array(BATCH);
  const vIn = new Uint8Array(BATCH);
  const offs = new Float64Array(BATCH);
  const lines = new Float64Array(BATCH);
  const hint = new Int32Array(BATCH);
  const rowLens = new Int32Array(BATCH);
  const recS = new Int32Array(BATCH);
  const recE = new Int32Array(BATCH);
  const recs = new Float64Array(BATCH);
  let n = 0;
  let p = 0;
  let rows = 0;
  let dups = 0;
  let firstDup = 0;
  let firstOfDup = -1;
  let sink = 0;

  // New file: the prediction (the entry after the last one found) is tried while it mostly hits;
  // in a file in another order each try is one more cache miss, so below 1 hit in 4 tries (checked
  // every PREDICT_CHECK) the rows are hashed, touched and looked up a batch at a time instead.
  let predicting = isNew;
  let predTries = 0;
  let predHits = 0;
  const flush = (): void => {
    const buf = rd.buf;
    if (predicting) {
      for (let k = 0; k < n; k++) {
        const ks = kS[k] as number;
        const kLen = (kE[k] as number) - ks;
        let idx = t.predict(bk, ks, kLen);
        if (idx < 0) {
          // Not predicted: hashed and looked up right away, so a hit re-anchors the prediction for
          // the following rows (after a deleted or added row the order resumes a little further on).
          const h = hashBytes(bk, ks, kLen);
          hs[k] = h;
          idx = t.lookup(bk, ks, kLen, h);
        } else predHits++;
        hint[k] = idx;
      }
      predTries += n;
      if (predTries >= PREDICT_CHECK) {
        if (predHits * 4 < predTries) predicting = false;
        predTries = 0;
        predHits = 0;
      }
    } else if (isNew) {
      // Hand-written passes over the batch, each loading what the next one needs (see touchRecord).
      for (let k = 0; k < n; k++) {
        const ks = kS[k] as number;
        const h = hashBytes(bk, ks, (kE[k] as number) - ks);
        hs[k] = h;
        sink += t.touch(h);
      }
      for (let k = 0; k < n; k++) recs[k] = t.touchRecord(hs[k] as number);
      for (let k = 0; k < n; k++) sink += t.touchKey(recs[k] as number);
      for (let k = 0; k < n; k++) {
        const ks = kS[k] as number;
        hint[k] = t.lookup(bk, ks, (kE[k] as number) - ks, hs[k] as number);
      }
    } else {
      for (let k = 0; k < n; k++) sink += t.touch(hs[k] as number);
    }
    for (let k = 0; k < n; k++) {
      const ks = kS[k] as number;
      const kLen = (kE[k] as number) - ks;
      const vb = vIn[k] === 1 ? bk : buf;
      const h = hs[k] as number;
      const vs = vS[k] as number;
      const ve = vE[k] as number;
      const off = offs[k] as number;
      const dup = isNew
        ? applyNew(t, hint[k] as number, bk, ks, kLen, h, vb, vs, ve, off)
        : applyOld(t, bk, ks, kLen, h, vb, vs, ve, off, rowLens[k] as number);
      if (emit !== null && !dup) {
        const st = t.status[t.lastApplied];
        if (st === ST_ADDED || st === ST_CHANGED) {
          emit.w.write(buf, recS[k] as number, recE[k] as number);
          emit.w.write(emit.term, 0, emit.term.length);
        }
      }
      if (dup) {
        dups++;
        if (firstDup === 0) {
          firstDup = lines[k] as number;
          firstOfDup = t.earlierOff;
        }
      }
    }
    n = 0;
    p = 0;
  };

  for (;;) {
    if (fast.on && fast.take(rd, t)) {
      rows++;
      continue;
    }
    const r = nextRecord(inp);
    if (r === RECORD) {
      if (!isRow(inp)) continue;
      const room = rd.recEnd - rd.recStart + extra;
      if (p + room > bk.length) {
        const bigger = Buffer.allocUnsafe(Math.max(bk.length * 2, p + room));
        bk.copy(bigger, 0, 0, p);
        bk = bigger;
      }
      kS[n] = p;
      p = enc.encodeInto(rd, keyCols, bk, p);
      kE[n] = p;
      if (!isNew) hs[n] = hashBytes(bk, kS[n] as number, p - (kS[n] as number));
      const fs = rd.fStart[valCol] as number;
      const fe = rd.fEnd[valCol] as number;
      if (rd.fQuoted[valCol] === 1) {
        vS[n] = p;
        p = unquoteInto(rd.buf, fs, fe, bk, p);
        vE[n] = p;
        vIn[n] = 1;
      } else {
        vS[n] = fs;
        vE[n] = fe;
        vIn[n] = 0;
      }
      offs[n] = rd.base + rd.recStart;
      lines[n] = rd.line;
      rowLens[n] = rd.recordLines === 1 ? rd.recEnd - rd.recStart : 0;
      recS[n] = rd.recStart;
      recE[n] = rd.recEnd;
      rows++;
      if (++n === BATCH || fast.on) flush();
    } else if (r === NEED_MORE) {
      flush(); // value positions point into rd.buf, which fill() moves
      await fillOrThrow(inp);
      progress.at(lo, hi, rd.consumed / Math.max(1, inp.size));
    } else {
      flush();
      break;
    }
  }
  t.sink ^= sink;
  c.identical += fast.identical;
  if (isNew) {
    c.rowsNew += rows;
    c.dupNew += dups + fast.dups;
    noteFirstDup(c, true, firstDup, firstOfDup);
    noteFirstDup(c, true, fast.firstDup, fast.firstDupEarlierOff);
  } else {
    c.rowsOld += rows;
    c.dupOld += dups;
    noteFirstDup(c, false, firstDup, firstOfDup);
  }
}

/** The in-memory path with the KeyTable (keys and values stored, dictionary-encoded). */
export async function diffClassic(
  oldIn: Input,
  newIn: Input,
  oldSample: Sample,
  expected: number,
  outW: BufferedWriter,
  delW: BufferedWriter,
  c: Counters,
  progress: Progress,
  tuning: Tuning,
): Promise<void> {
  // Dictionary-encode key columns that look low-cardinality in the old file's sample.
  const dicts = oldSample.distinctRatio.map((r, j) =>
    useDictionary(oldSample, j) ? new InternTable() : null,
  );
  const enc = new KeyEncoder(dicts);
  const t = new KeyTable(expected, expected * (12 + oldSample.avgValue));
  await scanIntoTable(oldIn, enc, t, c, false, progress, 0, 0.45);
  await oldIn.rd.close();
  // Byte-identical rows are recognised without parsing when both files have the same header.
  const oldRows = oldIn.header.equals(newIn.header) ? RowWindow.open(oldIn.path, oldIn.size) : null;
  const headerBytes = outW.written;
  try {
    await scanIntoTable(newIn, enc, t, c, true, progress, 0.45, 0.9, oldRows, { w: outW, term: newIn.term });
  } finally {
    oldRows?.close();
  }
  await newIn.rd.close();
  await finishInMemory(t, oldIn, newIn, outW, delW, c, progress, tuning, headerBytes);
}

/**
 * A repeated key in the new file may have superseded rows already written: the output is written
 * again from the table (`rows`: the sorted new-file offsets of the rows to output).
 */
async function rewriteOutput(
  rows: Float64Array,
  newIn: Input,
  outW: BufferedWriter,
  headerBytes: number,
  progress: Progress,
  tuning: Tuning,
): Promise<void> {
  outW.truncate(headerBytes);
  await copyRows(
    newIn,
    arrayCursor(rows),
    rows.length,
    outW,
    newIn.term,
    progress,
    0.9,
    0.97,
    tuning.copyChunkSize,
  );
}

/** Tallies the table, rewrites the output if a repeated new key superseded rows, copies the deleted rows. */
async function finishInMemory(
  t: TableState,
  oldIn: Input,
  newIn: Input,
  outW: BufferedWriter,
  delW: BufferedWriter,
  c: Counters,
  progress: Progress,
  tuning: Tuning,
  headerBytes: number,
): Promise<void> {
  // The output is already written unless a repeated key may have superseded rows written.
  const { emit, del } = finishTable(t, c, c.dupNew > 0);
  if (c.dupNew > 0) await rewriteOutput(emit, newIn, outW, headerBytes, progress, tuning);
  await copyRows(
    oldIn,
    arrayCursor(del),
    del.length,
    delW,
    oldIn.term,
    progress,
    0.97,
    1,
    tuning.copyChunkSize,
  );
}
