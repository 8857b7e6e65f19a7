/**
 * Hand-written, allocation-free streaming CSV record scanner over a file or a stream (byte-source.ts).
 * Systems that want records as strings use records.ts on top of it; the diff engine uses it directly.
 *
 * This is deliberately not a general CSV library: it is the hot path of the diff (files of 10⁶–10⁷
 * rows), so it reads large chunks (4 MiB, the next one read ahead in the background) with positioned
 * reads and scans bytes directly: one JS loop finds a record's commas, its terminator and single-line
 * quoted fields, skipping 4 bytes at a time where no byte can be special (a native indexOf('\n') per
 * record cost more than the whole loop: ~80 ns per call, profiled); only records with a bare CR or a newline
 * inside quotes, and records not complete in the buffer, take the byte state machine.
 * Per record it only records field boundaries (start/end offsets into the chunk + "starts with a
 * quote" flag); nothing is decoded unless the caller asks for it.
 *
 * Dialect (the same as Python's csv module with default settings, non-strict):
 *  - fields separated by ',', records terminated by '\n', '\r\n' or a bare '\r';
 *  - a field that *starts* with '"' is quoted: inside it ',', '\r', '\n' are data and '""' is one '"';
 *    after the closing quote, further bytes up to the next delimiter are appended literally;
 *  - a '"' anywhere else is an ordinary byte;
 *  - a UTF-8 BOM at the very start of the file is skipped (and remembered);
 *  - the last record may lack a terminator;
 *  - an unterminated quoted field at end of file is an error ({@link CsvSyntaxError}).
 * Blank lines are reported as records with one empty, unquoted field; callers decide what to do.
 */
import type { Readable } from 'node:stream';
import { fileSource, streamSource, type ByteSource } from './byte-source.js';
import { grown, keepTail } from './bytes.js';
import { unquoteInto } from './fields.js';

export const NEED_MORE = 0;
export const RECORD = 1;
export const END = 2;
export type ScanResult = typeof NEED_MORE | typeof RECORD | typeof END;

/** Malformed CSV; `line` is the 1-based physical line on which the offending record starts. */
export class CsvSyntaxError extends Error {
  constructor(
    readonly line: number,
    readonly reason: string,
  ) {
    super(`line ${line}: ${reason}`);
    this.name = 'CsvSyntaxError';
  }
}

const QUOTE = 34;
const COMMA = 44;
const LF = 10;
const CR = 13;

export const DEFAULT_CHUNK = 4 * 1024 * 1024;
/** Room kept before read-ahead data for the unfinished record carried over from the previous chunk. */
const READ_RESERVE = 256 * 1024;

/**
 * Streaming record scanner over one file. Usage:
 * ```
 * for (;;) {
 *   const r = rd.next();
 *   if (r === RECORD) { ...use rd.buf, rd.recStart, rd.recEnd, rd.fStart/fEnd/fQuoted... }
 *   else if (r === NEED_MORE) await rd.fill();
 *   else break; // END
 * }
 * ```
 * Offsets stay valid until the next `fill()`.
 */
export class CsvReader {
  buf: Buffer;
  /** Valid bytes in buf. */
  len = 0;
  /** Start (in buf) of the next record to scan. */
  pos = 0;
  /** File offset of buf[0]. */
  base = 0;
  /** True when the bytes after `len` are the end of the file. */
  eof = false;
  /** True when the file started with a UTF-8 BOM (skipped). */
  bom = false;
  /** Current record: content bytes [recStart, recEnd) in buf, terminator excluded. */
  recStart = 0;
  recEnd = 0;
  /** 1-based physical line on which the current record starts. */
  line = 0;
  /** Fields of the current record. */
  nFields = 0;
  fStart: Int32Array = new Int32Array(16);
  fEnd: Int32Array = new Int32Array(16);
  fQuoted: Uint8Array = new Uint8Array(16);

  private nextLine = 1;
  private readPos = 0;
  /** Int32 view of buf for word-at-a-time skipping (null if buf is not 4-byte aligned). */
  private words: Int32Array | null = null;
  /** DataView of buf (unaligned 4-byte loads). */
  view: DataView = new DataView(new ArrayBuffer(0));
  /** Read-ahead (scan passes): the next chunk is read into `spare` at READ_RESERVE while we scan. */
  private readonly readAhead: boolean;
  private readonly chunkSize: number;
  private spare: Buffer | null = null;
  private ahead: Promise<number> | null = null;
  private aheadPos = 0;
  private fills = 0;
  private started = false;

  private constructor(
    private readonly src: ByteSource,
    readonly size: number,
    chunkSize: number,
    readAhead: boolean,
  ) {
    this.chunkSize = Math.max(64, Math.min(chunkSize, size + 16));
    this.buf = Buffer.allocUnsafe(this.chunkSize);
    this.readAhead = readAhead && size > this.chunkSize;
  }

