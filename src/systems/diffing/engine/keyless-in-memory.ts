// The in-memory path: the keyless table first, else (see diffInMemory) the KeyTable or partitions.
import { BufferedWriter } from '../../../platform/csv/buffered-writer.js';
import { KeyFingerprint } from './key-fingerprint.js';
import { nativeKernel, type DiffKernel } from './native-kernel.js';
import { type DiffStats, InAnotherOrder, type Tuning, UseKeyTable } from './types.js';
import { type Counters, newCounters } from './tally.js';
import { Progress } from './progress.js';
import type { Input } from './input.js';
import type { Sample } from './sample.js';
import { RowWindow } from './row-window.js';
import { FpTable } from './fp-table.js';
import type { RowPrints } from './row-prints.js';
import { RowCheck } from './row-check.js';
import { FastPath } from './fast-path.js';
import {
  deletedInOrder,
  type FirstRepeat,
  indexOld,
  lineAt,
  rewriteKeyless,
  type RowSink,
  scanNewKeyless,
  scanPrints,
} from './keyless-steps.js';

/** A RowSink writing each row and a terminator. */
function writerSink(w: BufferedWriter, term: Buffer): RowSink {
  return {
    row(buf: Uint8Array, start: number, end: number): void {
      w.write(buf, start, end);
      w.write(term, 0, term.length);
    },
  };
}

/**
 * Old file into the keyless table: each row's key fingerprint, offset and length are appended in
 * file order, then indexed (FpTable.build); a repeated key is checked against the earlier row.
 * `judge` is called once a fifth of the old rows (at least 100,000) are in, or at the end (it may
 * throw, ending the scan). Returns the first row that repeats a key (the caller names its lines).
 */
async function scanOldKeyless(
  inp: Input,
  kf: KeyFingerprint,
  t: FpTable,
  check: RowCheck,
  win: RowWindow,
  c: Counters,
  progress: Progress,
  kernel: DiffKernel | null,
  mask: Int32Array,
  expectedNew: number,
  expectedOld: number,
  judge: () => void,
): Promise<FirstRepeat> {
  const rd = inp.rd;
  const nothing = (): void => undefined;
  const judgeAt = Math.max(100_000, expectedOld / 5);
  let judged = false;
  const rows = await scanPrints(
    inp,
    kf,
    kernel,
    mask,
    t,
    () => t.grow(),
    nothing,
    () => {
      progress.at(0, 0.45, rd.consumed / Math.max(1, inp.size));
      if (!judged && t.count >= judgeAt) {
        judged = true;
        judge();
      }
    },
  );
  if (!judged) judge();
  c.rowsOld += rows;
  return indexOld(inp, t, check, win, c, kernel, expectedNew);
}

/** Pairs of consecutive found sample rows a judgement of the new file's order needs (fewer: in order). */
const ORDER_PAIRS = 200;

/**
 * Per sampled new row (sample: the new file's first rows), the first of the old rows appended to
 * `t` so far (in old-file order) with its key fingerprint, else -1.
 */
export function sampleEntries(t: RowPrints, sample: Sample, mask: Int32Array): Int32Array {
  const p = sample.prints;
  const m1 = mask[0] as number;
  const m2 = mask[1] as number;
  // Fingerprint as one number: h1 and 21 bits of h2 (a rare false match only blurs a judgement).
  const asNumber = (h1: number, h2: number): number => (h1 >>> 0) + (h2 & 0x1fffff) * 4294967296;
  const at = new Map<number, number>();
  for (let k = 0; k < p.length; k += 2) {
    at.set(asNumber((p[k] as number) & m1, (p[k + 1] as number) & m2), k >> 1);
  }
  const entries = new Int32Array(p.length >> 1).fill(-1);
  const n = t.count;
  for (let i = 0; i < n; i++) {
    const k = at.get(asNumber(t.h1[i] as number, t.h2[i] as number));
    if (k !== undefined && entries[k] === -1) entries[k] = i;
  }
  return entries;
}

/**
 * Whether the new file looks to be in another order than the old one, from the old entries of its
 * first rows (sampleEntries): in a re-export in the same order, most new rows whose key is an old
 * one come a short step (at most 64 entries) after the previous such row; in another order, fewer
 * than 1 in 4 do. A rolling export (the oldest cohort gone, a new one added) is in the same order:
 * its first rows are found past the old file's first rows, then in order. Fewer than ORDER_PAIRS
 * such steps judge nothing (false). Only a start: the keyless scan notices another order on its
 * own too (scanNewKeyless).
 */
export function newInAnotherOrder(entries: Int32Array): boolean {
  let prev = -1;
  let pairs = 0;
  let steps = 0;
  for (const idx of entries) {
    if (idx < 0) continue;
    if (prev >= 0) {
      pairs++;
      if (idx > prev && idx - prev <= 64) steps++;
    }
    prev = idx;
  }
  return pairs >= ORDER_PAIRS && steps * 4 < pairs;
}

