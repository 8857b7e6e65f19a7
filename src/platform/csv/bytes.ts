// Byte-buffer helpers of the CSV scanner and of the code that reads rows again by offset (the diff
// engine): buffers that grow on demand without a per-row allocation.

/** A Buffer with a DataView of its bytes (for 4-byte loads), replaced by a bigger one on demand. */
export class ViewedBuffer {
  bytes: Buffer;
  view: DataView;

  constructor(size: number) {
    this.bytes = Buffer.allocUnsafe(size);
    this.view = new DataView(this.bytes.buffer, this.bytes.byteOffset, this.bytes.length);
  }

  /** Makes room for `len` bytes; the contents are not kept when the buffer is replaced. */
  reserve(len: number): void {
    if (this.bytes.length >= len) return;
    this.bytes = Buffer.allocUnsafe(2 * len);
    this.view = new DataView(this.bytes.buffer, this.bytes.byteOffset, this.bytes.length);
  }
}

/**
 * Moves the unread bytes buf[pos, len) to the front of the buffer before a read appends to them;
 * when they fill it, into a new buffer of twice the size. Returns the buffer that holds them.
 */
export function keepTail(buf: Buffer, pos: number, len: number): Buffer {
  const keep = len - pos;
  if (pos > 0 && keep > 0) buf.copyWithin(0, pos, len);
  if (keep < buf.length) return buf;
  const bigger = Buffer.allocUnsafe(buf.length * 2);
  buf.copy(bigger, 0, 0, keep);
  return bigger;
}

/** A copy of the typed array `a` with room for n elements (n ≥ a.length). */
export function grown<T extends Uint8Array | Uint16Array | Int32Array | Uint32Array | Float64Array>(
  a: T,
  n: number,
): T {
  const b = new (a.constructor as new (length: number) => T)(n);
  b.set(a);
  return b;
}