  /**
   * Opens a file; errors (ENOENT, EISDIR, ...) propagate as thrown by fs. With readAhead the next
   * chunk is read in the background while the current one is scanned (sequential scans only).
   */
  static async open(path: string, chunkSize = DEFAULT_CHUNK, readAhead = false): Promise<CsvReader> {
    const src = await fileSource(path);
    return new CsvReader(src, src.size, chunkSize, readAhead);
  }

  /**
   * A reader of a stream (an upload as it arrives), read once in order: size is Infinity and seek()
   * works only within the bytes still in the buffer.
   */
  static fromStream(
    stream: Readable | AsyncIterable<Uint8Array | string>,
    chunkSize = DEFAULT_CHUNK,
  ): CsvReader {
    return new CsvReader(streamSource(stream), Infinity, chunkSize, false);
  }

  private closed = false;

  /**
   * Closes the file (idempotent) and lets its buffers go (a diff holds a closed reader to its end,
   * and a chunk and its read-ahead spare are 8 MiB at the default size): after close the reader
   * holds no record.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.ahead) await this.ahead.catch(() => 0);
    this.ahead = null;
    this.spare = null;
    this.buf = Buffer.alloc(0);
    this.view = new DataView(this.buf.buffer, this.buf.byteOffset, 0);
    this.words = null;
    this.pos = 0;
    this.len = 0;
    await this.src.close();
  }

  /** Saves the scan position (valid until the next fill()). */
  snapshot(): [number, number] {
    return [this.pos, this.nextLine];
  }

  restore(s: [number, number]): void {
    this.pos = s[0];
    this.nextLine = s[1];
  }

  /** File offset of the current record's first byte. */
  get recordOffset(): number {
    return this.base + this.recStart;
  }

  /** Bytes of the file consumed so far (for progress). */
  get consumed(): number {
    return this.base + this.pos;
  }

  /** Terminator bytes of the current record (empty at end of file without final newline). */
  terminator(): Buffer {
    return Buffer.from(this.buf.subarray(this.recEnd, this.pos));
  }

  /**
   * Positions the reader on the record starting at file `offset` (must be a record boundary).
   * Offsets passed to successive calls should be increasing so buffered bytes get reused.
   */
  seek(offset: number): void {
    if (offset >= this.base && offset <= this.base + this.len) {
      this.pos = offset - this.base;
      return;
    }
    if (this.ahead) throw new Error('CsvReader: seek() is not supported with read-ahead');
    this.base = offset;
    this.readPos = offset;
    this.pos = 0;
    this.len = 0;
    this.eof = offset >= this.size;
    this.started = true; // no BOM handling after a seek
  }

