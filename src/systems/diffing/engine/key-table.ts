// The KeyTable: the old file's keys (dictionary-encoded) and values in an arena, for the diffs the
// keyless table cannot do, and the InternTable of a dictionary-encoded key column. Hand-written hot
// path (one lookup per row of both files).
import { grown } from '../../../platform/csv/bytes.js';
import { valueBytesEqual } from './compare.js';
import { hashBytes, writeVarint } from './bytes.js';
import { ST_ADDED, ST_CHANGED, ST_NONE, ST_UNCHANGED } from './tally.js';

const BLOCK_BITS = 22;

const BLOCK = 1 << BLOCK_BITS; // arena block address space (4 MiB)

const MAX_BLOCKS = 1 << (32 - BLOCK_BITS);

/** Estimated table bytes per key beyond its key/value bytes (slots, entry arrays, varints). */
export const ENTRY_OVERHEAD = 52;

/**
 * Open-addressing slots as (hash, entry + 1) pairs, 0 = empty: the same pairs in a table of twice
 * the capacity (linear probing from hash & mask).
 */
function rehashSlots(old: Int32Array): Int32Array {
  const slots = new Int32Array(old.length * 2);
  const mask = old.length - 1; // capacity doubles: old.length / 2 slots become old.length
  for (let i = 0; i < old.length; i += 2) {
    const e = old[i + 1] as number;
    if (e === 0) continue;
    const h = old[i] as number;
    let s = h & mask;
    while (slots[2 * s + 1] !== 0) s = (s + 1) & mask;
    slots[2 * s] = h;
    slots[2 * s + 1] = e;
  }
  return slots;
}

/**
 * Open-addressing (linear probing) hash table: key bytes → entry. Slots are (hash, entry+1) pairs in
 * one Int32Array; per entry: arena offset of its record, old/new row file offsets, status. The arena
 * is a list of Buffers addressed by one uint32 (block index << 22 | offset); a record is
 * [varint keyLen][key][varint valueLen][value].
 */
export class KeyTable {
  count = 0;
  rec: Uint32Array;
  oldOff: Float64Array;
  newOff: Float64Array;
  status: Uint8Array;
  /** Content length of the old row at oldOff (0: unknown, or a row of several physical lines). */
  oldLen: Uint32Array;
  private slots: Int32Array;
  private mask: number;
  private limit: number;
  private lastSlot = -1;
  private lastFound = -1;
  /** Entry of the last applyNew() call. */
  lastApplied = -1;
  /** The row offset the last repeat replaced: the repeated key's earlier row in the same file. */
  earlierOff = -1;
  /** Sink for KeyTable.touch results (keeps the loads from being optimised away). */
  sink = 0;
  private readonly blocks: Buffer[] = [];
  private cur: Buffer;
  private curPos = 0;
  private nextBlockSize: number;

  constructor(expectedKeys: number, expectedArenaBytes = expectedKeys * 64) {
    const n = Math.max(16, Math.ceil(expectedKeys));
    let cap = 16;
    while (cap * 0.7 < n) cap *= 2;
    this.slots = new Int32Array(cap * 2);
    this.mask = cap - 1;
    this.limit = Math.floor(cap * 0.7);
    this.rec = new Uint32Array(n);
    this.oldOff = new Float64Array(n);
    this.newOff = new Float64Array(n);
    this.status = new Uint8Array(n);
    this.oldLen = new Uint32Array(n);
    const first = Math.min(BLOCK, Math.max(64 * 1024, Math.ceil(expectedArenaBytes)));
    this.cur = Buffer.allocUnsafe(first);
    this.blocks.push(this.cur);
    this.nextBlockSize = Math.min(BLOCK, first * 2);
  }

  /** Entry index of the key, or -1 (then the next insert() goes to the probed free slot). */
  lookup(key: Uint8Array, start: number, len: number, h: number): number {
    const slots = this.slots;
    const mask = this.mask;
    let s = h & mask;
    for (;;) {
      const e = slots[2 * s + 1] as number;
      if (e === 0) {
        this.lastSlot = s;
        return -1;
      }
      if (slots[2 * s] === h && this.keyEquals(e - 1, key, start, len)) {
        this.lastFound = e - 1;
        return e - 1;
      }
      s = (s + 1) & mask;
    }
  }

