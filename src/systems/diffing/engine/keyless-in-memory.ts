// The in-memory path: the keyless table first, else (see diffInMemory) the KeyTable or partitions.
import { BufferedWriter } from '../../../platform/csv/buffered-writer.js';
import { KeyFingerprint } from './key-fingerprint.js';
import { nativeKernel, type DiffKernel } from './native-kernel.js';
import { type DiffStats, type Tuning, UseKeyTable } from './types.js';
import { type Counters, newCounters } from './tally.js';
import { Progress } from './progress.js';
import type { Input } from './input.js';
import type { Sample } from './sample.js';
import { RowWindow } from './row-window.js';
import { FpTable } from './fp-table.js';
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
 * Returns the first row that repeats a key (the caller names its lines).
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
): Promise<FirstRepeat> {
  const rd = inp.rd;
  const nothing = (): void => undefined;
  const rows = await scanPrints(
    inp,
    kf,
    kernel,
    mask,
    t,
    () => t.grow(),
    nothing,
    () => progress.at(0, 0.45, rd.consumed / Math.max(1, inp.size)),
  );
  c.rowsOld += rows;
  return indexOld(inp, t, check, win, c, kernel, expectedNew);
}

/** Sampled rows a judgement of the new file's order needs (fewer: the window holds such files). */
const ORDER_SAMPLE_ROWS = 1000;

/**
 * Whether the new file looks to be in another order than the old one, from the first rows of the
 * new file (`sample`) looked up in the indexed old table: in a re-export in the same order, most
 * new rows whose key is an old one come a short step (at most 64 entries) after the previous such
 * row; in another order, fewer than 1 in 4 do. A rolling export (the oldest cohort gone, a new one
 * added) is in the same order: the first new rows are found past the old file's first rows, then in
 * order. Only a start: the keyless scan notices another order on its own too (scanNewKeyless).
 */
export function newInAnotherOrder(t: FpTable, sample: Sample, mask: Int32Array): boolean {
  const p = sample.prints;
  const m1 = mask[0] as number;
  const m2 = mask[1] as number;
  let prev = -1;
  let pairs = 0;
  let steps = 0;
  for (let k = 0; k < p.length; k += 2) {
    const idx = t.peek((p[k] as number) & m1, (p[k + 1] as number) & m2);
    if (idx < 0) continue;
    if (prev >= 0) {
      pairs++;
      if (idx > prev && idx - prev <= 64) steps++;
    }
    prev = idx;
  }
  return pairs >= ORDER_SAMPLE_ROWS && steps * 4 < pairs;
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
 * `fallback` (the KeyTable in memory, or the partitioned path when that does not fit the budget).
 * When the first new rows say the new file is in another order (newInAnotherOrder; Tuning.byKey)
 * and the old file is at most `holdOld` bytes, the old file is read into memory at once and the new
 * rows are looked up by key from the first (FastPath.takeByKey).
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
  fallback: (oldIn: Input, newIn: Input) => Promise<void>,
): Promise<DiffStats['table']> {
  const headerBytes = outW.written;
  const win = keyless ? RowWindow.open(oldIn.path, oldIn.size) : null;
  if (win !== null) {
    try {
      const t = new FpTable(oldSample.estRows * 1.05 + 16, maxBytes);
      const kf = new KeyFingerprint(tuning.fingerprintMask);
      const mask = Int32Array.from(tuning.fingerprintMask);
      const kernel = tuning.native ? nativeKernel() : null;
      const expectedNew = Math.max(0.02 * newSample.estRows, newSample.estRows - oldSample.estRows);
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
      );
      if (dupOld.off >= 0) {
        c.firstDupOld = await lineAt(oldIn.path, dupOld.off);
        c.firstOfDupOld = dupOld.firstOff;
      }
      await oldIn.rd.close();
      const byKey = tuning.byKey === 'auto' ? newInAnotherOrder(t, newSample, mask) : tuning.byKey;
      if (byKey && oldIn.size <= holdOld) win.loadWhole();
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
    } finally {
      win.close();
    }
    outW.truncate(headerBytes);
    Object.assign(c, newCounters());
    oldIn = await reopen('old');
    newIn = await reopen('new');
  }
  await fallback(oldIn, newIn);
  return 'keys';
}
