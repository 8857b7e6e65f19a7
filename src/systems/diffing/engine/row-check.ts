// Checking a fingerprint match: the row read again and the row being scanned, compared field by field.
import { ViewedBuffer } from '../../../platform/csv/bytes.js';
import { CsvReader } from '../../../platform/csv/csv-reader.js';
import { splitRecord, unquoteInto } from '../../../platform/csv/fields.js';
import { valueBytesEqual } from './compare.js';

/** Where a file's key and value columns are (each file's own header order). */
interface Layout {
  nCols: number;
  keyCols: Int32Array;
  valCol: number;
}

/**
 * Compares two rows field by field after CSV unquoting: row 0 (a reference row read again through a
 * RowWindow) and row 1 (the row being scanned), each with its file's column layout. Both are split
 * with splitRecord, so they must be records the scan already checked (nCols fields).
 */
export class RowCheck {
  /** Field boundaries of rows 0 and 1 (row 1's may be a reader's own arrays, see current()). */
  private readonly fS: [Int32Array, Int32Array];
  private readonly fE: [Int32Array, Int32Array];
  private readonly fQ: [Uint8Array, Uint8Array];
  private readonly own: { fS: Int32Array; fE: Int32Array; fQ: Uint8Array }[];
  private readonly bufs: [Uint8Array, Uint8Array];
  private readonly lays: [Layout, Layout];
  private t0: Buffer = Buffer.allocUnsafe(256);
  private t1: Buffer = Buffer.allocUnsafe(256);
  private readonly held = new ViewedBuffer(256);

  constructor(a: Layout, b: Layout) {
    const n = Math.max(a.nCols, b.nCols) + 1;
    this.own = [0, 1].map(() => ({ fS: new Int32Array(n), fE: new Int32Array(n), fQ: new Uint8Array(n) }));
    const [o0, o1] = this.own as [(typeof this.own)[0], (typeof this.own)[0]];
    this.fS = [o0.fS, o1.fS];
    this.fE = [o0.fE, o1.fE];
    this.fQ = [o0.fQ, o1.fQ];
    this.bufs = [Buffer.alloc(0), Buffer.alloc(0)];
    this.lays = [a, b];
  }

  /**
   * Row `which` (0 or 1) is the record content [at, at + len) of `win`'s bytes, of a file with
   * layout `lay`; with `copy`, the bytes are copied first (the window may move before the comparison).
   */
  split(
    which: 0 | 1,
    win: { bytes: Buffer; view: DataView },
    at: number,
    len: number,
    lay: Layout,
    copy = false,
  ): void {
    const o = this.own[which] as (typeof this.own)[0];
    let b = win.bytes;
    let v = win.view;
    if (copy) {
      this.held.reserve(len);
      this.held.bytes.set(b.subarray(at, at + len), 0);
      b = this.held.bytes;
      v = this.held.view;
      at = 0;
    }
    this.fS[which] = o.fS;
    this.fE[which] = o.fE;
    this.fQ[which] = o.fQ;
    this.bufs[which] = b;
    this.lays[which] = lay;
    splitRecord(b, v, at, at + len, o.fS, o.fE, o.fQ);
  }

  /** Row 1 is the reader's current record (already split; valid until its next record). */
  current(rd: CsvReader, lay: Layout): void {
    this.bufs[1] = rd.buf;
    this.lays[1] = lay;
    this.fS[1] = rd.fStart;
    this.fE[1] = rd.fEnd;
    this.fQ[1] = rd.fQuoted;
  }

  keysEqual(): boolean {
    const a = this.lays[0].keyCols;
    const b = this.lays[1].keyCols;
    for (let k = 0; k < a.length; k++) {
      if (!this.fieldEquals(a[k] as number, b[k] as number, false)) return false;
    }
    return true;
  }

  /** The value rule (compare.ts) between row 0's and row 1's value fields. */
  valuesEqual(): boolean {
    return this.fieldEquals(this.lays[0].valCol, this.lays[1].valCol, true);
  }

  private fieldEquals(f0: number, f1: number, asValue: boolean): boolean {
    let a = this.bufs[0];
    let as = this.fS[0][f0] as number;
    let ae = this.fE[0][f0] as number;
    let b = this.bufs[1];
    let bs = this.fS[1][f1] as number;
    let be = this.fE[1][f1] as number;
    if (this.fQ[0][f0] === 1) {
      if (this.t0.length < ae - as) this.t0 = Buffer.allocUnsafe(2 * (ae - as));
      ae = unquoteInto(a, as, ae, this.t0, 0);
      as = 0;
      a = this.t0;
    }
    if (this.fQ[1][f1] === 1) {
      if (this.t1.length < be - bs) this.t1 = Buffer.allocUnsafe(2 * (be - bs));
      be = unquoteInto(b, bs, be, this.t1, 0);
      bs = 0;
      b = this.t1;
    }
    if (asValue) return valueBytesEqual(a, as, ae, b, bs, be);
    const len = ae - as;
    if (len !== be - bs) return false;
    for (let i = 0; i < len; i++) if (a[as + i] !== b[bs + i]) return false;
    return true;
  }
}
