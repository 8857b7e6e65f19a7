// The keyless table (FpTable): key fingerprints, offsets and lengths of the old file's rows, no keys.
// Hand-written hot path (one lookup per row of the new file).
import { grown } from '../../../platform/csv/bytes.js';
import type { DiffKernel } from './native-kernel.js';
import { UseKeyTable } from './types.js';
import { type Counters, ST_ADDED, ST_CHANGED, ST_UNCHANGED } from './tally.js';
import {
  F_DUP_NEW,
  F_NEW_ROW,
  F_ONE_LINE,
  F_SEEN,
  F_STATUS,
  F_SUPERSEDED,
  PRINT_BYTES,
  RowPrints,
} from './row-prints.js';

/** Slots per entry when the slots are built (load 0.62), and the load that grows them. */
const SLOTS_PER_ENTRY = 1 / 0.62;

const MAX_LOAD = 0.72;

/** Bytes per old row of the keyless table (entries with 5 % slack, slots): ~23. */
export const FP_BYTES_PER_ROW = PRINT_BYTES * 1.05 + 4 * SLOTS_PER_ENTRY;

/** Bytes per entry of a key only in the new file (side arrays, slots). */
export const SIDE_BYTES = 21;

/**
 * Open-addressing (linear probing) table: key fingerprint (key-fingerprint.ts) → entry. The entries
 * are the old file's rows in file order (RowPrints, 16 bytes each: fingerprint, offset and length of
 * the key's last old row, flags), then the keys only in the new file (side arrays, 21 bytes each).
 * A slot is 4 bytes: entry + 1 in its low idxBits bits and the low bits of h1 as a tag above them;
 * the home slot is h1's top bits scaled to the slot count (home()). Keys and values are not stored: a
 * fingerprint match is checked by reading the reference row again (RowCheck) — in the old file only
 * for a repeated key, in the new file only for rows that are not byte-identical to their old row. A
 * different key behind the same 62-bit fingerprint throws UseKeyTable. ~23 bytes an old row in all
 * (the KeyTable stores keys and values besides: ~80). The old rows are appended in file order
 * (scanPrints) and indexed afterwards (build).
 */
export class FpTable extends RowPrints {
  /** Entries [0, nOld) are old rows (set by build). */
  nOld = 0;
  /** Keys only in the new file: entry nOld + j. */
  sCount = 0;
  sH1 = new Int32Array(0);
  sH2 = new Int32Array(0);
  sOff = new Float64Array(0);
  sLen = new Uint32Array(0);
  sFlags = new Uint8Array(0);
  /** Offset of the last new-file row of old entries whose key is repeated in the new file. */
  readonly lastNew = new Map<number, number>();
  private slots = new Int32Array(0);
  private idxBits = 4;
  /** 2 ** idxBits: a tag times this is the tag in its place in a slot. */
  private tagMul = 16;
  private idxMask = 15;
  private tagMask = 0;
  private homeShift = 0;
  private homeDiv = 1;
  private limit = 0;
  /** Entries in the slots. */
  private live = 0;
  private lastSlot = -1;
  private lastFound = -1;

  /** maxBytes: a growth beyond it throws UseKeyTable (the budget is the partitioned path's). */
  constructor(
    expectedRows: number,
    private readonly maxBytes = Infinity,
  ) {
    super(expectedRows);
  }

  /** The home slot of h1: its top bits scaled to the slot count (exact in doubles; native too). */
  private home(h1: number): number {
    return Math.floor(((h1 >>> this.homeShift) * this.slots.length) / this.homeDiv);
  }

  /**
   * Empties the table for the next partition of a lane, keeping its arrays: V8 collects typed arrays
   * only after some 64 MB of them are garbage, so a new table per partition would raise the peak by
   * that much whatever the budget (a lower --memory-mb must not raise it).
   */
  reset(): void {
    this.clear();
    this.nOld = 0;
    this.sCount = 0;
    this.lastNew.clear();
    this.live = 0;
    this.lastSlot = -1;
    this.lastFound = -1;
  }

  override grow(): void {
    // The arrays are copied into ones 1.5 times as large: both are held for a moment.
    this.checkBytes(this.bytes * 2.5 + this.slots.length * 4);
    super.grow();
  }