  /**
   * Loads the home slot of hash h into cache and returns its content. Callers touch a batch of
   * hashes first, then look them up: the independent loads overlap (memory-level parallelism), which
   * is the only "prefetch" available in JS and roughly halves the cost of table misses.
   */
  touch(h: number): number {
    return this.slots[2 * (h & this.mask) + 1] as number;
  }

  /**
   * The next steps of a batch's "prefetch" (see touch), each over the whole batch before the next:
   * the record address of the entry in h's home slot (usually the key's entry: linear probing at a
   * load below 0.75), then (touchKey) the record's first byte in its arena block. A new file in
   * another order misses the cache three times a row (slot, record address, key bytes) in lookup;
   * touched a batch at a time, the misses of 64 rows overlap instead of coming one after another.
   */
  touchRecord(h: number): number {
    const e = this.slots[2 * (h & this.mask) + 1] as number;
    return e === 0 ? -1 : (this.rec[e - 1] as number);
  }

  /** See touchRecord: r is what it returned. */
  touchKey(r: number): number {
    if (r < 0) return 0;
    return (this.blocks[r >>> BLOCK_BITS] as Buffer)[r & (BLOCK - 1)] as number;
  }

  /** Entry after the last predicted/looked-up entry if it has this key, else -1 (no hashing). */
  predict(key: Uint8Array, start: number, len: number): number {
    const idx = this.lastFound + 1;
    if (idx < this.count && this.keyEquals(idx, key, start, len)) {
      this.lastFound = idx;
      return idx;
    }
    return -1;
  }

  /**
   * The entry after the last predicted/looked-up one when it has a known one-line old row (for the
   * byte-identical fast path), else -1.
   */
  predictedOldRow(): number {
    const idx = this.lastFound + 1;
    return idx < this.count && (this.oldLen[idx] as number) > 0 ? idx : -1;
  }

  oldRowOff(idx: number): number {
    return this.oldOff[idx] as number;
  }

  oldRowLen(idx: number): number {
    return this.oldLen[idx] as number;
  }

  /** The new file's row at `off` is byte-identical to entry idx's old row: unchanged. Returns dup. */
  markIdentical(idx: number, off: number): boolean {
    this.lastFound = idx;
    const dup = (this.newOff[idx] as number) >= 0;
    if (dup) this.earlierOff = this.newOff[idx] as number;
    this.newOff[idx] = off;
    this.status[idx] = ST_UNCHANGED;
    return dup;
  }

  private keyEquals(idx: number, key: Uint8Array, start: number, len: number): boolean {
    const r = this.rec[idx] as number;
    const blk = this.blocks[r >>> BLOCK_BITS] as Buffer;
    let p = r & (BLOCK - 1);
    let kl = blk[p++] as number;
    if (kl >= 0x80) {
      kl &= 0x7f;
      let shift = 7;
      for (;;) {
        const c = blk[p++] as number;
        kl += (c & 0x7f) * 2 ** shift;
        if (c < 0x80) break;
        shift += 7;
      }
    }
    if (kl !== len) return false;
    for (let i = 0; i < len; i++) if (blk[p + i] !== key[start + i]) return false;
    return true;
  }

  /** Inserts a key known to be absent (call right after a lookup that returned -1). */
  insert(
    key: Uint8Array,
    start: number,
    len: number,
    h: number,
    val: Uint8Array,
    vs: number,
    ve: number,
  ): number {
    const idx = this.count;
    if (idx === this.rec.length) this.growEntries();
    this.rec[idx] = this.store(key, start, len, val, vs, ve);
    this.oldOff[idx] = -1;
    this.newOff[idx] = -1;
    this.status[idx] = ST_NONE;
    this.oldLen[idx] = 0;
    const s = this.lastSlot;
    this.slots[2 * s] = h;
    this.slots[2 * s + 1] = idx + 1;
    this.count = idx + 1;
    if (this.count > this.limit) this.growSlots();
    return idx;
  }

