/**
 * Disk partitioning support for the diff engine (used when the old file's keys do not fit the memory
 * budget): key hashing, the binary partition record format, and the k-way merge of per-partition
 * sorted offset lists. Hand-written for speed like the rest of the engine (see diff-engine.ts).
 *
 * Partition record (little endian):
 *   f64 file offset of the row in its CSV file | u32 physical line | varint keyLen | key bytes |
 *   varint valueLen | value bytes
 * Keys are the canonical raw key (see diff-engine.ts: per key column varint length + unquoted bytes);
 * values are unquoted value bytes. Row bytes are not copied: the output is produced at the end by
 * reading the rows back from the original CSV files at the (merged, increasing) offsets.
 */
import { closeSync, openSync, readSync, writeSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { BufferedWriter } from '../../platform/csv/buffered-writer.js';
import { keepTail } from '../../platform/csv/bytes.js';

/** murmur3-style 32-bit hash of b[start, start+len). */
export function hashBytes(b: Uint8Array, start: number, len: number): number {
  let h = 0x9747b28c;
  let i = start;
  const end4 = start + (len & ~3);
  while (i < end4) {
    let k =
      (b[i] as number) |
      ((b[i + 1] as number) << 8) |
      ((b[i + 2] as number) << 16) |
      ((b[i + 3] as number) << 24);
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
    i += 4;
  }
  const rem = len & 3;
  if (rem !== 0) {
    let k = b[i] as number;
    if (rem > 1) k ^= (b[i + 1] as number) << 8;
    if (rem > 2) k ^= (b[i + 2] as number) << 16;
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
  }
  h ^= len;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h;
}

/** Partition of a key hash; remixed so it is independent of the low bits used by hash tables. */
export function partitionOf(h: number, n: number): number {
  let x = Math.imul(h ^ 0x2545f491, 0x9e3779b1);
  x ^= x >>> 15;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  return (x >>> 0) % n;
}

/** Number of bytes of the varint encoding of n (n ≥ 0, < 2^31). */
export function varintSize(n: number): number {
  return n < 0x80 ? 1 : n < 0x4000 ? 2 : n < 0x200000 ? 3 : n < 0x10000000 ? 4 : 5;
}

/** Writes n (≥ 0, < 2^31) as LEB128 at b[p]; returns the position after it. */
export function writeVarint(b: Uint8Array, p: number, n: number): number {
  while (n >= 0x80) {
    b[p++] = (n & 0x7f) | 0x80;
    n >>>= 7;
  }
  b[p++] = n;
  return p;
}

/** Appends partition records to one partition file. */
export class PartitionWriter {
  private readonly w: BufferedWriter;
  rows = 0;
  keyValueBytes = 0;

  constructor(
    readonly path: string,
    bufferSize: number,
  ) {
    this.w = new BufferedWriter(openSync(path, 'w'), bufferSize);
  }

  add(
    offset: number,
    line: number,
    key: Uint8Array,
    kLen: number,
    val: Uint8Array,
    vStart: number,
    vEnd: number,
  ): void {
    const vLen = vEnd - vStart;
    const head = 12 + varintSize(kLen);
    const w = this.w;
    const p = w.reserve(head);
    const b = w.buffer;
    b.writeDoubleLE(offset, p);
    b.writeUInt32LE(line >>> 0, p + 8);
    writeVarint(b, p + 12, kLen);
    w.write(key, 0, kLen);
    const vs = w.reserve(varintSize(vLen));
    writeVarint(w.buffer, vs, vLen);
    w.write(val, vStart, vEnd);
    this.rows++;
    this.keyValueBytes += kLen + vLen;
  }

  close(): void {
    this.w.flush();
    closeSync(this.w.fd);
  }
}

function readVarint(b: Uint8Array, p: number, end: number, out: { v: number; p: number }): boolean {
  let v = 0;
  let shift = 0;
  while (p < end) {
    const c = b[p++] as number;
    v += (c & 0x7f) * 2 ** shift;
    if (c < 0x80) {
      out.v = v;
      out.p = p;
      return true;
    }
    shift += 7;
  }
  return false;
}

export const P_NEED_MORE = 0;
export const P_RECORD = 1;
export const P_END = 2;

/** Streaming reader of a partition file; same protocol as CsvReader (next / fill). */
export class PartitionReader {
  buf: Buffer;
  len = 0;
  pos = 0;
  eof = false;
  offset = 0;
  line = 0;
  kStart = 0;
  kLen = 0;
  vStart = 0;
  vEnd = 0;
  private readPos = 0;
  private readonly vi = { v: 0, p: 0 };

  private constructor(
    private readonly fh: FileHandle,
    private readonly size: number,
    chunk: number,
  ) {
    this.buf = Buffer.allocUnsafe(Math.max(64, Math.min(chunk, size + 16)));
  }

  static async open(path: string, chunk = 4 * 1024 * 1024): Promise<PartitionReader> {
    const fh = await open(path, 'r');
    const st = await fh.stat();
    return new PartitionReader(fh, st.size, chunk);
  }

  async close(): Promise<void> {
    await this.fh.close();
  }

  async fill(): Promise<void> {
    if (this.eof) return;
    const keep = this.len - this.pos;
    this.buf = keepTail(this.buf, this.pos, this.len);
    this.pos = 0;
    this.len = keep;
    const { bytesRead } = await this.fh.read(this.buf, this.len, this.buf.length - this.len, this.readPos);
    this.readPos += bytesRead;
    this.len += bytesRead;
    if (bytesRead === 0 || this.readPos >= this.size) this.eof = true;
  }

  next(): number {
    const b = this.buf;
    const end = this.len;
    let p = this.pos;
    if (p >= end) return this.eof ? P_END : P_NEED_MORE;
    if (p + 12 > end) return this.needMore();
    const vi = this.vi;
    if (!readVarint(b, p + 12, end, vi)) return this.needMore();
    const kLen = vi.v;
    const kStart = vi.p;
    if (kStart + kLen > end || !readVarint(b, kStart + kLen, end, vi)) return this.needMore();
    const vStart = vi.p;
    const vEnd = vStart + vi.v;
    if (vEnd > end) return this.needMore();
    this.offset = b.readDoubleLE(p);
    this.line = b.readUInt32LE(p + 8);
    this.kStart = kStart;
    this.kLen = kLen;
    this.vStart = vStart;
    this.vEnd = vEnd;
    p = vEnd;
    this.pos = p;
    return P_RECORD;
  }

  private needMore(): number {
    if (this.eof) throw new Error('internal error: truncated partition file');
    return P_NEED_MORE;
  }
}

/** Writes a sorted list of offsets (f64 LE) to a file. */
export function writeOffsets(path: string, offsets: Float64Array): void {
  const fd = openSync(path, 'w');
  try {
    const bytes = new Uint8Array(offsets.buffer, offsets.byteOffset, offsets.byteLength);
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
  } finally {
    closeSync(fd);
  }
}

const isLittleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export class OffsetStream {
  private readonly fd: number;
  private readonly buf: Float64Array;
  private readonly bytes: Uint8Array;
  private n = 0;
  private i = 0;
  private done = false;
  current = -1;

  constructor(path: string, entries: number) {
    if (!isLittleEndian) throw new Error('big-endian platforms are not supported');
    this.fd = openSync(path, 'r');
    this.buf = new Float64Array(entries);
    this.bytes = new Uint8Array(this.buf.buffer);
    this.advance();
  }

  /** Moves to the next offset; current = -1 at the end. */
  advance(): void {
    if (this.i >= this.n) {
      if (this.done) {
        this.current = -1;
        return;
      }
      let got = 0;
      for (;;) {
        const r = readSync(this.fd, this.bytes, got, this.bytes.length - got, null);
        if (r === 0) break;
        got += r;
        if (got === this.bytes.length) break;
      }
      if (got % 8 !== 0) throw new Error('internal error: truncated offset file');
      this.n = got / 8;
      this.i = 0;
      if (got < this.bytes.length) this.done = true;
      if (this.n === 0) {
        this.current = -1;
        this.done = true;
        return;
      }
    }
    this.current = this.buf[this.i++] as number;
  }

  close(): void {
    closeSync(this.fd);
  }
}

/** K-way merge of sorted offset files into one increasing sequence (binary heap over the streams). */
export class OffsetMerger {
  private readonly streams: OffsetStream[] = [];
  private readonly heap: OffsetStream[] = [];

  constructor(paths: string[], bufferEntries = 8192) {
    try {
      for (const p of paths) this.streams.push(new OffsetStream(p, bufferEntries));
    } catch (e) {
      this.close();
      throw e;
    }
    for (const s of this.streams) if (s.current >= 0) this.push(s);
  }

  /** Next smallest offset, or -1 when all streams are exhausted. */
  next(): number {
    const heap = this.heap;
    const top = heap[0];
    if (top === undefined) return -1;
    const v = top.current;
    top.advance();
    if (top.current < 0) {
      const last = heap.pop() as OffsetStream;
      if (heap.length > 0) {
        heap[0] = last;
        this.down(0);
      }
    } else {
      this.down(0);
    }
    return v;
  }

  close(): void {
    for (const s of this.streams) s.close();
    this.streams.length = 0;
  }

  private push(s: OffsetStream): void {
    const heap = this.heap;
    let i = heap.length;
    heap.push(s);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const ps = heap[parent] as OffsetStream;
      if (ps.current <= s.current) break;
      heap[i] = ps;
      i = parent;
    }
    heap[i] = s;
  }

  private down(i: number): void {
    const heap = this.heap;
    const n = heap.length;
    const s = heap[i] as OffsetStream;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      const r = c + 1;
      if (r < n && (heap[r] as OffsetStream).current < (heap[c] as OffsetStream).current) c = r;
      const cs = heap[c] as OffsetStream;
      if (s.current <= cs.current) break;
      heap[i] = cs;
      i = c;
    }
    heap[i] = s;
  }
}

/** Partition count for an estimated memory need (bytes) and budget; at least 2, at most 512. */
export function planPartitionCount(estimatedNeedBytes: number, budgetBytes: number): number {
  // Factor 2: hash partitions are not perfectly even, and the previous partition's table may not be
  // garbage-collected yet when the next one is allocated.
  const n = Math.ceil((estimatedNeedBytes * 2) / Math.max(1, budgetBytes));
  return Math.min(512, Math.max(2, n));
}