  private checkBytes(n: number): void {
    if (n + this.sH1.length * SIDE_BYTES > this.maxBytes) {
      throw new UseKeyTable('the table would outgrow the memory budget');
    }
  }

  /**
   * Indexes the appended old rows in file order (natively with the kernel, prefetching the slots a
   * few rows ahead). A fingerprint met again is a repeated key: `sameKey(earlier, later)` checks it
   * (and throws UseKeyTable on a collision); the earlier entry takes the later row (the last
   * occurrence wins, at the first one's place in the entry order) and the later one is superseded.
   * Returns the repeats, the offset of the first superseding row (-1: none) and of its key's first row.
   */
  build(
    sameKey: (earlier: number, later: number) => void,
    kernel: DiffKernel | null,
    expectedNew: number,
  ): { dups: number; firstDupOff: number; firstOfDupOff: number } {
    const n = this.count;
    this.nOld = n;
    const side = Math.max(1024, Math.ceil(expectedNew));
    if (this.sH1.length < side || this.sH1.length > 2 * side) {
      // (kept from an earlier partition when about the size: add() sets every field of an entry)
      this.sH1 = new Int32Array(side);
      this.sH2 = new Int32Array(side);
      this.sOff = new Float64Array(side);
      this.sLen = new Uint32Array(side);
      this.sFlags = new Uint8Array(side);
    }
    this.allocSlots(Math.ceil((n + 16) * SLOTS_PER_ENTRY), 2 * n + 16);
    let dups = 0;
    let firstDupOff = -1;
    let firstOfDupOff = -1;
    const repeat = (first: number, i: number): void => {
      sameKey(first, i);
      const off = this.offAt(i);
      if (firstDupOff < 0 || off < firstDupOff) {
        // The first repeat's earlier row is its key's first row (read before it takes the later one).
        firstDupOff = off;
        firstOfDupOff = this.offAt(first);
      }
      this.setRow(first, off, this.lenAt(i), this.flags[i] as number);
      this.flags[i] = F_SUPERSEDED;
      this.bigLen.delete(i);
      dups++;
    };
    this.insertOld(kernel, repeat);
    this.live = n - dups;
    return { dups, firstDupOff, firstOfDupOff };
  }

  /** Empty slots, about `cap` of them, for entry numbers below `entries`. */
  private allocSlots(cap: number, entries: number): void {
    let bits = 4;
    while (2 ** bits <= entries && bits < 30) bits++;
    if (2 ** bits <= entries) throw new UseKeyTable('too many keys for the keyless table');
    this.checkBytes(this.bytes + cap * 4);
    const want = Math.max(16, cap);
    // The slots of an earlier partition of about this size are emptied rather than made again (reset).
    if (this.slots.length >= want && this.slots.length <= want * 1.25) this.slots.fill(0);
    else this.slots = new Int32Array(want);
    this.idxBits = bits;
    this.tagMul = 2 ** bits;
    this.idxMask = 2 ** bits - 1;
    this.tagMask = 2 ** (32 - bits) - 1;
    const capBits = Math.ceil(Math.log2(this.slots.length));
    this.homeShift = Math.max(0, capBits - 21);
    this.homeDiv = 2 ** (32 - this.homeShift);
    this.limit = Math.floor(this.slots.length * MAX_LOAD);
  }

  /** The old entries into the slots, in file order; a repeated fingerprint goes to `repeat`. */
  private insertOld(kernel: DiffKernel | null, repeat: (first: number, i: number) => void): void {
    const n = this.nOld;
    if (kernel !== null) {
      const pairs = new Int32Array(2 * 4096);
      const state = new Float64Array(2);
      for (let from = 0; ;) {
        kernel.indexPrints(this.h1, this.h2, n, this.slots, this.idxBits, this.homeShift, from, pairs, state);
        from = state[0] as number;
        const np = state[1] as number;
        for (let p = 0; p < np; p++) repeat(pairs[2 * p] as number, pairs[2 * p + 1] as number);
        if (from >= n) return;
      }
    }
    // find() and put() for old entries, inlined: this loop is the index build without the kernel.
    const slots = this.slots;
    const cap = slots.length;
    const h1 = this.h1;
    const h2 = this.h2;
    const { tagMask, idxBits, idxMask, tagMul, homeShift, homeDiv } = this;
    for (let i = 0; i < n; i++) {
      const a = h1[i] as number;
      const tag = a & tagMask;
      let s = Math.floor(((a >>> homeShift) * cap) / homeDiv);
      for (;;) {
        const v = slots[s] as number;
        if (v === 0) {
          slots[s] = ((tag * tagMul) | 0) + i + 1;
          break;
        }
        if (v >>> idxBits === tag) {
          const e = (v & idxMask) - 1;
          if (h1[e] === a && h2[e] === h2[i]) {
            repeat(e, i);
            break;
          }
        }
        if (++s === cap) s = 0;
      }
    }
  }

