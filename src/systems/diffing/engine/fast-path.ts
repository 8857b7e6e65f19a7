// The new-file fast path: rows byte-identical to the old row the table predicts are unchanged
// without being parsed (FastPath).
import { CsvReader } from '../../../platform/csv/csv-reader.js';
import { M_WINDOW, P_VALUE, type DiffKernel } from './native-kernel.js';
import { RowWindow } from './row-window.js';
import { FpTable } from './fp-table.js';
import { F_PENDING } from './row-prints.js';

/** The fast path gives up when fewer than 1 in 4 of its first attempts (checked every FAST_CHECK) hit. */
const FAST_CHECK = 4096;

/** What the fast path needs of a table (KeyTable, FpTable). */
interface OldRowOrder {
  /** Offset of entry idx's old row. */
  oldRowOff(idx: number): number;
  /** The entry after the last one found when it has a one-line old row, else -1. */
  predictedOldRow(): number;
  /** Content length of entry idx's old row. */
  oldRowLen(idx: number): number;
  /** The new file's row at `off` is byte-identical to entry idx's old row: unchanged. Returns dup. */
  markIdentical(idx: number, off: number): boolean;
  /** After markIdentical returned dup: the offset of the key's earlier new-file row (-1: not kept). */
  readonly earlierOff: number;
}

/**
 * The new-file fast path (both files have the same header): re-exports mostly repeat the old rows
 * byte for byte in the same order, so the next new row is compared with the raw bytes of the old row
 * of the entry after the last one found, read through a RowWindow; equal bytes are the same one-line
 * record, hence the same key and value: unchanged, without parsing, hashing or lookup. It switches
 * itself off when fewer than 1 in 4 of its tries hit (another order, or most values changed).
 */
export class FastPath {
  on: boolean;
  identical = 0;
  dups = 0;
  firstDup = 0;
  /** File offset of the row on line firstDup (-1: none). */
  firstDupOff = -1;
  /** The table entry of the key repeated on line firstDup, and the offset of its earlier row (-1: not known). */
  firstDupIdx = -1;
  firstDupEarlierOff = -1;
  private tries = 0;

  constructor(private readonly win: RowWindow | null) {
    this.on = win !== null;
  }

  private readonly state = new Float64Array(5);

  /** Counts a try; false (and off for good) when fewer than 1 in 4 tries so far have hit. */
  private tryAgain(): boolean {
    if (++this.tries % FAST_CHECK === 0 && this.identical * 4 < this.tries) this.on = false;
    return this.on;
  }

  /**
   * The new file is in another order than the old one and the window holds the whole old file
   * (RowWindow.loadWhole): from now on each row is looked up by its key fingerprint (natively)
   * instead of predicted (takeByKey).
   */
  byKey = false;

  /** Switches to looking rows up by key (see byKey); the fast path is on again, its count afresh. */
  lookUpByKey(): void {
    if (this.win === null) return; // other headers: rows are not compared byte for byte
    this.byKey = true;
    this.on = true;
  }

  /** The batch's records left to the general path (DiffKernel.matchByKey): start, line, entry. */
  private readonly pendStart = new Float64Array(1024);
  private readonly pendLine = new Float64Array(1024);
  private readonly pendEntry = new Int32Array(1024);
  private readonly pendKind = new Uint8Array(1024);
  private readonly pendEnd = new Float64Array(1024);
  private readonly pendValue = new Float64Array(4 * 1024);
  /** Records the last takeByKey left to the general path. */
  lastPending = 0;

