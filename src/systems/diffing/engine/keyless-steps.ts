// The steps of a keyless diff, shared by the in-memory path and the keyless partitions: fingerprint
// every row (natively when it can), index the old rows, match the new ones, write the output again
// when the new file repeats a key, list the deleted entries.
import { open } from 'node:fs/promises';
import { grown, ViewedBuffer } from '../../../platform/csv/bytes.js';
import { NEED_MORE, RECORD } from '../../../platform/csv/csv-reader.js';
import { valueBytesEqual } from './compare.js';
import { KeyFingerprint } from './key-fingerprint.js';
import { K_FULL, K_NEED_MORE, type DiffKernel } from './native-kernel.js';
import { InAnotherOrder, UseKeyTable } from './types.js';
import { type Counters, noteFirstDup, ST_ADDED, ST_CHANGED, ST_UNCHANGED } from './tally.js';
import { Progress } from './progress.js';
import { fillOrThrow, type Input, isRow, nextRecord } from './input.js';
import { RowWindow } from './row-window.js';
import { F_DUP_NEW, F_NEW_ROW, F_ONE_LINE, F_SEEN, F_STATUS, F_SUPERSEDED, RowPrints } from './row-prints.js';
import { FpTable } from './fp-table.js';
import { RowCheck } from './row-check.js';
import { FastPath } from './fast-path.js';

/**
 * The first row of a file that repeats a key: its offset (-1: none), the offset of the key's first
 * row (-1: not known yet) and, in the new file, the key's table entry (rewriteKeyless finds its first
 * row).
 */
export interface FirstRepeat {
  off: number;
  firstOff: number;
  idx: number;
}

/** Where the keyless diff puts the rows it outputs. */
export interface RowSink {
  /** An output row: its bytes buf[start, end), at file offset `off`. */
  row(buf: Uint8Array, start: number, end: number, off: number): void;
}

/**
 * Every row of a file into `p` (key fingerprint, offset, length, one-line flag): the plain records
 * natively when the kernel is there (it stops before any other record, which CsvReader then reads),
 * the others row by row. `full()` makes room in p; `rows()` is called when rows were appended, while
 * their bytes are still in the reader's buffer (at offset - rd.base). Returns the rows read.
 */
export async function scanPrints(
  inp: Input,
  kf: KeyFingerprint,
  kernel: DiffKernel | null,
  mask: Int32Array,
  p: RowPrints,
  full: () => void,
  rows: () => void,
  onFill: () => void,
): Promise<number> {
  const rd = inp.rd;
  const nCols = inp.nCols;
  const keyCols = inp.keyCols;
  const state = new Float64Array(4);
  let total = 0;
  for (;;) {
    if (kernel !== null) {
      if (p.count === p.capacity) full();
      kernel.scanKeyPrints(
        rd.buf,
        rd.pos,
        rd.len,
        rd.eof,
        keyCols,
        nCols,
        mask,
        rd.base,
        rd.nextLineNumber,
        p.h1,
        p.h2,
        p.offLo,
        p.offHi,
        p.len,
        p.flags,
        p.count,
        state,
      );
      const got = state[1] as number;
      if (got > 0) {
        p.count += got;
        total += got;
        rows();
      }
      rd.advance(state[0] as number, state[2] as number);
      const why = state[3] as number;
      if (why === K_FULL) continue;
      if (why === K_NEED_MORE) {
        if (rd.eof && rd.pos >= rd.len) break;
        await fillOrThrow(inp);
        onFill();
        continue;
      }
      // K_BAIL: this record is CsvReader's (below), then the kernel goes on.
    }
    const r = nextRecord(inp);
    if (r === RECORD) {
      if (!isRow(inp)) continue;
      kf.of(rd.buf, rd.view, rd.fStart, rd.fEnd, rd.fQuoted, keyCols);
      if (p.count === p.capacity) full();
      const off = rd.base + rd.recStart;
      p.push(kf.h1, kf.h2, off, rd.recEnd - rd.recStart, rd.recordLines === 1 ? F_ONE_LINE : 0);
      total++;
      rows();
    } else if (r === NEED_MORE) {
      await fillOrThrow(inp);
      onFill();
    } else {
      break;
    }
  }
  return total;
}

/**
 * Indexes the old rows appended to the keyless table (FpTable.build). A repeated key is checked by
 * reading both rows exactly where they are in the old file (`win`; they may be far apart); a file
 * made mostly of them is the KeyTable's job (it stores keys), not re-reads'. Returns the offset of
 * the first row that repeats a key (-1: none) and of that key's first row.
 */