  /** Entry with this fingerprint, or -1 (then the next add() goes to the probed free slot). */
  find(h1: number, h2: number): number {
    const slots = this.slots;
    const cap = slots.length;
    const tag = h1 & this.tagMask;
    const bits = this.idxBits;
    let s = this.home(h1);
    for (;;) {
      const v = slots[s] as number;
      if (v === 0) {
        this.lastSlot = s;
        return -1;
      }
      if (v >>> bits === tag) {
        const e = (v & this.idxMask) - 1;
        if (this.h1Of(e) === h1 && this.h2Of(e) === h2) {
          this.lastFound = e;
          return e;
        }
      }
      if (++s === cap) s = 0;
    }
  }

  /** Entry idx into the free slot the last find() stopped at. */
  private put(idx: number): void {
    this.slots[this.lastSlot] = (((this.h1Of(idx) & this.tagMask) * this.tagMul) | 0) + idx + 1;
  }

  h1Of(idx: number): number {
    return idx < this.nOld ? (this.h1[idx] as number) : (this.sH1[idx - this.nOld] as number);
  }

  h2Of(idx: number): number {
    return idx < this.nOld ? (this.h2[idx] as number) : (this.sH2[idx - this.nOld] as number);
  }

  flagsOf(idx: number): number {
    return idx < this.nOld ? (this.flags[idx] as number) : (this.sFlags[idx - this.nOld] as number);
  }

  setFlags(idx: number, f: number): void {
    if (idx < this.nOld) this.flags[idx] = f;
    else this.sFlags[idx - this.nOld] = f;
  }

  /** Offset of entry idx's reference row (in the old file, or the new one with F_NEW_ROW). */
  refOff(idx: number): number {
    return idx < this.nOld ? this.offAt(idx) : (this.sOff[idx - this.nOld] as number);
  }

  refLen(idx: number): number {
    return idx < this.nOld ? this.lenAt(idx) : (this.sLen[idx - this.nOld] as number);
  }

  /** A key only in the new file, seen again: its reference row is now the new row at off. */
  setNewRow(idx: number, off: number, len: number): void {
    this.sOff[idx - this.nOld] = off;
    this.sLen[idx - this.nOld] = len;
  }

  /** Adds a new-file key known to be absent (right after a find() that returned -1). */
  add(h1: number, h2: number, off: number, len: number): number {
    const j = this.sCount;
    if (j === this.sH1.length) this.growSide();
    this.sH1[j] = h1;
    this.sH2[j] = h2;
    this.sOff[j] = off;
    this.sLen[j] = len;
    this.sFlags[j] = F_NEW_ROW | F_SEEN | ST_ADDED;
    this.sCount = j + 1;
    const idx = this.nOld + j;
    this.live++;
    if (idx + 1 >= this.idxMask || this.live > this.limit) {
      this.rehash();
    } else {
      this.put(idx);
    }
    this.lastFound = idx;
    return idx;
  }

  private growSide(): void {
    const n = Math.ceil(this.sH1.length * 1.5) + 16;
    this.checkBytes(this.bytes + this.slots.length * 4 + n * SIDE_BYTES);
    this.sH1 = grown(this.sH1, n);
    this.sH2 = grown(this.sH2, n);
    this.sOff = grown(this.sOff, n);
    this.sLen = grown(this.sLen, n);
    this.sFlags = grown(this.sFlags, n);
  }

