import { ftruncateSync, writeSync } from 'node:fs';

/**
 * Large-buffer sequential writer over a file descriptor (synchronous flushes) of a file it writes
 * from its start.
 */
export class BufferedWriter {
  private readonly buf: Buffer;
  private n = 0;
  /** Bytes written so far (buffered included). */
  written = 0;
  /** File position of buf[0]. */
  private filePos = 0;

  constructor(
    readonly fd: number,
    size = 4 * 1024 * 1024,
  ) {
    this.buf = Buffer.allocUnsafe(size);
  }

  write(src: Uint8Array, start: number, end: number): void {
    const len = end - start;
    this.written += len;
    if (this.n + len > this.buf.length) {
      this.flush();
      if (len > this.buf.length) {
        let off = start;
        while (off < end) {
          const k = writeSync(this.fd, src, off, end - off, this.filePos);
          off += k;
          this.filePos += k;
        }
        return;
      }
    }
    const b = this.buf;
    let n = this.n;
    if (len <= 32) {
      for (let i = start; i < end; i++) b[n++] = src[i] as number;
    } else {
      b.set(src.subarray(start, end), n);
      n += len;
    }
    this.n = n;
  }

  /** Reserves `len` bytes and returns the buffer + position to write them at (len ≤ buffer size). */
  reserve(len: number): number {
    if (this.n + len > this.buf.length) this.flush();
    const at = this.n;
    this.n += len;
    this.written += len;
    return at;
  }

  get buffer(): Buffer {
    return this.buf;
  }

  flush(): void {
    let off = 0;
    while (off < this.n) {
      const k = writeSync(this.fd, this.buf, off, this.n - off, this.filePos);
      off += k;
      this.filePos += k;
    }
    this.n = 0;
  }

  /** Drops everything written after the first `size` bytes (buffered or already in the file). */
  truncate(size: number): void {
    if (size >= this.filePos) {
      this.n = Math.min(this.n, size - this.filePos);
    } else {
      this.n = 0;
      ftruncateSync(this.fd, size);
      this.filePos = size;
    }
    this.written = size;
  }
}
