// Per row of a file, what the keyless table keeps of it (RowPrints), and the flags of its entries.
import { grown } from '../../../platform/csv/bytes.js';

/** Per-entry flags of the keyless table: the status (ST_*) in the low two bits, then these. */
export const F_STATUS = 3;

/** The reference row is one physical line (the fast path compares only those). */
export const F_ONE_LINE = 4;

/** The key was seen in the new file. */
export const F_SEEN = 8;

/** An old row whose key a later old row repeats: no longer an entry. */
export const F_SUPERSEDED = 16;

/** The reference row is in the new file (a key only in the new file). */
export const F_NEW_ROW = 32;

/** The key is repeated in the new file. */
export const F_DUP_NEW = 64;

/** A new-file row of this key waits for the general path (DiffKernel.matchByKey's batch). */
export const F_PENDING = 128;

/** RowPrints.len of a row whose content length does not fit 16 bits (it is in bigLen). */
const LEN_BIG = 0xffff;

/** Offsets are stored in 40 bits; the keyless table is not used for larger files. */
export const OFFSET_LIMIT = 2 ** 40;

/** Bytes per entry in RowPrints' arrays. */
export const PRINT_BYTES = 16;

/**
 * Per row of a CSV file: its key fingerprint (h1, h2: key-fingerprint.ts), file offset (a 32-bit low
 * and an 8-bit high part), content length (16 bits; longer rows in bigLen) and flags (F_*): 16 bytes
 * a row. Filled by scanPrints, natively or row by row.
 */
export class RowPrints {
  count = 0;
  h1: Int32Array;
  h2: Int32Array;
  offLo: Uint32Array;
  offHi: Uint8Array;
  len: Uint16Array;
  flags: Uint8Array;
  /** Content lengths of LEN_BIG bytes or more, by index. */
  readonly bigLen = new Map<number, number>();

  constructor(capacity: number) {
    const n = Math.max(16, Math.ceil(capacity));
    this.h1 = new Int32Array(n);
    this.h2 = new Int32Array(n);
    this.offLo = new Uint32Array(n);
    this.offHi = new Uint8Array(n);
    this.len = new Uint16Array(n);
    this.flags = new Uint8Array(n);
  }

  get capacity(): number {
    return this.h1.length;
  }

  push(h1: number, h2: number, off: number, len: number, flags: number): void {
    const i = this.count;
    if (i === this.h1.length) this.grow();
    this.h1[i] = h1;
    this.h2[i] = h2;
    this.setRow(i, off, len, flags);
    this.count = i + 1;
  }

  /** Entry i's reference row: offset, content length and the F_ONE_LINE bit of `flags`. */
  protected setRow(i: number, off: number, len: number, flags: number): void {
    const hi = off < 4294967296 ? 0 : Math.floor(off / 4294967296);
    this.offLo[i] = off - hi * 4294967296;
    this.offHi[i] = hi;
    if (len >= LEN_BIG) {
      this.len[i] = LEN_BIG;
      this.bigLen.set(i, len);
      flags &= ~F_ONE_LINE; // the fast path compares rows by their 16-bit length
    } else {
      this.len[i] = len;
      this.bigLen.delete(i);
    }
    this.flags[i] = flags;
  }

  offAt(i: number): number {
    return (this.offHi[i] as number) * 4294967296 + (this.offLo[i] as number);
  }

  lenAt(i: number): number {
    const len = this.len[i] as number;
    return len === LEN_BIG ? (this.bigLen.get(i) as number) : len;
  }

  /** Forgets the rows (a batch consumed). */
  clear(): void {
    this.count = 0;
    this.bigLen.clear();
  }

  get bytes(): number {
    return this.h1.length * PRINT_BYTES;
  }

  /** Room for 1.5 times as many rows. */
  grow(): void {
    const n = Math.ceil(this.h1.length * 1.5) + 16;
    this.h1 = grown(this.h1, n);
    this.h2 = grown(this.h2, n);
    this.offLo = grown(this.offLo, n);
    this.offHi = grown(this.offHi, n);
    this.len = grown(this.len, n);
    this.flags = grown(this.flags, n);
  }
}
