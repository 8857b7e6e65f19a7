/**
 * Diff engine of the "diffing" system: compares a new CSV export of a metric with the previous one
 * and writes only the rows that are new or whose value changed (plus, separately, the rows that
 * disappeared).
 *
 * PERFORMANCE NOTE — this module is hand-written on purpose. Inputs are 10⁶–10⁷ rows (0.1–1 GB);
 * the targets are ~1 s and < 200 MB RSS for 1.1M rows (and faster than DuckDB), bounded memory
 * (< 400 MB) at any size. Therefore: no CSV library and no per-row strings on the hot path. Files
 * are read in 4 MiB chunks and scanned byte by byte (platform/csv/csv-reader.ts); only key and value fields are
 * touched; values are compared as bytes first and parsed only when the bytes differ (compare.ts).
 * In memory the old file's keys are not stored (FpTable, "keyless"): each old row leaves a 62-bit
 * fingerprint of its key (key-fingerprint.ts), its offset and its length; a fingerprint match is
 * checked by reading the row again (RowWindow, RowCheck), and anything that cannot be settled that
 * way (a collision, a new file in another order) redoes the diff with the KeyTable, which stores
 * the keys (dictionary-encoded) and values in an arena (diffClassic).
 * Re-exports mostly repeat the old rows byte for byte, in the same order: when both files have the
 * same header, a new row is first compared with the raw bytes of the old row the table predicts
 * (the entry after the last one matched), read from the old file a second time; equal bytes mean
 * the same key and value, so the row is unchanged without being parsed further, hashed or looked up
 * (FastPath). Added and changed rows are written as the new file is scanned; deleted rows are
 * copied from the old file at the end.
 * The keyless table's old-file scan, index inserts and fast path run in a native kernel when it was
 * built (native/diff-kernel.cc via native-kernel.ts; it leaves every record that is not a plain
 * one-line row to CsvReader), else in the TypeScript code next to each call.
 * When neither table fits memoryBudgetBytes (by estimate) both files are first split into N
 * partitions, each partition pair is diffed on its own (two at a time with a second thread), and
 * the per-partition sorted offset lists are k-way merged so the output keeps the input order. By
 * default the partitions are keyless (diffPartitionedKeyless): split by fingerprint, the old file's
 * rows leave only their print records (the keyless table's arrays) and are read again from the old
 * file itself, the new file's rows are copied into partition CSV files, and each pair goes through
 * the same keyless steps as the in-memory path. If a partition's keyless table cannot go on, the
 * diff is redone with KeyTable partitions (diffPartitioned: keys and values split by key hash into
 * partition files, partition.ts).
 * Measure (npm run bench:diffing; bench/diff-engine-quick.ts) before changing anything here.
 *
 * SEMANTICS
 *  - Output (outPath): the new file's header line (bytes as in the file, including a UTF-8 BOM if
 *    the new file has one), then each new-file row whose key is absent from the old file or whose
 *    value differs, in the new file's order. Row bytes are copied untouched (quoting, number
 *    formatting, embedded newlines); the row TERMINATOR is normalised to the terminator of the new
 *    file's header line ('\r\n' or '\n'; '\n' when the header has none), and the last row always
 *    gets one. deletedPath: the same for rows of the old file whose key is absent from the new file
 *    (old header, old terminator style, old file order).
 *  - Keys compare as exact byte strings after CSV unquoting ("a" ≡ a; empty ≡ empty).
 *  - Values: see compare.ts (identical strings equal — so 'nan' vs 'nan' is unchanged —, else
 *    Python float() + math.isclose(rel_tol=1e-9); anything non-numeric is compared as a string).
 *  - Duplicate keys within one file: the last occurrence wins. For the new file the row is output
 *    (if new/changed) at the position of its LAST occurrence; earlier occurrences are never output.
 *    duplicateKeysOld/New count superseded rows (rows whose key occurs again later), so
 *    rowsNew = added + changed + unchanged + duplicateKeysNew and
 *    rowsOld = changed + unchanged + deleted + duplicateKeysOld. A warning names the first line at
 *    which a key repeats.
 *  - Empty lines anywhere are skipped (they are not rows). Column order may differ between files:
 *    columns are found by name in each file's own header.
 *  - Errors in the input throw DiffInputError (file, path, 1-based physical line where the record
 *    starts, reason); line 0 means "not about a line" (e.g. file missing). Outputs are written to
 *    temp files in tmpDir and renamed into place only on success; on failure they are removed.
 *  - Memory: the in-memory path is used when the keyless table's estimated size (~23 bytes an old
 *    row, 21 a key only in the new file) or the KeyTable's (max of the two files' estimated row
 *    counts × estimated bytes per key) is ≤ memoryBudgetBytes. When only the keyless table fits, it
 *    may grow to 1.15× the budget (estimates are from a sample); beyond that, or when it cannot go
 *    on (see above), the diff is redone partitioned rather than with the KeyTable.
 *
 * No global state: everything lives in the objects created by one runDiff call (safe in workers).
 */
import { randomBytes } from 'node:crypto';
import { closeSync, openSync, readSync, writeSync } from 'node:fs';
import { copyFile, mkdtemp, open, rename, rm, unlink } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import type { Worker } from 'node:worker_threads';
import { startModuleThread } from '../../platform/threads.js';
import { BufferedWriter } from '../../platform/csv/buffered-writer.js';
import { grown, ViewedBuffer } from '../../platform/csv/bytes.js';
import { CsvReader, CsvSyntaxError, END, NEED_MORE, RECORD } from '../../platform/csv/csv-reader.js';
import { splitRecord, unquoteInto } from '../../platform/csv/fields.js';
import { valueBytesEqual } from './engine/compare.js';
import { KeyFingerprint } from './engine/key-fingerprint.js';
import { K_FULL, K_NEED_MORE, M_WINDOW, nativeKernel, type DiffKernel } from './engine/native-kernel.js';
import { hashBytes, writeVarint } from './engine/bytes.js';
import {
  P_NEED_MORE,
  P_RECORD,
  PartitionReader,
  PartitionWriter,
  partitionOf,
} from './engine/partition-files.js';
import { OffsetMerger, OffsetStream, writeOffsets } from './engine/offset-files.js';
import { planPartitionCount } from './engine/plan.js';
import {
  DEFAULT_MEMORY_BUDGET,
  DEFAULT_TUNING,
  DiffInputError,
  type DiffOptions,
  type DiffSpec,
  type DiffStats,
  type Tuning,
  UseKeyTable,
} from './engine/types.js';
import {
  addCounters,
  type Counters,
  finishTable,
  minLine,
  minOffset,
  newCounters,
  ST_ADDED,
  ST_CHANGED,
  ST_NONE,
  ST_UNCHANGED,
  type TableState,
} from './engine/tally.js';
import { Progress } from './engine/progress.js';
export type { DiffSpec } from './engine/types.js';
export type { DiffOptions } from './engine/types.js';
export type { DiffStats } from './engine/types.js';
export { DiffInputError } from './engine/types.js';
export type { Tuning } from './engine/types.js';
export { DEFAULT_MEMORY_BUDGET } from './engine/types.js';

const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);

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

/**
 * Builds the key byte string of the current CSV record: per key column either the dictionary id
 * (varint) or, for raw columns, varint length + unquoted bytes. Unambiguous by construction.
 * Old and new file must be encoded by the same KeyEncoder instance.
 */
export class KeyEncoder {
  kb: Buffer = Buffer.allocUnsafe(1024);
  private tmp: Buffer = Buffer.allocUnsafe(1024);

  constructor(private readonly dicts: (InternTable | null)[]) {}

  /** Encodes into this.kb at 0; returns the key length. */
  encode(rd: CsvReader, cols: Int32Array): number {
    const need = rd.recEnd - rd.recStart + 5 * cols.length;
    if (this.kb.length < need) this.kb = Buffer.allocUnsafe(need * 2);
    return this.encodeInto(rd, cols, this.kb, 0);
  }

  /** Encodes into dst at `at`; returns the end position. dst needs recLen + 5·cols bytes of room. */
  encodeInto(rd: CsvReader, cols: Int32Array, kb: Uint8Array, at: number): number {
    const b = rd.buf;
    const fS = rd.fStart;
    const fE = rd.fEnd;
    const fQ = rd.fQuoted;
    const dicts = this.dicts;
    let p = at;
    for (let k = 0; k < cols.length; k++) {
      const c = cols[k] as number;
      let src: Uint8Array = b;
      let s = fS[c] as number;
      let e = fE[c] as number;
      if (fQ[c] === 1) {
        if (this.tmp.length < e - s) this.tmp = Buffer.allocUnsafe((e - s) * 2);
        e = unquoteInto(b, s, e, this.tmp, 0);
        s = 0;
        src = this.tmp;
      }
      const d = dicts[k];
      if (d) {
        const id = d.intern(src, s, e - s);
        if (id < 0x80) kb[p++] = id;
        else p = writeVarint(kb, p, id);
      } else {
        const len = e - s;
        if (len < 0x80) kb[p++] = len;
        else p = writeVarint(kb, p, len);
        for (let j = s; j < e; j++) kb[p++] = src[j] as number;
      }
    }
    return p;
  }
}

