// Reading a file's rows a second time, by offset, through a window (RowWindow).
import { closeSync, openSync, readSync } from 'node:fs';
import { ViewedBuffer } from '../../../platform/csv/bytes.js';

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
export class RowWindow {
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

  /** Reads the whole file into memory: every later look is a hit (rows in another order). */
  loadWhole(): void {
    const buf = Buffer.allocUnsafe(this.size);
    let got = 0;
    while (got < this.size) {
      const n = readSync(this.fd, buf, got, this.size - got, got);
      if (n === 0) throw new Error('the file became shorter while it was diffed');
      got += n;
    }
    this.hold(buf);
  }

  /** From now on the window is `buf`, the whole file (file offset 0 at buf[0]): every look is a hit. */
  hold(buf: Buffer): void {
    if (buf.length < this.size) throw new Error('internal error: a whole-file window shorter than the file');
    this.mem.bytes = buf;
    this.mem.view = new DataView(buf.buffer, buf.byteOffset, buf.length);
    this.base = 0;
    this.len = this.size;
    this.budget = Infinity;
  }

  /** The window is the whole file (loadWhole, hold). */
  get whole(): boolean {
    return this.base === 0 && this.len === this.size && this.budget === Infinity;
  }

  /** Starts counting reads again (a new pass). */
  resetBudget(): void {
    if (this.whole) return; // every look is a hit: nothing to count
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