  /** Reads more bytes, keeping the unscanned tail. Grows the buffer when one record exceeds it. */
  async fill(): Promise<void> {
    if (this.eof) return;
    const keep = this.len - this.pos;
    if (this.ahead) {
      const n = await this.ahead;
      this.ahead = null;
      const spare = this.spare as Buffer; // new bytes at [READ_RESERVE, READ_RESERVE + n)
      if (keep <= READ_RESERVE) {
        if (keep > 0) this.buf.copy(spare, READ_RESERVE - keep, this.pos, this.len);
        this.spare = this.buf;
        this.buf = spare;
        this.pos = READ_RESERVE - keep;
        this.len = READ_RESERVE + n;
        this.base = this.aheadPos - READ_RESERVE;
      } else {
        // Room for what is kept and read, doubling at most what that needs (a record longer than the
        // reserve may take several fills: the buffer must not double on each).
        const bigger = Buffer.allocUnsafe(Math.max(keep + n, Math.min(this.buf.length * 2, 2 * (keep + n))));
        this.buf.copy(bigger, 0, this.pos, this.len);
        spare.copy(bigger, keep, READ_RESERVE, READ_RESERVE + n);
        this.buf = bigger;
        this.pos = 0;
        this.len = keep + n;
        this.base = this.aheadPos - keep;
      }
      this.readPos = this.aheadPos + n;
      if (n === 0 || this.readPos >= this.size) this.eof = true;
    } else {
      this.buf = keepTail(this.buf, this.pos, this.len);
      this.base += this.pos;
      this.pos = 0;
      this.len = keep;
      const want = this.buf.length - this.len;
      const bytesRead = await this.src.read(this.buf, this.len, want, this.readPos);
      this.readPos += bytesRead;
      this.len += bytesRead;
      if (bytesRead === 0 || this.readPos >= this.size) this.eof = true;
    }
    this.words =
      this.buf.byteOffset % 4 === 0
        ? new Int32Array(this.buf.buffer, this.buf.byteOffset, this.buf.length >> 2)
        : null;
    if (this.view.buffer !== this.buf.buffer || this.view.byteOffset !== this.buf.byteOffset) {
      this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.length);
    }
    if (!this.started) {
      this.started = true;
      if (this.len >= 3 && this.buf[0] === 0xef && this.buf[1] === 0xbb && this.buf[2] === 0xbf) {
        this.bom = true;
        this.pos = 3;
      }
    }
    // Read-ahead starts with the second fill, so a reader that was only opened (header read) holds
    // one buffer until it is actually scanned.
    if (this.readAhead && this.fills++ > 0 && !this.eof && !this.closed) {
      if (!this.spare || this.spare.length < this.chunkSize + READ_RESERVE) {
        this.spare = Buffer.allocUnsafe(this.chunkSize + READ_RESERVE);
      }
      this.aheadPos = this.readPos;
      this.ahead = this.src.read(this.spare, READ_RESERVE, this.chunkSize, this.readPos);
    }
  }

  private growFields(): void {
    const n = this.fStart.length * 2;
    this.fStart = grown(this.fStart, n);
    this.fEnd = grown(this.fEnd, n);
    this.fQuoted = grown(this.fQuoted, n);
  }

  /** Scans the next record. */
  next(): ScanResult {
    const start = this.pos;
    const end = this.len;
    if (start >= end) return this.eof ? END : NEED_MORE;
    // Fast path: one pass over the bytes finds the commas, the terminator ('\n' or '\r\n') and
    // single-line quoted fields. Aligned words without a byte below '-' (0x2d: none of ',', '"', '\r',
    // '\n') are skipped 4 bytes at a time (SWAR "has byte less than n" test, exact for n <= 128).
    // Anything else (bare CR, a newline inside quotes, a record not complete in the buffer) rescans
    // the record on the byte state machine (nextSlow).
    const b = this.buf;
    const words = this.words;
    let fStart = this.fStart;
    let fEnd = this.fEnd;
    let fQ = this.fQuoted;
    let nf = 0;
    let fs = start;
    let quoted = 0;
    let j = start;
    for (;;) {
      if (words !== null && (j & 3) === 0) {
        while (j + 4 <= end) {
          const x = words[j >> 2] as number;
          if (((x - 0x2d2d2d2d) & ~x & 0x80808080) !== 0) break;
          j += 4;
        }
      }
      if (j >= end) return this.nextSlow();
      const c = b[j] as number;
      if (c < 0x2d) {
        if (c === COMMA) {
          if (nf === fStart.length - 1) {
            this.growFields();
            fStart = this.fStart;
            fEnd = this.fEnd;
            fQ = this.fQuoted;
          }
          fStart[nf] = fs;
          fEnd[nf] = j;
          fQ[nf] = quoted;
          nf++;
          fs = j + 1;
          quoted = 0;
        } else if (c === LF) {
          break;
        } else if (c === CR) {
          if (j + 1 < end && b[j + 1] === LF) break;
          return this.nextSlow();
        } else if (c === QUOTE && j === fs) {
          let k = j + 1;
          for (;;) {
            if (k >= end) return this.nextSlow();
            const d = b[k] as number;
            if (d === QUOTE) {
              if (k + 1 >= end) return this.nextSlow();
              if (b[k + 1] !== QUOTE) break;
              k += 2;
            } else if (d === LF || d === CR) {
              return this.nextSlow();
            } else {
              k++;
            }
          }
          quoted = 1;
          j = k; // the closing quote; bytes after it up to the delimiter are data
        }
      }
      j++;
    }
    fStart[nf] = fs;
    fEnd[nf] = j;
    fQ[nf] = quoted;
    this.nFields = nf + 1;
    this.recStart = start;
    this.recEnd = j;
    this.pos = b[j] === CR ? j + 2 : j + 1;
    this.line = this.nextLine++;
    return RECORD;
  }

  private nextSlow(): ScanResult {
    const b = this.buf;
    const end = this.len;
    const eof = this.eof;
    const start = this.pos;
    let fStart = this.fStart;
    let fEnd = this.fEnd;
    let fQ = this.fQuoted;
    let cap = fStart.length;
    let nf = 0;
    let fs = start;
    let quoted = 0;
    let extraLines = 0;
    let i = start;
    let recEnd: number;
    let next: number;
    for (;;) {
      if (i >= end) {
        if (!eof) return NEED_MORE;
        recEnd = i;
        next = i;
        break;
      }
      const c = b[i] as number;
      if (c > COMMA) {
        i++;
        continue;
      }
      if (c === COMMA) {
        if (nf === cap) {
          this.growFields();
          fStart = this.fStart;
          fEnd = this.fEnd;
          fQ = this.fQuoted;
          cap = fStart.length;
        }
        fStart[nf] = fs;
        fEnd[nf] = i;
        fQ[nf] = quoted;
        nf++;
        i++;
        fs = i;
        quoted = 0;
        continue;
      }
      if (c === LF) {
        recEnd = i;
        next = i + 1;
        break;
      }
      if (c === CR) {
        if (i + 1 >= end) {
          if (!eof) return NEED_MORE;
          recEnd = i;
          next = i + 1;
          break;
        }
        recEnd = i;
        next = b[i + 1] === LF ? i + 2 : i + 1;
        break;
      }
      if (c === QUOTE && i === fs) {
        let j = i + 1;
        for (;;) {
          if (j >= end) {
            if (!eof) return NEED_MORE;
            throw new CsvSyntaxError(this.nextLine, 'unterminated quoted field at end of file');
          }
          const d = b[j] as number;
          if (d === QUOTE) {
            if (j + 1 >= end && !eof) return NEED_MORE;
            if (j + 1 < end && b[j + 1] === QUOTE) {
              j += 2;
              continue;
            }
            break;
          }
          if (d === LF || (d === CR && b[j + 1] !== LF)) extraLines++;
          j++;
        }
        i = j + 1;
        quoted = 1;
        continue;
      }
      i++;
    }
    if (nf === cap) this.growFields();
    this.fStart[nf] = fs;
    this.fEnd[nf] = recEnd;
    this.fQuoted[nf] = quoted;
    this.nFields = nf + 1;
    this.recStart = start;
    this.recEnd = recEnd;
    this.pos = next;
    this.line = this.nextLine;
    this.nextLine += 1 + extraLines;
    return RECORD;
  }

  /** Line number of the next record. */
  get nextLineNumber(): number {
    return this.nextLine;
  }

  /**
   * Moves past records read by someone else (the diff engine's native kernel) from the buffer: the
   * next record starts at buf[pos], on line `line`.
   */
  advance(pos: number, line: number): void {
    this.pos = pos;
    this.nextLine = line;
  }

  /** Physical lines of the current record (more than 1 when a quoted field holds line breaks). */
  get recordLines(): number {
    return this.nextLine - this.line;
  }

  /**
   * Fast path of the diff's new-file scan: when the next record's content is exactly the `len` bytes
   * src[at, at + len) (srcView: a DataView of src's bytes, compared 4 at a time) — bytes of a one-line record of a file with the same header — and is followed
   * by a terminator (or the end of the file), consumes it as next() would (recStart, recEnd, line,
   * pos; fields are NOT set) and returns true. Otherwise (or when the buffer does not hold the whole
   * record yet) changes nothing and returns false. Identical bytes parse identically, so the record
   * is the same one-line record.
   */
  consumeEqual(src: Uint8Array, srcView: DataView, at: number, len: number): boolean {
    const s = this.pos;
    const e = s + len;
    const end = this.len;
    if (e > end) return false;
    const b = this.buf;
    const v = this.view;
    let i = 0;
    for (; i + 4 <= len; i += 4) if (v.getInt32(s + i) !== srcView.getInt32(at + i)) return false;
    for (; i < len; i++) if (b[s + i] !== src[at + i]) return false;
    let next: number;
    if (e === end) {
      if (!this.eof) return false;
      next = e;
    } else {
      const c = b[e] as number;
      if (c === LF) {
        next = e + 1;
      } else if (c === CR) {
        if (e + 1 === end) {
          if (!this.eof) return false;
          next = e + 1;
        } else {
          next = b[e + 1] === LF ? e + 2 : e + 1;
        }
      } else {
        return false;
      }
    }
    this.recStart = s;
    this.recEnd = e;
    this.pos = next;
    this.line = this.nextLine++;
    return true;
  }

  /** True when the current record is an empty line. */
  isBlank(): boolean {
    return this.nFields === 1 && this.recEnd === this.recStart;
  }

  /** Field `f` of the current record, unquoted and decoded as UTF-8. */
  fieldValue(f: number): string {
    const s = this.fStart[f] as number;
    const e = this.fEnd[f] as number;
    if (this.fQuoted[f] === 0) return this.buf.toString('utf8', s, e);
    const tmp = Buffer.allocUnsafe(e - s);
    const n = unquoteInto(this.buf, s, e, tmp, 0);
    return tmp.toString('utf8', 0, n);
  }

  /** All fields of the current record, unquoted and decoded as UTF-8 (for headers). */
  fieldValues(): string[] {
    const out: string[] = [];
    for (let f = 0; f < this.nFields; f++) out.push(this.fieldValue(f));
    return out;
  }
}