interface Input {
  which: 'old' | 'new';
  path: string;
  spec: DiffSpec;
  rd: CsvReader;
  nCols: number;
  keyCols: Int32Array;
  valCol: number;
  /** Header line bytes as in the file (BOM included), without terminator. */
  header: Buffer;
  /** Terminator used for every output row taken from this file. */
  term: Buffer;
  size: number;
}

function inputError(
  inp: { which: 'old' | 'new'; path: string },
  line: number,
  reason: string,
): DiffInputError {
  return new DiffInputError(inp.which, inp.path, line, reason);
}

async function scanOrThrow(inp: Input): Promise<number> {
  const rd = inp.rd;
  for (;;) {
    let r: number;
    try {
      r = rd.next();
    } catch (e) {
      if (e instanceof CsvSyntaxError) throw inputError(inp, e.line, e.reason);
      throw e;
    }
    if (r !== NEED_MORE) return r;
    await fillOrThrow(inp);
  }
}

async function fillOrThrow(inp: { which: 'old' | 'new'; path: string; rd: CsvReader }): Promise<void> {
  try {
    await inp.rd.fill();
  } catch (e) {
    throw inputError(inp, 0, `cannot read file: ${(e as Error).message}`);
  }
}

function nextRecord(inp: Input): number {
  try {
    return inp.rd.next();
  } catch (e) {
    if (e instanceof CsvSyntaxError) throw inputError(inp, e.line, e.reason);
    throw e;
  }
}

async function openInput(
  which: 'old' | 'new',
  path: string,
  spec: DiffSpec,
  chunkSize: number,
): Promise<Input> {
  let rd: CsvReader;
  try {
    rd = await CsvReader.open(path, chunkSize, true);
  } catch (e) {
    throw new DiffInputError(which, path, 0, `cannot open file: ${(e as Error).message}`);
  }
  const partial = { which, path, spec, rd } as Input;
  try {
    const r = await scanOrThrow(partial);
    if (r === END) throw inputError(partial, 1, 'file is empty (no header line)');
    const names = rd.fieldValues();
    const find = (name: string, what: string): number => {
      const i = names.indexOf(name);
      if (i < 0) {
        throw inputError(
          partial,
          rd.line,
          `missing ${what} column '${name}' in header (columns: ${names.join(', ')})`,
        );
      }
      if (names.indexOf(name, i + 1) >= 0) {
        throw inputError(partial, rd.line, `${what} column '${name}' appears more than once in the header`);
      }
      return i;
    };
    const keyCols = Int32Array.from(spec.keys.map((k) => find(k, 'key')));
    const valCol = find(spec.value, 'value');
    // The header line as in the file, its BOM included (the record may not start at buf[0]).
    const header = Buffer.concat([
      rd.bom ? UTF8_BOM : Buffer.alloc(0),
      rd.buf.subarray(rd.recStart, rd.recEnd),
    ]);
    let term = rd.terminator();
    if (term.length === 0) term = Buffer.from('\n');
    return Object.assign(partial, {
      nCols: names.length,
      keyCols,
      valCol,
      header,
      term,
      size: rd.size,
    });
  } catch (e) {
    await rd.close();
    throw e;
  }
}

/**
 * Whether the reader's current record is a data row: a blank line is not (false); a record with
 * another number of fields than the header is an error (thrown).
 */
function isRow(inp: Input): boolean {
  const rd = inp.rd;
  if (rd.nFields !== inp.nCols) {
    if (rd.isBlank()) return false;
    throw raggedError(inp);
  }
  return !(inp.nCols === 1 && rd.isBlank());
}

function raggedError(inp: Input): DiffInputError {
  return inputError(
    inp,
    inp.rd.line,
    `wrong number of fields: expected ${inp.nCols} (as in the header), got ${inp.rd.nFields}`,
  );
}

interface Sample {
  rows: number;
  /** Estimated data rows in the whole file. */
  estRows: number;
  avgRawKey: number;
  avgValue: number;
  /** Per key column: distinct values / rows in the sample. */
  distinctRatio: number[];
  /** Per key column: average raw length. */
  avgColLen: number[];
  /** Per key column: distinct values in the sample. */
  distinct: number[];
}

const SAMPLE_ROWS = 5_000;

/** Looks at the rows already in the reader's first chunk (does not consume them). */
function sampleInput(inp: Input): Sample {
  const rd = inp.rd;
  const saved = rd.snapshot();
  const k = inp.keyCols.length;
  // Distinct raw field bytes per key column (an InternTable counts them without creating strings).
  const sets: InternTable[] = Array.from({ length: k }, () => new InternTable());
  const colLen = new Array<number>(k).fill(0);
  let rows = 0;
  let valBytes = 0;
  let firstOff = -1;
  let lastEnd = 0;
  let r: number = RECORD;
  try {
    while (rows < SAMPLE_ROWS) {
      r = rd.next();
      if (r !== RECORD) break;
      if (rd.nFields !== inp.nCols) continue;
      if (firstOff < 0) firstOff = rd.recordOffset;
      lastEnd = rd.base + rd.pos;
      for (let j = 0; j < k; j++) {
        const c = inp.keyCols[j] as number;
        const s = rd.fStart[c] as number;
        const e = rd.fEnd[c] as number;
        colLen[j] = (colLen[j] as number) + (e - s);
        (sets[j] as InternTable).intern(rd.buf, s, e - s);
      }
      valBytes += (rd.fEnd[inp.valCol] as number) - (rd.fStart[inp.valCol] as number);
      rows++;
    }
  } catch (e) {
    if (!(e instanceof CsvSyntaxError)) throw e; // reported by the real pass
  }
  rd.restore(saved);
  const avgColLen = colLen.map((x) => (rows ? x / rows : 0));
  const rawKey = avgColLen.reduce((a, b) => a + b + 1, 0);
  let estRows = rows;
  if (r !== END && rows > 0 && lastEnd > firstOff) {
    estRows = Math.ceil(((inp.size - firstOff) * rows) / (lastEnd - firstOff));
  }
  return {
    rows,
    estRows,
    avgRawKey: rawKey,
    avgValue: rows ? valBytes / rows : 0,
    distinctRatio: sets.map((s) => (rows ? s.count / rows : 1)),
    distinct: sets.map((s) => s.count),
    avgColLen,
  };
}

/**
 * Dictionary-encode a key column when it looks low-cardinality in the sample and its values are long
 * enough for an id to save memory (short columns are cheaper to copy than to intern).
 */
function useDictionary(sample: Sample, j: number): boolean {
  return (sample.distinctRatio[j] as number) <= 0.5 && (sample.avgColLen[j] as number) >= 4;
}

/** Copies the records starting at the given increasing offsets from a CSV file to a writer. */
async function copyRows(
  inp: { which: 'old' | 'new'; path: string },
  nextOffset: () => number,
  total: number,
  w: BufferedWriter,
  term: Uint8Array,
  progress: Progress,
  lo: number,
  hi: number,
  chunkSize: number,
): Promise<void> {
  if (total === 0) return;
  let rd: CsvReader;
  try {
    rd = await CsvReader.open(inp.path, chunkSize);
  } catch (e) {
    throw new DiffInputError(inp.which, inp.path, 0, `cannot open file: ${(e as Error).message}`);
  }
  const src = { ...inp, rd };
  try {
    let done = 0;
    const step = Math.max(1, Math.floor(total / 100));
    for (let off = nextOffset(); off >= 0; off = nextOffset()) {
      rd.seek(off);
      let r = rd.next();
      while (r === NEED_MORE) {
        await fillOrThrow(src);
        r = rd.next();
      }
      if (r !== RECORD) throw new Error(`internal error: no record at offset ${off} of ${inp.path}`);
      w.write(rd.buf, rd.recStart, rd.recEnd);
      w.write(term, 0, term.length);
      if (++done % step === 0) progress.at(lo, hi, done / total);
    }
  } finally {
    await rd.close();
  }
}

function arrayCursor(a: Float64Array): () => number {
  let i = 0;
  return () => (i < a.length ? (a[i++] as number) : -1);
}