  /** All entries into new slots, 1.5 times as many when the load calls for it. */
  private rehash(): void {
    const entries = this.nOld + this.sH1.length;
    const cap = this.live > this.limit ? Math.ceil(this.slots.length * 1.5) : this.slots.length;
    this.slots = new Int32Array(0); // let the old slots go before the new ones are made
    this.allocSlots(cap, 2 * entries + 16);
    for (let i = 0; i < this.nOld; i++) {
      if ((this.flags[i] as number) & F_SUPERSEDED) continue;
      this.find(this.h1[i] as number, this.h2[i] as number);
      this.put(i);
    }
    for (let j = 0; j < this.sCount; j++) {
      this.find(this.sH1[j] as number, this.sH2[j] as number);
      this.put(this.nOld + j);
    }
  }

  /** Entry after the last one found if it is an old row with this fingerprint, else -1. */
  predict(h1: number, h2: number): number {
    const idx = this.lastFound + 1;
    if (
      idx < this.nOld &&
      this.h1[idx] === h1 &&
      this.h2[idx] === h2 &&
      ((this.flags[idx] as number) & F_SUPERSEDED) === 0
    ) {
      this.lastFound = idx;
      return idx;
    }
    return -1;
  }

  /** The entry after the last one found when it has a one-line old row (fast path), else -1. */
  predictedOldRow(): number {
    const idx = this.lastFound + 1;
    return idx < this.nOld && ((this.flags[idx] as number) & F_ONE_LINE) !== 0 ? idx : -1;
  }

  oldRowOff(idx: number): number {
    return this.offAt(idx);
  }

  oldRowLen(idx: number): number {
    return ((this.flags[idx] as number) & F_ONE_LINE) !== 0 ? (this.len[idx] as number) : 0;
  }

  /**
   * The earlier new-file row of a key repeated in the new file is not kept (8 bytes an entry): it is
   * found again by its entry when the output is rewritten (rewriteKeyless).
   */
  readonly earlierOff = -1;

  /** The new file's row at `off` is byte-identical to entry idx's old row: unchanged. Returns dup. */
  markIdentical(idx: number, off: number): boolean {
    this.lastFound = idx;
    const f = this.flags[idx] as number;
    const dup = (f & F_SEEN) !== 0;
    this.flags[idx] = (f & ~F_STATUS) | F_SEEN | ST_UNCHANGED | (dup ? F_DUP_NEW : 0);
    if (dup) this.repeatedInNew(idx, off);
    return dup;
  }

  /**
   * Old entry idx's key is repeated in the new file, its latest row at `off`. A new file made mostly
   * of repeated keys is the KeyTable's job (it keeps every key's new-file offset in an array, where
   * this needs a map entry per repeated key): UseKeyTable.
   */
  repeatedInNew(idx: number, off: number): void {
    this.lastNew.set(idx, off);
    if (this.lastNew.size > Math.max(4096, this.nOld >>> 4)) {
      throw new UseKeyTable('many repeated keys in the new file');
    }
  }

  /** The slots and their layout, for DiffKernel.matchByKey. */
  slotLayout(): { slots: Int32Array; idxBits: number; homeShift: number } {
    return { slots: this.slots, idxBits: this.idxBits, homeShift: this.homeShift };
  }

  /** Entries up to idx were matched by the native fast path (DiffKernel.matchRows). */
  matchedUpTo(idx: number): void {
    this.lastFound = idx;
  }

  /** Counts changed, unchanged, added and deleted keys. */
  tally(c: Counters): void {
    for (let i = 0; i < this.nOld; i++) {
      const f = this.flags[i] as number;
      if (f & F_SUPERSEDED) continue;
      const st = f & F_STATUS;
      if (st === ST_CHANGED) c.changed++;
      else if (st === ST_UNCHANGED) c.unchanged++;
      else c.deleted++;
    }
    c.added += this.sCount;
  }

  /**
   * Whether the new-file row at `off`, whose key is entry idx's, belongs in the output: its key is
   * added or changed, and the row is the key's last in the new file.
   */
  outputs(idx: number, off: number): boolean {
    const f = this.flagsOf(idx);
    const st = f & F_STATUS;
    if (st !== ST_ADDED && st !== ST_CHANGED) return false;
    if ((f & F_DUP_NEW) === 0) return true;
    return off === (idx < this.nOld ? this.lastNew.get(idx) : this.sOff[idx - this.nOld]);
  }
}