export function indexOld(
  inp: Input,
  t: FpTable,
  check: RowCheck,
  win: RowWindow,
  c: Counters,
  kernel: DiffKernel | null,
  expectedNew: number,
): FirstRepeat {
  const row = new ViewedBuffer(256);
  const maxRepeats = Math.max(4096, t.count >>> 4);
  let repeats = 0;
  const { dups, firstDupOff, firstOfDupOff } = t.build(
    (earlier, later) => {
      if (++repeats > maxRepeats) throw new UseKeyTable('many repeated keys in the old file');
      const len0 = t.lenAt(earlier);
      win.exact(t.offAt(earlier), len0, row);
      check.split(0, row, 0, len0, inp, true);
      const len1 = t.lenAt(later);
      win.exact(t.offAt(later), len1, row);
      check.split(1, row, 0, len1, inp);
      if (!check.keysEqual()) throw new UseKeyTable('key fingerprint collision');
    },
    kernel,
    expectedNew,
  );
  c.dupOld += dups;
  return { off: firstDupOff, firstOff: firstOfDupOff, idx: -1 };
}

/** The 1-based physical line at byte offset `off` of a file, counted as CsvReader does (LF, CRLF, CR). */
export async function lineAt(path: string, off: number): Promise<number> {
  const fh = await open(path, 'r');
  const buf = Buffer.allocUnsafe(1024 * 1024);
  let line = 1;
  let afterCR = false;
  try {
    for (let pos = 0; pos < off;) {
      const { bytesRead } = await fh.read(buf, 0, Math.min(buf.length, off - pos), pos);
      if (bytesRead === 0) break;
      for (let i = 0; i < bytesRead; i++) {
        const b = buf[i] as number;
        if (b === 10) {
          if (!afterCR) line++;
          afterCR = false;
        } else {
          afterCR = b === 13;
          if (afterCR) line++;
        }
      }
      pos += bytesRead;
    }
  } finally {
    await fh.close();
  }
  return line;
}

/**
 * The fast path's near miss (both files have the same header): the new row just parsed (one line,
 * unquoted value) has the bytes of the predicted old row except the value's, e.g. a recomputed
 * value with float noise. All other fields being the same bytes, so is the key: the entry is the
 * predicted one, found without fingerprint, lookup or key check; only the values are compared.
 * Returns false (nothing done) when that does not hold or the entry needs the general path (seen
 * already: a repeat). Hand-written byte loops: this runs for every such row of a re-export.
 */
function valueOnlyDiffers(
  rd: Input['rd'],
  valCol: number,
  t: FpTable,
  win: RowWindow,
  out: RowSink,
): boolean {
  const idx = t.predictedOldRow();
  if (idx < 0 || rd.recordLines !== 1 || rd.fQuoted[valCol] === 1) return false;
  const f = t.flags[idx] as number;
  if ((f & F_SEEN) !== 0) return false;
  const oldLen = t.len[idx] as number; // a one-line row: its real length
  const at = win.at(t.offAt(idx), oldLen);
  if (at < 0) return false;
  const b = rd.buf;
  const w = win.bytes;
  const rs = rd.recStart;
  const vs = rd.fStart[valCol] as number;
  const ve = rd.fEnd[valCol] as number;
  const suffix = rd.recEnd - ve;
  const ovs = at + (vs - rs);
  const ove = at + oldLen - suffix;
  if (ove < ovs) return false;
  for (let i = 0; i < vs - rs; i++) if (b[rs + i] !== w[at + i]) return false;
  for (let i = 0; i < suffix; i++) if (b[ve + i] !== w[ove + i]) return false;
  // The old value's bytes must be one plain field (no quote or separator: the same field count).
  for (let i = ovs; i < ove; i++) {
    const c = w[i] as number;
    if (c === 34 || c === 44 || c === 10 || c === 13) return false;
  }
  settleValueOnly(t, idx, w, ovs, ove, b, vs, ve, rs, rd.recEnd, rd.base, out);
  t.matchedUpTo(idx);
  return true;
}

/**
 * A new row whose key is entry idx's and whose bytes are its old row's but for the value: the
 * values w[ovs, ove) (old) and b[nvs, nve) (new) decide unchanged or changed, and a changed row,
 * b[start, end) (file offset base + start), goes to `out`. Both near misses end here: the
 * predicted one (valueOnlyDiffers) and the one the batch by key finds (DiffKernel.matchByKey).
 */
function settleValueOnly(
  t: FpTable,
  idx: number,
  w: Uint8Array,
  ovs: number,
  ove: number,
  b: Uint8Array,
  nvs: number,
  nve: number,
  start: number,
  end: number,
  base: number,
  out: RowSink,
): void {
  const st = valueBytesEqual(w, ovs, ove, b, nvs, nve) ? ST_UNCHANGED : ST_CHANGED;
  t.flags[idx] = ((t.flags[idx] as number) & ~F_STATUS) | F_SEEN | st;
  if (st === ST_CHANGED) out.row(b, start, end, base + start);
}