/** Writes the keyless table's deleted rows in old-file order, copying each row by offset and length. */
function copyDeleted(t: FpTable, win: RowWindow, w: BufferedWriter, term: Buffer, progress: Progress): void {
  const order = deletedInOrder(t);
  const m = order.length;
  const step = Math.max(1, Math.floor(m / 100));
  for (let k = 0; k < m; k++) {
    const i = order[k] as number;
    const len = t.lenAt(i);
    const at = win.need(t.offAt(i), len);
    w.write(win.bytes, at, at + len);
    w.write(term, 0, term.length);
    if (k % step === 0) progress.at(0.97, 1, k / m);
  }
}

/**
 * The in-memory path: the keyless table first (when `keyless`: DiffPlan.keylessAllowed); if a key fingerprint ever matches a different key
 * (about 2⁻⁶² per pair of keys, or tests that weaken the fingerprint), the new file comes in another
 * order and the old file is more than `holdOld` bytes (else it is read into memory: scanNewKeyless),
 * or the table outgrows `maxBytes`, the diff starts again on fresh readers (`reopen`) with
 * `fallback`, told why (null: the keyless table was not allowed; InAnotherOrder: the new file is in
 * another order and the old file too large to hold), which returns the table it used.
 * When the first new rows say the new file is in another order (newInAnotherOrder, judged while the
 * old file is scanned; Tuning.byKey), the old file is read into memory after its scan and the new
 * rows are looked up by key from the first (FastPath.takeByKey), if the old file is at most
 * `holdOld` bytes; else the scan stops there (InAnotherOrder: the fallback partitions by key).
 */
export async function diffInMemory(
  oldIn: Input,
  newIn: Input,
  oldSample: Sample,
  newSample: Sample,
  outW: BufferedWriter,
  delW: BufferedWriter,
  c: Counters,
  progress: Progress,
  tuning: Tuning,
  keyless: boolean,
  maxBytes: number,
  holdOld: number,
  reopen: (which: 'old' | 'new') => Promise<Input>,
  fallback: (oldIn: Input, newIn: Input, why: UseKeyTable | null) => Promise<DiffStats['table']>,
): Promise<DiffStats['table']> {
  let why: UseKeyTable | null = null;
  const headerBytes = outW.written;
  const win = keyless ? RowWindow.open(oldIn.path, oldIn.size) : null;
  if (win !== null) {
    try {
      const t = new FpTable(oldSample.estRows * 1.05 + 16, maxBytes);
      const kf = new KeyFingerprint(tuning.fingerprintMask);
      const mask = Int32Array.from(tuning.fingerprintMask);
      const kernel = tuning.native ? nativeKernel() : null;
      const expectedNew = Math.max(0.02 * newSample.estRows, newSample.estRows - oldSample.estRows);
      // Looked up by key (the old file held in memory): forced, or when the first new rows say so.
      let byKey = tuning.byKey === true;
      const judge = (): void => {
        if (tuning.byKey === 'auto') byKey = newInAnotherOrder(sampleEntries(t, newSample, mask));
        if (byKey && oldIn.size > holdOld) {
          throw new InAnotherOrder('new file in another order, the old file too large to hold');
        }
      };
      const dupOld = await scanOldKeyless(
        oldIn,
        kf,
        t,
        new RowCheck(oldIn, oldIn),
        win,
        c,
        progress,
        kernel,
        mask,
        expectedNew,
        oldSample.estRows,
        judge,
      );
      if (dupOld.off >= 0) {
        c.firstDupOld = await lineAt(oldIn.path, dupOld.off);
        c.firstOfDupOld = dupOld.firstOff;
      }
      await oldIn.rd.close();
      if (byKey) win.loadWhole();
      // Byte-identical rows are recognised without parsing when both files have the same header.
      const fast = new FastPath(oldIn.header.equals(newIn.header) ? win : null);
      if (win.whole && kernel !== null) fast.lookUpByKey();
      const out = writerSink(outW, newIn.term);
      const dupNew = await scanNewKeyless(
        newIn,
        kf,
        t,
        new RowCheck(oldIn, newIn),
        oldIn,
        win,
        fast,
        out,
        c,
        progress,
        kernel,
        mask,
        holdOld,
      );
      await newIn.rd.close();
      t.tally(c);
      if (c.dupNew > 0) {
        outW.truncate(headerBytes);
        c.firstOfDupNew = await rewriteKeyless(
          t,
          await reopen('new'),
          kf,
          kernel,
          mask,
          out,
          progress,
          dupNew.idx,
        );
      }
      copyDeleted(t, win, delW, oldIn.term, progress);
      return 'fingerprints';
    } catch (e) {
      if (!(e instanceof UseKeyTable)) throw e;
      why = e;
    } finally {
      win.close();
    }
    outW.truncate(headerBytes);
    Object.assign(c, newCounters());
    oldIn = await reopen('old');
    newIn = await reopen('new');
  }
  return fallback(oldIn, newIn, why);
}
