// Where a CsvReader's bytes come from: a file (positioned reads, so rows can be read again by offset)
// or a stream (an upload as it arrives: read once, in order).
import { open } from 'node:fs/promises';
import type { Readable } from 'node:stream';

export interface ByteSource {
  /** Bytes in all (Infinity for a stream: its end is known when a read returns 0). */
  readonly size: number;
  /** Reads up to `length` bytes at `position` into buf[offset..]; 0 at the end. */
  read(buf: Uint8Array, offset: number, length: number, position: number): Promise<number>;
  close(): Promise<void>;
}

/** A regular file; errors (ENOENT, EISDIR, ...) propagate as thrown by fs. */
export async function fileSource(path: string): Promise<ByteSource> {
  const fh = await open(path, 'r');
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw new Error(`not a regular file: ${path}`);
    return {
      size: st.size,
      read: async (buf, offset, length, position) => (await fh.read(buf, offset, length, position)).bytesRead,
      close: () => fh.close(),
    };
  } catch (e) {
    await fh.close();
    throw e;
  }
}

/**
 * A stream of bytes (a Readable, or any async iterable of byte chunks), read in order: a read at
 * another position than the next byte (a seek back) throws. A read waits for `length` bytes or the
 * end, so the reader scans large chunks however small the stream's own are.
 */
export function streamSource(stream: Readable | AsyncIterable<Uint8Array | string>): ByteSource {
  const chunks = stream[Symbol.asyncIterator]() as AsyncIterator<Uint8Array | string>;
  let pending: Uint8Array | null = null;
  let next = 0;
  let ended = false;
  return {
    size: Infinity,
    async read(buf, offset, length, position) {
      if (position !== next) throw new Error('a CSV stream is read in order only');
      let n = 0;
      while (n < length) {
        if (pending === null) {
          if (ended) break;
          const r = await chunks.next();
          if (r.done) {
            ended = true;
            break;
          }
          pending = typeof r.value === 'string' ? Buffer.from(r.value) : r.value;
          if (pending.length === 0) pending = null;
          continue;
        }
        const take = Math.min(length - n, pending.length);
        buf.set(take === pending.length ? pending : pending.subarray(0, take), offset + n);
        pending = take === pending.length ? null : pending.subarray(take);
        n += take;
      }
      next += n;
      return n;
    },
    async close() {
      pending = null;
      if (!ended) {
        ended = true;
        // Stops a Readable (it is destroyed) or an async generator early.
        await chunks.return?.();
      }
    },
  };
}