  /** Replaces the stored value of an entry (the key is re-stored with it). */
  replaceValue(
    idx: number,
    key: Uint8Array,
    start: number,
    len: number,
    val: Uint8Array,
    vs: number,
    ve: number,
  ): void {
    this.rec[idx] = this.store(key, start, len, val, vs, ve);
  }

  /** Compares the stored value of an entry with val[vs, ve) by the value rule (compare.ts). */
  valueEquals(idx: number, val: Uint8Array, vs: number, ve: number): boolean {
    const r = this.rec[idx] as number;
    const blk = this.blocks[r >>> BLOCK_BITS] as Buffer;
    let p = r & (BLOCK - 1);
    // skip key
    let kl = 0;
    let shift = 0;
    for (;;) {
      const c = blk[p++] as number;
      kl += (c & 0x7f) * 2 ** shift;
      if (c < 0x80) break;
      shift += 7;
    }
    p += kl;
    let vl = 0;
    shift = 0;
    for (;;) {
      const c = blk[p++] as number;
      vl += (c & 0x7f) * 2 ** shift;
      if (c < 0x80) break;
      shift += 7;
    }
    return valueBytesEqual(blk, p, p + vl, val, vs, ve);
  }

  private store(
    key: Uint8Array,
    start: number,
    len: number,
    val: Uint8Array,
    vs: number,
    ve: number,
  ): number {
    const vl = ve - vs;
    const need = len + vl + 10;
    if (this.curPos + need > this.cur.length) this.newBlock(need);
    const b = this.cur;
    const at = ((this.blocks.length - 1) * BLOCK + this.curPos) >>> 0;
    let p = writeVarint(b, this.curPos, len);
    if (len <= 64) {
      for (let i = 0; i < len; i++) b[p + i] = key[start + i] as number;
    } else {
      b.set(key.subarray(start, start + len), p);
    }
    p += len;
    p = writeVarint(b, p, vl);
    if (vl <= 64) {
      for (let i = 0; i < vl; i++) b[p + i] = val[vs + i] as number;
    } else {
      b.set(val.subarray(vs, ve), p);
    }
    this.curPos = p + vl;
    return at;
  }

  private newBlock(need: number): void {
    if (this.blocks.length >= MAX_BLOCKS) throw new Error('diff engine: key arena exceeds 4 GiB');
    const size = Math.max(need, this.nextBlockSize);
    this.nextBlockSize = Math.min(BLOCK, this.nextBlockSize * 2);
    this.cur = Buffer.allocUnsafe(size);
    this.curPos = 0;
    this.blocks.push(this.cur);
  }

  private growEntries(): void {
    const n = Math.ceil(this.rec.length * 1.5) + 16;
    this.rec = grown(this.rec, n);
    this.oldOff = grown(this.oldOff, n);
    this.newOff = grown(this.newOff, n);
    this.status = grown(this.status, n);
    this.oldLen = grown(this.oldLen, n);
  }

  private growSlots(): void {
    this.slots = rehashSlots(this.slots);
    this.mask = this.slots.length / 2 - 1;
    this.limit = Math.floor((this.mask + 1) * 0.7);
  }

  /** Memory held (approximate, for tests/diagnostics). */
  get bytes(): number {
    let arena = 0;
    for (const b of this.blocks) arena += b.length;
    return this.slots.byteLength + this.rec.length * 25 + arena;
  }
}

/** Interning table for one dictionary-encoded key column: field bytes → small integer id. */
export class InternTable {
  count = 0;
  private slots: Int32Array;
  private mask: number;
  private offs: Uint32Array = new Uint32Array(64);
  private lens: Uint32Array = new Uint32Array(64);
  private arena: Buffer = Buffer.allocUnsafe(4096);
  private arenaLen = 0;
  private readonly cache = new Int32Array(256).fill(-1);

  constructor() {
    this.slots = new Int32Array(2 * 256);
    this.mask = 255;
  }