  /**
   * take() by key (byKey, native kernel), for a batch of the reader's next records: those
   * byte-identical to the old row of the entry their key fingerprint finds are marked unchanged
   * (DiffKernel.matchByKey); each other one, in file order, goes to `nearMiss` (entry, record start
   * and end in rd.buf, old value's span in the window, new value's in rd.buf) when only its value
   * differs from the old row's bytes (`valCol` >= 0: such near misses are looked for), else is made
   * the reader's next record, which `pending` reads and handles. Returns the rows marked unchanged;
   * lastPending says how many were left (both 0: the next record is incomplete or not plain, for
   * the caller).
   */
  takeByKey(
    rd: CsvReader,
    t: FpTable,
    k: DiffKernel,
    keyCols: Int32Array,
    nCols: number,
    mask: Int32Array,
    valCol: number,
    pending: () => void,
    nearMiss: (
      idx: number,
      start: number,
      end: number,
      ovs: number,
      ove: number,
      nvs: number,
      nve: number,
    ) => void,
  ): number {
    const win = this.win as RowWindow;
    const st = this.state;
    const { slots, idxBits, homeShift } = t.slotLayout();
    k.matchByKey(
      rd.buf,
      rd.pos,
      rd.len,
      rd.eof,
      keyCols,
      nCols,
      mask,
      win.bytes,
      win.length,
      t.h1,
      t.h2,
      t.offLo,
      t.offHi,
      t.len,
      t.flags,
      t.nOld,
      slots,
      idxBits,
      homeShift,
      rd.nextLineNumber,
      this.pendStart,
      this.pendLine,
      this.pendEntry,
      this.pendKind,
      this.pendEnd,
      this.pendValue,
      valCol,
      st,
    );
    const n = st[1] as number;
    const np = st[4] as number;
    const endPos = st[0] as number;
    const endLine = st[2] as number;
    const v = this.pendValue;
    for (let j = 0; j < np; j++) {
      const e = this.pendEntry[j] as number;
      if (e >= 0) t.flags[e] = (t.flags[e] as number) & ~F_PENDING;
      const start = this.pendStart[j] as number;
      if (this.pendKind[j] === P_VALUE) {
        const w = 4 * j;
        nearMiss(
          e,
          start,
          this.pendEnd[j] as number,
          v[w + 2] as number,
          v[w + 3] as number,
          v[w] as number,
          v[w + 1] as number,
        );
      } else {
        rd.advance(start, this.pendLine[j] as number);
        pending();
      }
    }
    rd.advance(endPos, endLine);
    this.identical += n;
    this.lastPending = np;
    return n;
  }

  /**
   * take() for the keyless table with the native kernel: consumes the reader's next records while
   * each is byte-identical to the predicted old row (runs of them in one kernel call); returns how
   * many.
   */
  takeRun(rd: CsvReader, t: FpTable, k: DiffKernel): number {
    const win = this.win as RowWindow;
    const st = this.state;
    let total = 0;
    for (;;) {
      const idx = t.predictedOldRow();
      if (idx < 0 || !this.tryAgain()) return total;
      const at = win.at(t.offAt(idx), t.len[idx] as number);
      if (at < 0) return total;
      k.matchRows(
        rd.buf,
        rd.pos,
        rd.len,
        rd.eof,
        win.bytes,
        win.start,
        win.length,
        t.offLo,
        t.offHi,
        t.len,
        t.flags,
        t.nOld,
        idx,
        rd.nextLineNumber,
        st,
      );
      const n = st[1] as number;
      if (n > 0) {
        rd.advance(st[0] as number, st[4] as number);
        t.matchedUpTo(idx + n - 1);
        this.identical += n;
        total += n;
      }
      if (st[3] !== M_WINDOW) return total;
    }
  }

  /** Consumes the reader's next record when it is byte-identical to the predicted old row. */
  take(rd: CsvReader, t: OldRowOrder): boolean {
    const idx = t.predictedOldRow();
    if (idx < 0 || !this.tryAgain()) return false;
    const win = this.win as RowWindow;
    const len = t.oldRowLen(idx);
    const at = win.at(t.oldRowOff(idx), len);
    if (at < 0 || !rd.consumeEqual(win.bytes, win.view, at, len)) return false;
    this.identical++;
    if (t.markIdentical(idx, rd.base + rd.recStart)) {
      this.dups++;
      if (this.firstDup === 0) {
        this.firstDup = rd.line;
        this.firstDupOff = rd.base + rd.recStart;
        this.firstDupIdx = idx;
        this.firstDupEarlierOff = t.earlierOff;
      }
    }
    return true;
  }
}