const BATCH = 64;

/** The fast path gives up when fewer than 1 in 4 of its first attempts (checked every FAST_CHECK) hit. */
const FAST_CHECK = 4096;

/** Read size when the fast path looks at an old row away from the window (a row out of place). */
const OLD_ROWS_JUMP = 64 * 1024;

/** Bytes a RowWindow keeps before the row it moves on to. */
const WINDOW_BACK = 64 * 1024;

/**
 * A file's bytes, read a second time (from the page cache) through a window: for the new-file fast
 * path an old row is looked at where the table says it is, and the keyless table re-reads the rows
 * it must check. The window moves on by reads of 1 MiB as the scan advances; a look elsewhere (a row
 * out of place, then back) reads 64 KiB there. Fast-path tries (`at`) are limited to reads of twice
 * the file: in a new file in another order the fast path keeps missing, and then it reads no more;
 * `need` always reads.
 */
class RowWindow {
  private readonly mem: ViewedBuffer;
  private base = 0;
  private len = 0;
  private budget: number;

  constructor(
    private readonly fd: number,
    private readonly size: number,
  ) {
    this.mem = new ViewedBuffer(Math.min(1024 * 1024, Math.max(OLD_ROWS_JUMP, size)));
    this.budget = 2 * size + this.mem.bytes.length;
  }

  static open(path: string, size: number): RowWindow | null {
    let fd = -1;
    try {
      fd = openSync(path, 'r');
      return new RowWindow(fd, size);
    } catch {
      if (fd >= 0) closeSync(fd);
      return null; // the scans report real read errors
    }
  }

  get bytes(): Buffer {
    return this.mem.bytes;
  }

  get view(): DataView {
    return this.mem.view;
  }

  /** File offset of bytes[0]. */
  get start(): number {
    return this.base;
  }

  /** Bytes of the file in the window. */
  get length(): number {
    return this.len;
  }

  /** True once reads reached twice the file's size (rows looked at in another order than the file's). */
  get overBudget(): boolean {
    return this.budget <= 0;
  }

  /** Starts counting reads again (a new pass). */
  resetBudget(): void {
    this.budget = 2 * this.size + this.mem.bytes.length;
  }

  /** Position in `bytes` of the file's bytes [off, off + len), or -1 (fast-path tries). */
  at(off: number, len: number): number {
    if (off >= this.base && off + len <= this.base + this.len) return off - this.base;
    if (len > this.mem.bytes.length || this.budget <= 0) return -1;
    return this.read(off, len, OLD_ROWS_JUMP);
  }

  /** Position in `bytes` of the file's bytes [off, off + len); reads them wherever they are. */
  need(off: number, len: number): number {
    if (off >= this.base && off + len <= this.base + this.len) return off - this.base;
    this.mem.reserve(len);
    const at = this.read(off, len, 4096);
    if (at < 0) throw new Error(`internal error: cannot re-read ${len} bytes at offset ${off}`);
    return at;
  }

  /** Reads exactly the file's bytes [off, off + len) into `into`, leaving the window as it is. */
  exact(off: number, len: number, into: ViewedBuffer): void {
    into.reserve(len);
    if (readSync(this.fd, into.bytes, 0, len, off) < len) {
      throw new Error(`internal error: cannot re-read ${len} bytes at offset ${off}`);
    }
  }

  /**
   * Reads at `off`: the whole window when moving on (from up to WINDOW_BACK bytes before off, so
   * that a row just behind, such as the old row of a key the new file repeats next, stays in), else
   * `jump` bytes (at least len).
   */
  private read(off: number, len: number, jump: number): number {
    const buf = this.mem.bytes;
    const movingOn = off >= this.base && off <= this.base + this.len + buf.length;
    const want = movingOn ? buf.length : Math.min(buf.length, Math.max(jump, len));
    const back = movingOn ? Math.max(0, Math.min(off, WINDOW_BACK, buf.length - len)) : 0;
    const n = readSync(this.fd, buf, 0, want, off - back);
    this.budget -= n;
    this.base = off - back;
    this.len = n;
    return back + len <= n ? back : -1;
  }

  close(): void {
    closeSync(this.fd);
  }
}

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
}

/**
 * The new-file fast path (both files have the same header): re-exports mostly repeat the old rows
 * byte for byte in the same order, so the next new row is compared with the raw bytes of the old row
 * of the entry after the last one found, read through a RowWindow; equal bytes are the same one-line
 * record, hence the same key and value: unchanged, without parsing, hashing or lookup. It switches
 * itself off when fewer than 1 in 4 of its tries hit (another order, or most values changed).
 */
class FastPath {
  on: boolean;
  identical = 0;
  dups = 0;
  firstDup = 0;
  /** File offset of the row on line firstDup (-1: none). */
  firstDupOff = -1;
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
      }
    }
    return true;
  }
}

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
  let n = 0;
  let p = 0;
  let rows = 0;
  let dups = 0;
  let firstDup = 0;
  let sink = 0;

  const flush = (): void => {
    const buf = rd.buf;
    if (isNew) {
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
        }
        hint[k] = idx;
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
        if (firstDup === 0) firstDup = lines[k] as number;
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
    c.firstDupNew = minLine(minLine(c.firstDupNew, firstDup), fast.firstDup);
  } else {
    c.rowsOld += rows;
    c.dupOld += dups;
    c.firstDupOld = minLine(c.firstDupOld, firstDup);
  }
}

/** Old-file row; returns true when the key was already present (duplicate, last one wins). */
function applyOld(
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
  }
  t.oldOff[idx] = off;
  t.oldLen[idx] = rowLen;
  return dup;
}

/** New-file row; returns true when the key was already seen in the new file. */
function applyNew(
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
  t.newOff[idx] = off;
  if ((t.oldOff[idx] as number) >= 0) {
    t.status[idx] = t.valueEquals(idx, vb, vs, ve) ? ST_UNCHANGED : ST_CHANGED;
  }
  return dup;
}

/** Per-entry flags of the keyless table: the status (ST_*) in the low two bits, then these. */
const F_STATUS = 3;

/** The reference row is one physical line (the fast path compares only those). */
const F_ONE_LINE = 4;

/** The key was seen in the new file. */
const F_SEEN = 8;

/** An old row whose key a later old row repeats: no longer an entry. */
const F_SUPERSEDED = 16;

/** The reference row is in the new file (a key only in the new file). */
const F_NEW_ROW = 32;

/** The key is repeated in the new file. */
const F_DUP_NEW = 64;

/** RowPrints.len of a row whose content length does not fit 16 bits (it is in bigLen). */
const LEN_BIG = 0xffff;

/** Offsets are stored in 40 bits; the keyless table is not used for larger files. */
const OFFSET_LIMIT = 2 ** 40;

/** Bytes per entry in RowPrints' arrays. */
const PRINT_BYTES = 16;

/** Slots per entry when the slots are built (load 0.62), and the load that grows them. */
const SLOTS_PER_ENTRY = 1 / 0.62;

const MAX_LOAD = 0.72;

/** Bytes per old row of the keyless table (entries with 5 % slack, slots): ~23. */
export const FP_BYTES_PER_ROW = PRINT_BYTES * 1.05 + 4 * SLOTS_PER_ENTRY;

/** Bytes per entry of a key only in the new file (side arrays, slots). */
const SIDE_BYTES = 21;

/**
 * Per row of a CSV file: its key fingerprint (h1, h2: key-fingerprint.ts), file offset (a 32-bit low
 * and an 8-bit high part), content length (16 bits; longer rows in bigLen) and flags (F_*): 16 bytes
 * a row. Filled by scanPrints, natively or row by row.
 */
class RowPrints {
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
   * Returns the repeats and the offset of the first superseding row (-1: none).
   */
  build(
    sameKey: (earlier: number, later: number) => void,
    kernel: DiffKernel | null,
    expectedNew: number,
  ): { dups: number; firstDupOff: number } {
    const n = this.count;
    this.nOld = n;
    this.sH1 = new Int32Array(Math.max(1024, Math.ceil(expectedNew)));
    this.sH2 = new Int32Array(this.sH1.length);
    this.sOff = new Float64Array(this.sH1.length);
    this.sLen = new Uint32Array(this.sH1.length);
    this.sFlags = new Uint8Array(this.sH1.length);
    this.allocSlots(Math.ceil((n + 16) * SLOTS_PER_ENTRY), 2 * n + 16);
    let dups = 0;
    let firstDupOff = -1;
    const repeat = (first: number, i: number): void => {
      sameKey(first, i);
      this.setRow(first, this.offAt(i), this.lenAt(i), this.flags[i] as number);
      this.flags[i] = F_SUPERSEDED;
      this.bigLen.delete(i);
      dups++;
      const off = this.offAt(i);
      firstDupOff = minOffset(firstDupOff, off);
    };
    this.insertOld(kernel, repeat);
    this.live = n - dups;
    return { dups, firstDupOff };
  }

