/**
 * The KeyTable partition files of the diff engine (used when the old file's keys do not fit the
 * memory budget and the keyless partitions cannot be used): which partition a key goes to, and the
 * binary partition record format, written and read back. Hand-written for speed like the rest of
 * the engine (see index.ts).
 *
 * Partition record (little endian):
 *   f64 file offset of the row in its CSV file | u32 physical line | varint keyLen | key bytes |
 *   varint valueLen | value bytes
 * Keys are the canonical raw key (see key-encoder.ts: per key column varint length + unquoted bytes);
 * values are unquoted value bytes. Row bytes are not copied: the output is produced at the end by
 * reading the rows back from the original CSV files at the (merged, increasing) offsets.
 */
import { closeSync, openSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { BufferedWriter } from '../../../platform/csv/buffered-writer.js';
import { keepTail } from '../../../platform/csv/bytes.js';
import { varintSize, writeVarint } from './bytes.js';

/** Partition of a key hash; remixed so it is independent of the low bits used by hash tables. */
export function partitionOf(h: number, n: number): number {
  let x = Math.imul(h ^ 0x2545f491, 0x9e3779b1);
  x ^= x >>> 15;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  return (x >>> 0) % n;
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