  intern(src: Uint8Array, s: number, len: number): number {
    // Fast path: a 256-entry direct-mapped cache keyed by a cheap signature (length, first, middle
    // and last byte); one byte comparison confirms. Low-cardinality columns almost always hit.
    let sig = len;
    if (len > 0)
      sig +=
        (src[s] as number) * 7 + (src[s + (len >> 1)] as number) * 31 + (src[s + len - 1] as number) * 131;
    sig &= 255;
    const cache = this.cache;
    const c = cache[sig] as number;
    if (c >= 0 && this.lens[c] === len && this.equals(c, src, s, len)) return c;
    const id = this.lookupOrAdd(src, s, len);
    cache[sig] = id;
    return id;
  }

  private lookupOrAdd(src: Uint8Array, s: number, len: number): number {
    const h = hashBytes(src, s, len);
    const slots = this.slots;
    const mask = this.mask;
    let i = h & mask;
    for (;;) {
      const e = slots[2 * i + 1] as number;
      if (e === 0) break;
      if (slots[2 * i] === h && this.lens[e - 1] === len && this.equals(e - 1, src, s, len)) return e - 1;
      i = (i + 1) & mask;
    }
    const id = this.count;
    if (id === this.offs.length) {
      this.offs = grown(this.offs, id * 2);
      this.lens = grown(this.lens, id * 2);
    }
    if (this.arenaLen + len > this.arena.length) {
      const a = Buffer.allocUnsafe(Math.max(this.arena.length * 2, this.arenaLen + len));
      this.arena.copy(a, 0, 0, this.arenaLen);
      this.arena = a;
    }
    for (let j = 0; j < len; j++) this.arena[this.arenaLen + j] = src[s + j] as number;
    this.offs[id] = this.arenaLen;
    this.lens[id] = len;
    this.arenaLen += len;
    slots[2 * i] = h;
    slots[2 * i + 1] = id + 1;
    this.count = id + 1;
    if (this.count * 10 > (mask + 1) * 7) this.grow();
    return id;
  }

  private equals(id: number, src: Uint8Array, s: number, len: number): boolean {
    const a = this.arena;
    const o = this.offs[id] as number;
    for (let j = 0; j < len; j++) if (a[o + j] !== src[s + j]) return false;
    return true;
  }

  private grow(): void {
    this.slots = rehashSlots(this.slots);
    this.mask = this.slots.length / 2 - 1;
  }
}

/** Old-file row; returns true when the key was already present (duplicate, last one wins). */
export function applyOld(
  t: KeyTable,
  kb: Uint8Array,
  ks: number,
  kLen: number,
  h: number,
  vb: Uint8Array,
  vs: number,
  ve: number,
  off: number,
  rowLen = 0,
): boolean {
  let idx = t.lookup(kb, ks, kLen, h);
  let dup = false;
  if (idx < 0) {
    idx = t.insert(kb, ks, kLen, h, vb, vs, ve);
  } else {
    t.replaceValue(idx, kb, ks, kLen, vb, vs, ve);
    dup = true;
    t.earlierOff = t.oldOff[idx] as number;
  }
  t.oldOff[idx] = off;
  t.oldLen[idx] = rowLen;
  return dup;
}

/** New-file row; returns true when the key was already seen in the new file. */
export function applyNew(
  t: KeyTable,
  hintIdx: number,
  kb: Uint8Array,
  ks: number,
  kLen: number,
  h: number,
  vb: Uint8Array,
  vs: number,
  ve: number,
  off: number,
): boolean {
  let idx = hintIdx >= 0 ? hintIdx : t.lookup(kb, ks, kLen, h);
  if (idx < 0) {
    idx = t.insert(kb, ks, kLen, h, vb, vs, vs);
    t.newOff[idx] = off;
    t.status[idx] = ST_ADDED;
    t.lastApplied = idx;
    return false;
  }
  t.lastApplied = idx;
  const dup = (t.newOff[idx] as number) >= 0;
  if (dup) t.earlierOff = t.newOff[idx] as number;
  t.newOff[idx] = off;
  if ((t.oldOff[idx] as number) >= 0) {
    t.status[idx] = t.valueEquals(idx, vb, vs, ve) ? ST_UNCHANGED : ST_CHANGED;
  }
  return dup;
}