  /** Empty slots, about `cap` of them, for entry numbers below `entries`. */
  private allocSlots(cap: number, entries: number): void {
    let bits = 4;
    while (2 ** bits <= entries && bits < 30) bits++;
    if (2 ** bits <= entries) throw new UseKeyTable('too many keys for the keyless table');
    this.checkBytes(this.bytes + cap * 4);
    this.slots = new Int32Array(Math.max(16, cap));
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
class RowCheck {
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

/** Where the keyless diff puts the rows it outputs. */
interface RowSink {
  /** An output row: its bytes buf[start, end), at file offset `off`. */
  row(buf: Uint8Array, start: number, end: number, off: number): void;
}

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
 * Every row of a file into `p` (key fingerprint, offset, length, one-line flag): the plain records
 * natively when the kernel is there (it stops before any other record, which CsvReader then reads),
 * the others row by row. `full()` makes room in p; `rows()` is called when rows were appended, while
 * their bytes are still in the reader's buffer (at offset - rd.base). Returns the rows read.
 */
async function scanPrints(
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
 * Old file into the keyless table: each row's key fingerprint, offset and length are appended in
 * file order, then indexed (FpTable.build); a repeated key is checked against the earlier row.
 * Returns the offset of the first row that repeats a key (-1: none; the caller names its line).
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
): Promise<number> {
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

/**
 * Indexes the old rows appended to the keyless table (FpTable.build). A repeated key is checked by
 * reading both rows exactly where they are in the old file (`win`; they may be far apart); a file
 * made mostly of them is the KeyTable's job (it stores keys), not re-reads'. Returns the offset of
 * the first row that repeats a key (-1: none).
 */
function indexOld(
  inp: Input,
  t: FpTable,
  check: RowCheck,
  win: RowWindow,
  c: Counters,
  kernel: DiffKernel | null,
  expectedNew: number,
): number {
  const row = new ViewedBuffer(256);
  const maxRepeats = Math.max(4096, t.count >>> 4);
  let repeats = 0;
  const { dups, firstDupOff } = t.build(
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
  return firstDupOff;
}

/** The 1-based physical line at byte offset `off` of a file, counted as CsvReader does (LF, CRLF, CR). */
async function lineAt(path: string, off: number): Promise<number> {
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
 * New file against the keyless table, one row at a time in file order. With `fast` (both files have
 * the same header), a row whose bytes are exactly those of the predicted entry's old row is
 * unchanged without being parsed further (as in scanIntoTable). Other rows are fingerprinted, found
 * (predicted entry first, then the hash table), checked against their reference row, and compared
 * by value; added and changed rows go to `out` as soon as they are known. Returns the offset of the
 * first row that repeats a key (-1: none).
 */
async function scanNewKeyless(
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
): Promise<number> {
  const rd = inp.rd;
  const keyCols = inp.keyCols;
  let newWin: RowWindow | null = null;
  let rows = 0;
  let dups = 0;
  let firstDup = 0;
  let firstDupOff = -1;
  oldWin.resetBudget();
  try {
    for (;;) {
      if (fast.on) {
        if (kernel !== null) {
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
            const at = oldWin.need(refOff, refLen);
            if (oldWin.overBudget) {
              // The old rows are looked at in another order than the file's (so is the new file):
              // a read for each would cost more than the KeyTable.
              throw new UseKeyTable('new file in another order');
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
          }
        } else if (st === ST_ADDED || st === ST_CHANGED) {
          out.row(rd.buf, rd.recStart, rd.recEnd, off);
        }
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
  c.firstDupNew = minLine(minLine(c.firstDupNew, firstDup), fast.firstDup);
  return minOffset(firstDupOff, fast.firstDupOff);
}

/**
 * A key repeated in the new file may have superseded rows already output: the output is made again
 * (into `out`, emptied by the caller), reading the new file once more (`inp`, a fresh reader) and
 * keeping each row that FpTable.outputs says belongs in it.
 */
async function rewriteKeyless(
  t: FpTable,
  inp: Input,
  kf: KeyFingerprint,
  kernel: DiffKernel | null,
  mask: Int32Array,
  out: RowSink,
  progress: Progress,
): Promise<void> {
  const rd = inp.rd;
  const batch = new RowPrints(4096);
  const flush = (): void => {
    for (let k = 0; k < batch.count; k++) {
      const idx = t.find(batch.h1[k] as number, batch.h2[k] as number);
      const off = batch.offAt(k);
      if (idx < 0) throw new Error(`internal error: a new-file row at offset ${off} is not in the table`);
      if (!t.outputs(idx, off)) continue;
      const at = off - rd.base;
      out.row(rd.buf, at, at + batch.lenAt(k), off);
    }
    batch.clear();
  };
  await scanPrints(inp, kf, kernel, mask, batch, flush, flush, () =>
    progress.at(0.9, 0.97, rd.consumed / Math.max(1, inp.size)),
  );
}

/**
 * The in-memory path: the keyless table first; if a key fingerprint ever matches a different key
 * (about 2⁻⁶² per pair of keys, or tests that weaken the fingerprint), the new file comes in another
 * order, or the table outgrows `maxBytes`, the diff starts again on fresh readers (`reopen`) with
 * `fallback` (the KeyTable in memory, or the partitioned path when that does not fit the budget).
 */
async function diffInMemory(
  oldIn: Input,
  newIn: Input,
  oldSample: Sample,
  newSample: Sample,
  outW: BufferedWriter,
  delW: BufferedWriter,
  c: Counters,
  progress: Progress,
  tuning: Tuning,
  maxBytes: number,
  reopen: (which: 'old' | 'new') => Promise<Input>,
  fallback: (oldIn: Input, newIn: Input) => Promise<void>,
): Promise<DiffStats['table']> {
  const headerBytes = outW.written;
  const win =
    tuning.keyless && oldIn.size < OFFSET_LIMIT && newIn.size < OFFSET_LIMIT
      ? RowWindow.open(oldIn.path, oldIn.size)
      : null;
  if (win !== null) {
    try {
      const t = new FpTable(oldSample.estRows * 1.05 + 16, maxBytes);
      const kf = new KeyFingerprint(tuning.fingerprintMask);
      const mask = Int32Array.from(tuning.fingerprintMask);
      const kernel = tuning.native ? nativeKernel() : null;
      const expectedNew = Math.max(0.02 * newSample.estRows, newSample.estRows - oldSample.estRows);
      const firstDupOld = await scanOldKeyless(
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
      if (firstDupOld >= 0) c.firstDupOld = await lineAt(oldIn.path, firstDupOld);
      await oldIn.rd.close();
      // Byte-identical rows are recognised without parsing when both files have the same header.
      const fast = new FastPath(oldIn.header.equals(newIn.header) ? win : null);
      const out = writerSink(outW, newIn.term);
      await scanNewKeyless(
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
      );
      await newIn.rd.close();
      t.tally(c);
      if (c.dupNew > 0) {
        outW.truncate(headerBytes);
        await rewriteKeyless(t, await reopen('new'), kf, kernel, mask, out, progress);
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

/** The in-memory path with the KeyTable (keys and values stored, dictionary-encoded). */
async function diffClassic(
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

/**
 * The keyless table's deleted entries (old rows whose key the new file does not have), in old-file
 * order (entries are in that order, except one that took the row of a later repeat of its key).
 */
function deletedInOrder(t: FpTable): Int32Array {
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

async function splitIntoPartitions(
  inp: Input,
  writers: PartitionWriter[],
  c: Counters,
  isNew: boolean,
  progress: Progress,
  lo: number,
  hi: number,
): Promise<void> {
  const rd = inp.rd;
  const enc = new KeyEncoder(Array.from(inp.keyCols, () => null));
  const n = writers.length;
  const valCol = inp.valCol;
  let vtmp = Buffer.allocUnsafe(256);
  let rows = 0;
  for (;;) {
    const r = nextRecord(inp);
    if (r === RECORD) {
      if (!isRow(inp)) continue;
      const kLen = enc.encode(rd, inp.keyCols);
      const h = hashBytes(enc.kb, 0, kLen);
      let vb: Uint8Array = rd.buf;
      let vs = rd.fStart[valCol] as number;
      let ve = rd.fEnd[valCol] as number;
      if (rd.fQuoted[valCol] === 1) {
        if (vtmp.length < ve - vs) vtmp = Buffer.allocUnsafe((ve - vs) * 2);
        ve = unquoteInto(vb, vs, ve, vtmp, 0);
        vs = 0;
        vb = vtmp;
      }
      (writers[partitionOf(h, n)] as PartitionWriter).add(
        rd.base + rd.recStart,
        rd.line,
        enc.kb,
        kLen,
        vb,
        vs,
        ve,
      );
      rows++;
    } else if (r === NEED_MORE) {
      await fillOrThrow(inp);
      progress.at(lo, hi, rd.consumed / Math.max(1, inp.size));
    } else {
      break;
    }
  }
  if (isNew) c.rowsNew += rows;
  else c.rowsOld += rows;
}

async function readPartition(path: string, t: KeyTable, c: Counters, isNew: boolean): Promise<void> {
  const pr = await PartitionReader.open(path);
  let dups = 0;
  let firstDup = 0;
  try {
    for (;;) {
      const r = pr.next();
      if (r === P_RECORD) {
        const b = pr.buf;
        const h = hashBytes(b, pr.kStart, pr.kLen);
        const dup = isNew
          ? applyNew(
              t,
              t.predict(b, pr.kStart, pr.kLen),
              b,
              pr.kStart,
              pr.kLen,
              h,
              b,
              pr.vStart,
              pr.vEnd,
              pr.offset,
            )
          : applyOld(t, b, pr.kStart, pr.kLen, h, b, pr.vStart, pr.vEnd, pr.offset);
        if (dup) {
          dups++;
          if (firstDup === 0) firstDup = pr.line;
        }
      } else if (r === P_NEED_MORE) {
        await pr.fill();
      } else {
        break;
      }
    }
  } finally {
    await pr.close();
  }
  if (isNew) {
    c.dupNew += dups;
    c.firstDupNew = minLine(c.firstDupNew, firstDup);
  } else {
    c.dupOld += dups;
    c.firstDupOld = minLine(c.firstDupOld, firstDup);
  }
}

/** One partition file as written by the split phase. */
interface PartFile {
  path: string;
  rows: number;
  keyValueBytes: number;
}

/** Diff of one partition pair: everything a thread needs (plain data, can be posted to a worker). */
interface PartitionTask {
  kind: 'partition';
  old: PartFile;
  new: PartFile;
  /** Sorted new-file offsets to output / old-file offsets deleted are written here. */
  emitPath: string;
  delPath: string;
}

/** Split of one CSV file into partition files (plain data, can be posted to a worker). */
interface SplitTask {
  kind: 'split';
  which: 'old' | 'new';
  path: string;
  spec: DiffSpec;
  chunkSize: number;
  partPaths: string[];
  bufSize: number;
}

export type ThreadTask = PartitionTask | SplitTask | KeylessSplitTask | KeylessPartitionTask;

interface PartitionResult {
  counters: Counters;
  nEmit: number;
  nDel: number;
}

interface SplitResult {
  rows: number;
  parts: PartFile[];
}

export type ThreadResult = PartitionResult | SplitResult | KeylessSplitResult | KeylessPartitionResult;

async function diffPartitionTask(task: PartitionTask): Promise<PartitionResult> {
  const c = newCounters();
  const op = task.old;
  const np = task.new;
  const expected = Math.max(op.rows, np.rows) + 16;
  const t = new KeyTable(expected, op.keyValueBytes + op.rows * 2 + 1024);
  await readPartition(op.path, t, c, false);
  await unlink(op.path);
  await readPartition(np.path, t, c, true);
  await unlink(np.path);
  const { emit, del } = finishTable(t, c);
  writeOffsets(task.emitPath, emit);
  writeOffsets(task.delPath, del);
  return { counters: c, nEmit: emit.length, nDel: del.length };
}

/** Splits an already opened input (header consumed) into partition files; adds its rows to c. */
async function splitInput(
  inp: Input,
  partPaths: string[],
  bufSize: number,
  c: Counters,
  progress: Progress,
  lo: number,
  hi: number,
): Promise<PartFile[]> {
  const writers: PartitionWriter[] = [];
  try {
    for (const path of partPaths) writers.push(new PartitionWriter(path, bufSize));
    await splitIntoPartitions(inp, writers, c, inp.which === 'new', progress, lo, hi);
  } finally {
    for (const w of writers) w.close();
    await inp.rd.close();
  }
  return writers.map((w) => ({ path: w.path, rows: w.rows, keyValueBytes: w.keyValueBytes }));
}

async function splitTask(task: SplitTask): Promise<SplitResult> {
  const inp = await openInput(task.which, task.path, task.spec, task.chunkSize);
  const c = newCounters();
  const parts = await splitInput(inp, task.partPaths, task.bufSize, c, new Progress(undefined), 0, 1);
  return { rows: task.which === 'new' ? c.rowsNew : c.rowsOld, parts };
}

/** Runs one task of the threaded partitioned path (in diff-thread.worker.ts, or inline). */
export function runThreadTask(task: ThreadTask): Promise<ThreadResult> {
  switch (task.kind) {
    case 'split':
      return splitTask(task);
    case 'partition':
      return diffPartitionTask(task);
    case 'ksplit':
      return keylessSplitTask(task);
    case 'kpartition':
      return diffKeylessPartitionTask(task);
  }
}

/** An error as posted back by a worker: input errors keep their fields. */
export type ThreadError =
  | { kind: 'input'; file: 'old' | 'new'; path: string; line: number; reason: string }
  | { kind: 'keytable'; message: string }
  | { kind: 'other'; message: string; stack?: string };

export function toThreadError(e: unknown): ThreadError {
  if (e instanceof DiffInputError) {
    return { kind: 'input', file: e.file, path: e.path, line: e.line, reason: e.reason };
  }
  if (e instanceof UseKeyTable) return { kind: 'keytable', message: e.message };
  const err = e instanceof Error ? e : new Error(String(e));
  return { kind: 'other', message: err.message, ...(err.stack ? { stack: err.stack } : {}) };
}

function fromThreadError(e: ThreadError): Error {
  if (e.kind === 'input') return new DiffInputError(e.file, e.path, e.line, e.reason);
  if (e.kind === 'keytable') return new UseKeyTable(e.message);
  const err = new Error(`diff thread: ${e.message}`);
  if (e.stack) err.stack = `diff thread: ${e.stack}`;
  return err;
}

/** Message from diff-thread.worker.ts. */
export type ThreadReply =
  { id: number; ok: true; result: ThreadResult } | { id: number; ok: false; error: ThreadError };

/** A second thread for the partitioned path: runs ThreadTasks one at a time. Always close() it. */
class DiffThread {
  private readonly worker: Worker;
  private readonly pending = new Map<
    number,
    { resolve: (r: ThreadResult) => void; reject: (e: Error) => void }
  >();
  private nextId = 1;
  private failure: Error | undefined;
  private closed = false;

  constructor() {
    this.worker = startModuleThread(new URL('./diff-thread.worker.js', import.meta.url));
    this.worker.on('message', (m: ThreadReply) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (m.ok) p.resolve(m.result);
      else p.reject(fromThreadError(m.error));
    });
    this.worker.on('error', (e: Error) => this.fail(e));
    this.worker.on('exit', (code) => {
      if (!this.closed) this.fail(new Error(`diff thread exited unexpectedly (code ${code})`));
    });
  }

  private fail(e: Error): void {
    this.failure ??= e;
    for (const p of this.pending.values()) p.reject(this.failure);
    this.pending.clear();
  }

  run(task: ThreadTask): Promise<ThreadResult> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, task });
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    this.fail(new Error('diff thread closed'));
    await this.worker.terminate();
  }
}

/** Partition write buffers: 32 MiB in all (16 MiB per file when the two files are split at once). */
function partitionBufSize(n: number, thread: DiffThread | undefined): number {
  return Math.min(1024 * 1024, Math.max(64 * 1024, Math.floor((32 * 1024 * 1024) / (thread ? 2 * n : n))));
}

/** What the partition lanes and the final merge work on. */
interface PartitionsContext {
  oldIn: Input;
  newIn: Input;
  outW: BufferedWriter;
  delW: BufferedWriter;
  c: Counters;
  progress: Progress;
  tuning: Tuning;
  thread: DiffThread | undefined;
}

/**
 * Diffs the n partition pairs (the main thread is one lane, the worker if any the other; lanes take
 * partitions in order), then merges their sorted offset files into the outputs: the new file's
 * rows to output, the old file's deleted rows.
 */
async function runPartitions<T extends PartitionTask | KeylessPartitionTask>(
  n: number,
  partDir: string,
  makeTask: (p: number, emitPath: string, delPath: string) => T,
  runHere: (t: T) => Promise<PartitionResult>,
  onResult: (r: PartitionResult) => void,
  ctx: PartitionsContext,
): Promise<void> {
  const { oldIn, newIn, outW, delW, c, progress, tuning, thread } = ctx;
  let nEmit = 0;
  let nDel = 0;
  const emitFiles = Array.from({ length: n }, (_, p) => join(partDir, `emit-${p}.off`));
  const delFiles = Array.from({ length: n }, (_, p) => join(partDir, `del-${p}.off`));
  let next = 0;
  let done = 0;
  let stop = false;
  const lane = async (run: (t: T) => Promise<PartitionResult>): Promise<void> => {
    while (!stop && next < n) {
      const p = next++;
      try {
        const r = await run(makeTask(p, emitFiles[p] as string, delFiles[p] as string));
        addCounters(c, r.counters);
        nEmit += r.nEmit;
        nDel += r.nDel;
        onResult(r);
      } catch (e) {
        stop = true;
        throw e;
      }
      progress.at(0.5, 0.9, ++done / n);
    }
  };
  const lanes = [lane(runHere)];
  if (thread) lanes.push(lane((t) => thread.run(t) as Promise<PartitionResult>));
  const settled = await Promise.allSettled(lanes);
  for (const s of settled) if (s.status === 'rejected') throw s.reason;

  const em = new OffsetMerger(emitFiles);
  try {
    await copyRows(
      newIn,
      () => em.next(),
      nEmit,
      outW,
      newIn.term,
      progress,
      0.9,
      0.97,
      tuning.copyChunkSize,
    );
  } finally {
    em.close();
  }
  const dm = new OffsetMerger(delFiles);
  try {
    await copyRows(oldIn, () => dm.next(), nDel, delW, oldIn.term, progress, 0.97, 1, tuning.copyChunkSize);
  } finally {
    dm.close();
  }
}

/**
 * Splits both files into partitions: the new file on the second thread (`newTask`) while this one
 * splits the old file (the old file's error, if any, wins, as in the sequential order), else one
 * after the other. Progress: 0 to 0.5.
 */
async function splitBoth<P>(
  newIn: Input,
  thread: DiffThread | undefined,
  splitOld: (lo: number, hi: number) => Promise<P[]>,
  splitNew: (lo: number, hi: number) => Promise<P[]>,
  newTask: SplitTask | KeylessSplitTask,
  c: Counters,
): Promise<[P[], P[]]> {
  if (!thread) {
    const oldParts = await splitOld(0, 0.25);
    return [oldParts, await splitNew(0.25, 0.5)];
  }
  await newIn.rd.close();
  const newSplit = thread.run(newTask) as Promise<{ rows: number; parts: P[] }>;
  newSplit.catch(() => undefined); // observed below (or superseded by the old file's error)
  const oldParts = await splitOld(0, 0.5);
  const r = await newSplit;
  c.rowsNew += r.rows;
  return [oldParts, r.parts];
}

/**
 * The partitioned path with KeyTable partitions: both files are split by key hash into partition
 * files of keys, values and offsets (the new file on the second thread when there is one), and each
 * partition pair is diffed with its own KeyTable.
 */
async function diffPartitioned(n: number, partDir: string, ctx: PartitionsContext): Promise<void> {
  const { oldIn, newIn, c, progress, tuning, thread } = ctx;
  const bufSize = tuning.partitionBuffer || partitionBufSize(n, thread);
  const paths = (tag: string): string[] =>
    Array.from({ length: n }, (_, p) => join(partDir, `${tag}-${p}.part`));
  const [oldParts, newParts] = await splitBoth(
    newIn,
    thread,
    (lo, hi) => splitInput(oldIn, paths('old'), bufSize, c, progress, lo, hi),
    (lo, hi) => splitInput(newIn, paths('new'), bufSize, c, progress, lo, hi),
    {
      kind: 'split',
      which: 'new',
      path: newIn.path,
      spec: newIn.spec,
      chunkSize: tuning.chunkSize,
      partPaths: paths('new'),
      bufSize,
    },
    c,
  );
  await runPartitions(
    n,
    partDir,
    (p, emitPath, delPath) => ({
      kind: 'partition',
      old: oldParts[p] as PartFile,
      new: newParts[p] as PartFile,
      emitPath,
      delPath,
    }),
    diffPartitionTask,
    () => undefined,
    ctx,
  );
}

/**
 * One partition of a file for the keyless partitioned path. The old file's: a file of PRINT_RECORD
 * byte records (per row its key fingerprint, offset in the old file, length and flags: what the
 * keyless table keeps; the rows themselves are read again from the old file). The new file's: a CSV
 * file (the header line, then the partition's rows, byte for byte, each ending in '\n'), and an
 * offsets file holding per row its offset in the partition file and in the new file (two float64s).
 */
interface KeylessPart {
  path: string;
  /** '' for the old file's partitions. */
  offsPath: string;
  rows: number;
}

/** Bytes of a print record: h1, h2 (int32), offset (float64), length, flags (uint32). */
const PRINT_RECORD = 24;

/** What the keyless steps need of the tuning (plain data, can be posted to a worker). */
interface KeylessKnobs {
  chunkSize: number;
  fingerprintMask: [number, number];
  native: boolean;
}

/** Split of one CSV file into keyless partitions (plain data, can be posted to a worker). */
interface KeylessSplitTask {
  kind: 'ksplit';
  which: 'old' | 'new';
  path: string;
  spec: DiffSpec;
  knobs: KeylessKnobs;
  partPaths: string[];
  bufSize: number;
}

/** Diff of one keyless partition pair (plain data, can be posted to a worker). */
interface KeylessPartitionTask {
  kind: 'kpartition';
  /** The old file itself (its rows are read from there). */
  oldPath: string;
  old: KeylessPart;
  new: KeylessPart;
  spec: DiffSpec;
  knobs: KeylessKnobs;
  /** Sorted original new-file offsets to output / old-file offsets deleted are written here. */
  emitPath: string;
  delPath: string;
}

interface KeylessPartitionResult extends PartitionResult {
  /** Original offsets of the first row repeating a key in each file (-1: none). */
  firstDupOldOff: number;
  firstDupNewOff: number;
}

interface KeylessSplitResult {
  rows: number;
  parts: KeylessPart[];
}

/** The partition of a row: the top bits of its fingerprint's second half (the index uses the first). */
function keylessPartOf(h2: number, n: number): number {
  return Math.floor(((h2 >>> 0) * n) / 4294967296);
}

/** Writes buf[start, start + len) at `pos` of a file, all of it. */
function writeAllAt(fd: number, buf: Uint8Array, start: number, len: number, pos: number): void {
  for (let done = 0; done < len;) done += writeSync(fd, buf, start + done, len - done, pos + done);
}

/**
 * The new file's keyless partitions being written (splitKeyless): per partition a CSV file (its
 * header line first) and an offsets file, each filled through a region of one shared buffer
 * (DiffKernel.scatterRows fills the regions; add() is the same in JavaScript).
 */
class RowScatter {
  readonly dst: Buffer;
  readonly offs: Float64Array;
  private readonly offsBytes: Uint8Array;
  readonly fill: Float64Array;
  /** Bytes of partition p's CSV file before its region (where the region's bytes go). */
  readonly partPos: Float64Array;
  readonly offsFill: Float64Array;
  readonly rows: number[];
  private readonly fds: number[] = [];
  private readonly offsFds: number[] = [];
  private readonly offsPos: number[];
  private readonly nl = Buffer.from('\n');

  constructor(
    readonly paths: string[],
    readonly regionSize: number,
    readonly offsRegion: number,
    header: Buffer,
  ) {
    const n = paths.length;
    this.dst = Buffer.allocUnsafe(n * regionSize);
    this.offs = new Float64Array(n * offsRegion);
    this.offsBytes = new Uint8Array(this.offs.buffer);
    this.fill = new Float64Array(n);
    this.partPos = new Float64Array(n);
    this.offsFill = new Float64Array(n);
    this.rows = new Array<number>(n).fill(0);
    this.offsPos = new Array<number>(n).fill(0);
    try {
      for (const path of paths) {
        const fd = openSync(path, 'wx');
        this.fds.push(fd);
        this.offsFds.push(openSync(`${path}.offs`, 'wx'));
        writeAllAt(fd, header, 0, header.length, 0);
        writeAllAt(fd, this.nl, 0, 1, header.length);
      }
    } catch (e) {
      this.close(false);
      throw e;
    }
    this.partPos.fill(header.length + 1);
  }

  /** Writes partition p's regions to its files. */
  flush(p: number): void {
    const used = this.fill[p] as number;
    writeAllAt(this.fds[p] as number, this.dst, p * this.regionSize, used, this.partPos[p] as number);
    this.partPos[p] = (this.partPos[p] as number) + used;
    this.fill[p] = 0;
    const pairs = this.offsFill[p] as number;
    writeAllAt(
      this.offsFds[p] as number,
      this.offsBytes,
      p * this.offsRegion * 8,
      pairs * 8,
      this.offsPos[p] as number,
    );
    this.offsPos[p] = (this.offsPos[p] as number) + pairs * 8;
    this.offsFill[p] = 0;
    this.rows[p] = (this.rows[p] as number) + pairs / 2;
  }

  /** Appends one row (src[at, at + len), at file offset off) to partition p, as scatterRows does. */
  add(p: number, src: Uint8Array, at: number, len: number, off: number): void {
    if (
      (this.fill[p] as number) + len + 1 > this.regionSize ||
      (this.offsFill[p] as number) + 2 > this.offsRegion
    ) {
      this.flush(p);
    }
    const o = p * this.offsRegion + (this.offsFill[p] as number);
    this.offs[o] = (this.partPos[p] as number) + (this.fill[p] as number);
    this.offs[o + 1] = off;
    this.offsFill[p] = (this.offsFill[p] as number) + 2;
    if (len + 1 > this.regionSize) {
      // Longer than a region: straight to the file.
      const pos = this.partPos[p] as number;
      writeAllAt(this.fds[p] as number, src, at, len, pos);
      writeAllAt(this.fds[p] as number, this.nl, 0, 1, pos + len);
      this.partPos[p] = pos + len + 1;
      return;
    }
    const d = p * this.regionSize + (this.fill[p] as number);
    this.dst.set(src.subarray(at, at + len), d);
    this.dst[d + len] = 10;
    this.fill[p] = (this.fill[p] as number) + len + 1;
  }

  /** Flushes (unless !flush) and closes every file (once). */
  close(flush = true): void {
    try {
      if (flush) for (let p = 0; p < this.fds.length; p++) this.flush(p);
    } finally {
      for (const fd of [...this.fds.splice(0), ...this.offsFds.splice(0)]) closeSync(fd);
    }
  }
}

/**
 * Splits an opened input (header consumed) into keyless partitions (KeylessPart): every row's
 * fingerprint comes from scanPrints (natively when it can); the old file's rows leave a print
 * record, the new file's rows are copied to their partition's CSV file (RowScatter).
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
  if (inp.which === 'old') {
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

async function keylessSplitTask(task: KeylessSplitTask): Promise<KeylessSplitResult> {
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
async function diffKeylessPartitionTask(task: KeylessPartitionTask): Promise<KeylessPartitionResult> {
  const c = newCounters();
  const quiet = new Progress(undefined);
  const { knobs, spec } = task;
  const inputs: Input[] = [];
  let win: RowWindow | null = null;
  try {
    // The old file's header and layout (its rows are read through `win`).
    const oldIn = await openInput('old', task.oldPath, spec, 64 * 1024);
    inputs.push(oldIn);
    await oldIn.rd.close();
    const newIn = await openInput('new', task.new.path, spec, knobs.chunkSize);
    inputs.push(newIn);
    win = RowWindow.open(oldIn.path, oldIn.size);
    if (win === null) throw new Error(`internal error: cannot read ${oldIn.path}`);
    const t = new FpTable(task.old.rows + 16);
    loadPrints(task.old.path, t);
    await rm(task.old.path, { force: true });
    const kf = new KeyFingerprint(knobs.fingerprintMask);
    const mask = Int32Array.from(knobs.fingerprintMask);
    const kernel = knobs.native ? nativeKernel() : null;
    const expectedNew = Math.max(1024, task.new.rows - task.old.rows);
    const firstDupOldOff = indexOld(oldIn, t, new RowCheck(oldIn, oldIn), win, c, kernel, expectedNew);
    const fast = new FastPath(oldIn.header.equals(newIn.header) ? win : null);
    let emit = new Float64Array(1024);
    let nEmit = 0;
    const out: RowSink = {
      row(_buf: Uint8Array, _start: number, _end: number, off: number): void {
        if (nEmit === emit.length) emit = grown(emit, 2 * nEmit);
        emit[nEmit++] = off;
      },
    };
    const checkNew = new RowCheck(oldIn, newIn);
    let firstDupNewOff = await scanNewKeyless(
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
    );
    t.tally(c);
    if (c.dupNew > 0) {
      nEmit = 0;
      const again = await openInput('new', task.new.path, spec, knobs.chunkSize);
      inputs.push(again);
      await rewriteKeyless(t, again, kf, kernel, mask, out, quiet);
    }
    const emitted = emit.subarray(0, nEmit);
    toOriginalOffsets(task.new.offsPath, emitted);
    const del = Float64Array.from(deletedInOrder(t), (i) => t.offAt(i));
    writeOffsets(task.emitPath, emitted);
    writeOffsets(task.delPath, del);
    // Rows were counted by the split; lines are named from the original files by the caller.
    c.rowsOld = 0;
    c.rowsNew = 0;
    if (firstDupNewOff >= 0) {
      const o = Float64Array.of(firstDupNewOff);
      toOriginalOffsets(task.new.offsPath, o);
      firstDupNewOff = o[0] as number;
    }
    c.firstDupOld = 0;
    c.firstDupNew = 0;
    return { counters: c, nEmit, nDel: del.length, firstDupOldOff, firstDupNewOff };
  } finally {
    win?.close();
    for (const inp of inputs) await inp.rd.close().catch(() => undefined);
    await rm(task.old.path, { force: true });
    await rm(task.new.path, { force: true });
    await rm(task.new.offsPath, { force: true });
  }
}

/**
 * The partitioned path with keyless partitions: both files are split by fingerprint into CSV
 * partition files (the new file on the second thread when there is one), each partition pair is
 * diffed with the keyless table, and the sorted offset lists are merged into the outputs.
 */
async function diffPartitionedKeyless(n: number, partDir: string, ctx: PartitionsContext): Promise<void> {
  const { oldIn, newIn, c, progress, tuning, thread } = ctx;
  const knobs: KeylessKnobs = {
    chunkSize: tuning.chunkSize,
    fingerprintMask: tuning.fingerprintMask,
    native: tuning.native,
  };
  const bufSize = tuning.partitionBuffer || partitionBufSize(n, thread);
  const paths = (tag: string, ext: string): string[] =>
    Array.from({ length: n }, (_, p) => join(partDir, `${tag}-${p}.${ext}`));
  const [oldParts, newParts] = await splitBoth(
    newIn,
    thread,
    (lo, hi) => splitKeyless(oldIn, paths('old', 'prints'), bufSize, knobs, c, progress, lo, hi),
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
  let firstDupOldOff = -1;
  let firstDupNewOff = -1;
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
    diffKeylessPartitionTask,
    (r) => {
      const k = r as KeylessPartitionResult;
      firstDupOldOff = minOffset(firstDupOldOff, k.firstDupOldOff);
      firstDupNewOff = minOffset(firstDupNewOff, k.firstDupNewOff);
    },
    ctx,
  );
  if (firstDupOldOff >= 0) c.firstDupOld = await lineAt(oldIn.path, firstDupOldOff);
  if (firstDupNewOff >= 0) c.firstDupNew = await lineAt(newIn.path, firstDupNewOff);
}

async function moveInto(tmp: string, dest: string): Promise<void> {
  try {
    await rename(tmp, dest);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EXDEV') throw e;
    await copyFile(tmp, dest);
    await unlink(tmp);
  }
}

function validate(opts: DiffOptions): void {
  if (!opts.spec || opts.spec.keys.length === 0) throw new Error('runDiff: spec.keys must not be empty');
  if (!opts.spec.value) throw new Error('runDiff: spec.value is required');
  if (resolve(opts.outPath) === resolve(opts.deletedPath)) {
    throw new Error('runDiff: outPath and deletedPath must differ');
  }
  if (
    opts.forcePartitions !== undefined &&
    !(Number.isInteger(opts.forcePartitions) && opts.forcePartitions >= 1)
  ) {
    throw new Error('runDiff: forcePartitions must be a positive integer');
  }
  if (opts.threads !== undefined && !(Number.isInteger(opts.threads) && opts.threads >= 1)) {
    throw new Error('runDiff: threads must be a positive integer');
  }
}

/** Default threads: a second thread only pays (its start-up is ~0.1 s) for inputs at least this big. */
const THREADS_MIN_BYTES = 64 * 1024 * 1024;

/** Runs one diff; see the module comment for the exact semantics. */
export async function runDiff(opts: DiffOptions): Promise<DiffStats> {
  return runDiffTuned(opts, DEFAULT_TUNING);
}

/** runDiff with internal knobs (for tests and benchmarks); knobs not given keep their defaults. */
export async function runDiffTuned(opts: DiffOptions, knobs: Partial<Tuning>): Promise<DiffStats> {
  validate(opts);
  const tuning: Tuning = { ...DEFAULT_TUNING, ...knobs };
  const budget = opts.memoryBudgetBytes ?? DEFAULT_MEMORY_BUDGET;
  const tmpDir = opts.tmpDir ?? dirname(opts.outPath);
  const tag = `${process.pid}-${randomBytes(6).toString('hex')}`;
  const outTmp = join(tmpDir, `.${basename(opts.outPath)}.${tag}.tmp`);
  const delTmp = join(tmpDir, `.${basename(opts.deletedPath)}.${tag}.tmp`);
  const progress = new Progress(opts.onProgress);
  const inputs: Input[] = [];
  let partDir: string | undefined;
  let thread: DiffThread | undefined;
  let outFd = -1;
  let delFd = -1;
  try {
    const oldIn = await openInput('old', opts.oldPath, opts.spec, tuning.chunkSize);
    inputs.push(oldIn);
    const newIn = await openInput('new', opts.newPath, opts.spec, tuning.chunkSize);
    inputs.push(newIn);
    progress.at(0, 1, 0);
    const threads =
      opts.threads !== undefined
        ? Math.min(2, opts.threads)
        : availableParallelism() >= 2 && oldIn.size + newIn.size >= THREADS_MIN_BYTES
          ? 2
          : 1;

    const oldSample = sampleInput(oldIn);
    const newSample = sampleInput(newIn);
    const estKeys = Math.max(oldSample.estRows, newSample.estRows);
    const encKey = oldSample.distinctRatio.reduce(
      (a, _r, j) => a + (useDictionary(oldSample, j) ? 2 : 1 + (oldSample.avgColLen[j] as number)),
      0,
    );
    const dictBytes = oldSample.distinct.reduce(
      (a, d, j) =>
        a +
        (useDictionary(oldSample, j)
          ? ((d * estKeys) / Math.max(1, oldSample.rows)) * ((oldSample.avgColLen[j] as number) + 24)
          : 0),
      0,
    );
    const needInMemory = estKeys * (ENTRY_OVERHEAD + encKey + oldSample.avgValue) + dictBytes;
    // The keyless table needs ~23 bytes an old row (and 21 a key only in the new file).
    const needKeyless =
      oldSample.estRows * FP_BYTES_PER_ROW + Math.max(0, newSample.estRows - oldSample.estRows) * SIDE_BYTES;
    const classicFits = needInMemory <= budget;
    // Partitions: two threads keep two partition tables in memory at a time.
    const keylessParts = tuning.keyless && oldIn.size < OFFSET_LIMIT && newIn.size < OFFSET_LIMIT;
    const planPartitions = (keyless: boolean): number => {
      if (opts.forcePartitions !== undefined) return opts.forcePartitions;
      // 1.5: a lane's previous table may not be collected yet when it makes the next one.
      if (keyless) return Math.max(2, Math.ceil((needKeyless * threads * 1.5) / budget));
      const rawNeed = estKeys * (ENTRY_OVERHEAD + oldSample.avgRawKey + oldSample.avgValue);
      return planPartitionCount(rawNeed * threads, budget);
    };
    let partitions = 1;
    if (opts.forcePartitions !== undefined) {
      partitions = opts.forcePartitions;
    } else if (!classicFits && !(tuning.keyless && needKeyless <= budget)) {
      partitions = planPartitions(keylessParts);
    }
    outFd = openSync(outTmp, 'wx');
    delFd = openSync(delTmp, 'wx');
    const outW = new BufferedWriter(outFd, 1024 * 1024);
    const delW = new BufferedWriter(delFd, 256 * 1024);
    outW.write(newIn.header, 0, newIn.header.length);
    outW.write(newIn.term, 0, newIn.term.length);
    delW.write(oldIn.header, 0, oldIn.header.length);
    delW.write(oldIn.term, 0, oldIn.term.length);
    const outHeaderBytes = outW.written;
    const delHeaderBytes = delW.written;

    const c = newCounters();
    let table: DiffStats['table'] = 'keys';
    const partitioned = opts.forcePartitions !== undefined || partitions > 1;
    const reopen = async (which: 'old' | 'new'): Promise<Input> => {
      const inp = await openInput(
        which,
        which === 'old' ? opts.oldPath : opts.newPath,
        opts.spec,
        tuning.chunkSize,
      );
      inputs.push(inp);
      return inp;
    };
    /** The partitioned path: keyless partitions first when `keyless`, else (or if those cannot go on) KeyTable ones. */
    const partitionedDiff = async (o: Input, n: Input, keyless: boolean): Promise<void> => {
      if (threads > 1) thread ??= new DiffThread();
      const ctx = { oldIn: o, newIn: n, outW, delW, c, progress, tuning, thread };
      partDir = await mkdtemp(join(tmpDir, `.diff-parts-${tag}-`));
      if (keyless) {
        try {
          await diffPartitionedKeyless(partitions, partDir, ctx);
          table = 'fingerprints';
          return;
        } catch (e) {
          if (!(e instanceof UseKeyTable)) throw e;
        }
        // A partition's keyless table could not go on (see diffInMemory): all again, with KeyTables.
        outW.truncate(outHeaderBytes);
        delW.truncate(delHeaderBytes);
        Object.assign(c, newCounters());
        await rm(partDir, { recursive: true, force: true });
        partDir = await mkdtemp(join(tmpDir, `.diff-parts-${tag}-`));
        partitions = planPartitions(false);
        o = await reopen('old');
        n = await reopen('new');
      }
      await diffPartitioned(partitions, partDir, { ...ctx, oldIn: o, newIn: n });
    };
    if (partitioned) {
      await partitionedDiff(oldIn, newIn, keylessParts);
    } else {
      const fallback = async (o: Input, n: Input): Promise<void> => {
        if (classicFits) {
          const expected = Math.max(oldSample.estRows, newSample.estRows) * 1.05 + 16;
          await diffClassic(o, n, oldSample, expected, outW, delW, c, progress, tuning);
        } else {
          // The keyless table could not go on, and the KeyTable does not fit the budget.
          partitions = planPartitions(false);
          await partitionedDiff(o, n, false);
        }
      };
      const maxBytes = classicFits ? Infinity : budget * 1.15;
      table = await diffInMemory(
        oldIn,
        newIn,
        oldSample,
        newSample,
        outW,
        delW,
        c,
        progress,
        tuning,
        maxBytes,
        reopen,
        fallback,
      );
    }
    outW.flush();
    delW.flush();
    closeSync(outFd);
    outFd = -1;
    closeSync(delFd);
    delFd = -1;
    await moveInto(outTmp, opts.outPath);
    await moveInto(delTmp, opts.deletedPath);
    progress.at(0, 1, 1);

    const warnings: string[] = [];
    if (c.dupOld > 0) {
      warnings.push(
        `old file: ${c.dupOld} duplicate key${c.dupOld === 1 ? '' : 's'}, last occurrence kept (first at line ${c.firstDupOld})`,
      );
    }
    if (c.dupNew > 0) {
      warnings.push(
        `new file: ${c.dupNew} duplicate key${c.dupNew === 1 ? '' : 's'}, last occurrence kept (first at line ${c.firstDupNew})`,
      );
    }
    return {
      rowsOld: c.rowsOld,
      rowsNew: c.rowsNew,
      rowsOut: c.added + c.changed,
      added: c.added,
      changed: c.changed,
      unchanged: c.unchanged,
      deleted: c.deleted,
      duplicateKeysOld: c.dupOld,
      duplicateKeysNew: c.dupNew,
      warnings,
      partitions,
      identicalRows: c.identical,
      table,
    };
  } catch (e) {
    if (outFd >= 0) closeSync(outFd);
    if (delFd >= 0) closeSync(delFd);
    await rm(outTmp, { force: true });
    await rm(delTmp, { force: true });
    throw e;
  } finally {
    if (thread) await thread.close();
    for (const inp of inputs) await inp.rd.close().catch(() => undefined);
    if (partDir) await rm(partDir, { recursive: true, force: true });
  }
}