/**
 * New file against the keyless table, one row at a time in file order. With `fast` (both files have
 * the same header), a row whose bytes are exactly those of the predicted entry's old row is
 * unchanged without being parsed further (as in scanIntoTable). Other rows are fingerprinted, found
 * (predicted entry first, then the hash table), checked against their reference row, and compared
 * by value; added and changed rows go to `out` as soon as they are known. When the old rows are
 * looked at in another order than the file's (the new file is in another order) and the old file is
 * at most `holdOld` bytes, the old file is read into memory (RowWindow.loadWhole) and, with the
 * kernel, the fast path goes on by key (FastPath.takeByKey); else UseKeyTable. Returns the first row
 * that repeats a key (its key's first row is found by rewriteKeyless).
 */
export async function scanNewKeyless(
  inp: Input,
  kf: KeyFingerprint,
  t: FpTable,
  check: RowCheck,
  oldIn: Input,
  oldWin: RowWindow,
  fast: FastPath,
  out: RowSink,
  c: Counters,
  progress: Progress,
  kernel: DiffKernel | null,
  mask: Int32Array,
  holdOld: number,
): Promise<FirstRepeat> {
  const rd = inp.rd;
  const keyCols = inp.keyCols;
  const nCols = inp.nCols;
  const valCol = inp.valCol;
  // (a value column that is also a key column changes the key with the value: no near misses)
  const nearMisses = !keyCols.includes(valCol);
  let newWin = null as RowWindow | null; // (set in general(): not narrowed to null)
  let rows = 0;
  let dups = 0;
  let firstDup = 0;
  let firstDupOff = -1;
  let firstDupIdx = -1;
  oldWin.resetBudget();
  /** The current record (a row) in general: fingerprint, lookup, key check, values compared. */
  const general = (): void => {
    if (fast.on && !fast.byKey && nearMisses && valueOnlyDiffers(rd, valCol, t, oldWin, out)) return;
    kf.of(rd.buf, rd.view, rd.fStart, rd.fEnd, rd.fQuoted, keyCols);
    const h1 = kf.h1;
    const h2 = kf.h2;
    const off = rd.base + rd.recStart;
    const len = rd.recEnd - rd.recStart;
    let idx = t.predict(h1, h2);
    if (idx < 0) idx = t.find(h1, h2);
    let dup = false;
    let st = ST_ADDED;
    if (idx < 0) {
      t.add(h1, h2, off, len);
    } else {
      const f = t.flagsOf(idx);
      const refOff = t.refOff(idx);
      const refLen = t.refLen(idx);
      if ((f & F_NEW_ROW) === 0) {
        let at = oldWin.need(refOff, refLen);
        if (oldWin.overBudget && oldIn.size <= holdOld) {
          // Every old row from memory from now on (the page cache has them: a quick read).
          oldWin.loadWhole();
          if (kernel !== null) fast.lookUpByKey();
          at = oldWin.need(refOff, refLen);
        }
        if (oldWin.overBudget) {
          // The old rows are looked at in another order than the file's (so is the new file):
          // a read for each would cost more than the KeyTable.
          throw new InAnotherOrder('new file in another order');
        }
        check.split(0, oldWin, at, refLen, oldIn);
      } else {
        // A key only in the new file, seen again: its reference row is the earlier new row.
        newWin ??= RowWindow.open(inp.path, inp.size);
        if (newWin === null) throw new UseKeyTable('key fingerprint collision'); // cannot check: redo with keys
        check.split(0, newWin, newWin.need(refOff, refLen), refLen, inp);
        t.setNewRow(idx, off, len);
      }
      check.current(rd, inp);
      if (!check.keysEqual()) throw new UseKeyTable('key fingerprint collision');
      dup = (f & F_SEEN) !== 0;
      st = f & F_STATUS;
      if ((f & F_NEW_ROW) === 0) st = check.valuesEqual() ? ST_UNCHANGED : ST_CHANGED;
      t.setFlags(idx, (f & ~F_STATUS) | F_SEEN | st | (dup ? F_DUP_NEW : 0));
      if (dup && idx < t.nOld) t.repeatedInNew(idx, off);
    }
    if (dup) {
      dups++;
      if (firstDup === 0) {
        firstDup = rd.line;
        firstDupOff = off;
        firstDupIdx = idx;
      }
    } else if (st === ST_ADDED || st === ST_CHANGED) {
      out.row(rd.buf, rd.recStart, rd.recEnd, off);
    }
  };
  /** A record the batch by key left (FastPath.takeByKey), the reader's next: read, in general. */
  const pending = (): void => {
    if (nextRecord(inp) !== RECORD || !isRow(inp)) {
      throw new Error('internal error: a record the native batch left is not a row');
    }
    rows++;
    general();
  };
  /** A near miss the batch by key found (only the value differs from the old row's bytes). */
  const nearMiss = (
    idx: number,
    start: number,
    end: number,
    ovs: number,
    ove: number,
    nvs: number,
    nve: number,
  ): void => {
    rows++;
    settleValueOnly(t, idx, oldWin.bytes, ovs, ove, rd.buf, nvs, nve, start, end, rd.base, out);
  };
  try {
    for (;;) {
      if (fast.on) {
        if (fast.byKey) {
          const n = fast.takeByKey(
            rd,
            t,
            kernel as DiffKernel,
            keyCols,
            nCols,
            mask,
            nearMisses ? valCol : -1,
            pending,
            nearMiss,
          );
          rows += n;
          if (n > 0 || fast.lastPending > 0) continue;
        } else if (kernel !== null) {
          // Runs of byte-identical rows natively; then (its try failed) the next record is parsed.
          rows += fast.takeRun(rd, t, kernel);
        } else if (fast.take(rd, t)) {
          rows++;
          continue;
        }
      }
      const r = nextRecord(inp);
      if (r === RECORD) {
        if (!isRow(inp)) continue;
        rows++;
        general();
      } else if (r === NEED_MORE) {
        await fillOrThrow(inp);
        progress.at(0.45, 0.9, rd.consumed / Math.max(1, inp.size));
      } else {
        break;
      }
    }
  } finally {
    newWin?.close();
  }
  c.identical += fast.identical;
  c.rowsNew += rows;
  c.dupNew += dups + fast.dups;
  noteFirstDup(c, true, firstDup, -1);
  noteFirstDup(c, true, fast.firstDup, -1);
  const fastFirst = fast.firstDup !== 0 && (firstDup === 0 || fast.firstDup < firstDup);
  return fastFirst
    ? { off: fast.firstDupOff, firstOff: -1, idx: fast.firstDupIdx }
    : { off: firstDupOff, firstOff: -1, idx: firstDupIdx };
}

