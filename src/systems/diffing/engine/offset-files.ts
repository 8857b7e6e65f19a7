// The partitioned paths' offset files: per partition the sorted offsets of the rows to output (or
// deleted), written as float64s and k-way merged into one increasing sequence for the outputs.
import { closeSync, openSync, readSync, writeSync } from 'node:fs';

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