/**
 * A key repeated in the new file may have superseded rows already output: the output is made again
 * (into `out`, emptied by the caller), reading the new file once more (`inp`, a fresh reader) and
 * keeping each row that FpTable.outputs says belongs in it. Returns the offset of the first row of
 * entry `firstOf` (the key of the first repeat; -1: none asked).
 */
export async function rewriteKeyless(
  t: FpTable,
  inp: Input,
  kf: KeyFingerprint,
  kernel: DiffKernel | null,
  mask: Int32Array,
  out: RowSink,
  progress: Progress,
  firstOf: number,
): Promise<number> {
  const rd = inp.rd;
  const batch = new RowPrints(4096);
  let firstOff = -1;
  const flush = (): void => {
    for (let k = 0; k < batch.count; k++) {
      const idx = t.find(batch.h1[k] as number, batch.h2[k] as number);
      const off = batch.offAt(k);
      if (idx < 0) throw new Error(`internal error: a new-file row at offset ${off} is not in the table`);
      if (idx === firstOf && firstOff < 0) firstOff = off;
      if (!t.outputs(idx, off)) continue;
      const at = off - rd.base;
      out.row(rd.buf, at, at + batch.lenAt(k), off);
    }
    batch.clear();
  };
  await scanPrints(inp, kf, kernel, mask, batch, flush, flush, () =>
    progress.at(0.9, 0.97, rd.consumed / Math.max(1, inp.size)),
  );
  return firstOff;
}

/**
 * The keyless table's deleted entries (old rows whose key the new file does not have), in old-file
 * order (entries are in that order, except one that took the row of a later repeat of its key).
 */
export function deletedInOrder(t: FpTable): Int32Array {
  const n = t.nOld;
  const flags = t.flags;
  let rows = new Int32Array(1024);
  let m = 0;
  let sorted = true;
  let last = -1;
  for (let i = 0; i < n; i++) {
    if (((flags[i] as number) & (F_SEEN | F_SUPERSEDED)) !== 0) continue;
    if (m === rows.length) rows = grown(rows, 2 * m);
    const off = t.offAt(i);
    if (off < last) sorted = false;
    last = off;
    rows[m++] = i;
  }
  const order = rows.subarray(0, m);
  return sorted ? order : Int32Array.from(order).sort((x, y) => t.offAt(x) - t.offAt(y));
}
