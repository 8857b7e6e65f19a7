/**
 * The diff engine's optional native kernel (native/diff-kernel.cc, built by `npm install` with
 * node-gyp into build/Release/diff_kernel.node). When it is not there — no compiler on the machine,
 * or the build failed — the engine does the same work in JavaScript, only slower; results are the same
 * either way (tests run both).
 */
import { createRequire } from 'node:module';

/** Why scanKeyPrints stopped (state[3]). */
export const K_NEED_MORE = 0;
export const K_FULL = 1;
export const K_BAIL = 2;

/** Why matchRows stopped (state[3]). */
export const M_NEED_MORE = 0;
export const M_WINDOW = 1;
export const M_OTHER = 2;

export interface DiffKernel {
  /**
   * Scans the plain records (one line, LF/CRLF, the right number of fields) of buf[pos, end) into
   * the output arrays from index `at`: per row its key fingerprint (as KeyFingerprint.of), file
   * offset (base + position), content length, 1 (one line) and line number (firstLine for the record
   * at pos). state receives [next position, rows written, next line, why it stopped: K_NEED_MORE
   * (the next record is incomplete, or the buffer is done), K_FULL (outputs full), K_BAIL (the next
   * record is for CsvReader: several lines, a bare CR, ragged, unterminated quote)].
   */
  scanKeyPrints(
    buf: Uint8Array,
    pos: number,
    end: number,
    eof: boolean,
    keyCols: Int32Array,
    nCols: number,
    mask: Int32Array,
    base: number,
    firstLine: number,
    h1: Int32Array,
    h2: Int32Array,
    off: Float64Array,
    len: Uint32Array,
    oneLine: Uint8Array,
    line: Uint32Array,
    at: number,
    state: Float64Array,
  ): void;

  /**
   * FpTable.build's inserts (see there): entries [0, n) into `slots` ((h1, entry + 1) pairs, home
   * slot h1 >>> shift) in region order (top rBits of h1; `order` is filled when from is 0), from
   * position `from` of that order; an entry whose fingerprint is already in (earlier entry, entry)
   * goes to `pairs` instead, and the call stops when pairs is full. state receives [next position,
   * pairs written].
   */
  indexPrints(
    h1: Int32Array,
    h2: Int32Array,
    n: number,
    slots: Int32Array,
    shift: number,
    rBits: number,
    order: Int32Array,
    from: number,
    pairs: Int32Array,
    state: Float64Array,
  ): void;

  /**
   * The keyless table's fast path for a run of rows: while the new file's next record (buf[pos..],
   * base: file offset of buf[0], `line` its line) is byte for byte entry idx's one-line old row (in
   * win, whose win[0] is old-file offset winBase, holding winLen bytes) followed by a terminator,
   * marks the entry unchanged (newOff, status) and goes on with entry idx + 1. state receives [next
   * position, rows matched, next entry, why it stopped (M_NEED_MORE: the next record is incomplete;
   * M_WINDOW: the next old row is not in the window; M_OTHER: no prediction or other bytes), entries
   * already seen in the new file (repeated keys), line of the first of those (0: none), next line].
   */
  matchRows(
    buf: Uint8Array,
    pos: number,
    end: number,
    eof: boolean,
    win: Uint8Array,
    winBase: number,
    winLen: number,
    oldOff: Float64Array,
    refLen: Uint32Array,
    oneLine: Uint8Array,
    newOff: Float64Array,
    status: Uint8Array,
    count: number,
    idx: number,
    base: number,
    line: number,
    state: Float64Array,
  ): void;
}

let loaded: DiffKernel | null | undefined;

/** The native kernel, or null when it was not built (or QUINTET_NATIVE=0). */
export function nativeKernel(): DiffKernel | null {
  if (loaded === undefined) {
    loaded = null;
    if (process.env.QUINTET_NATIVE !== '0') {
      try {
        // Same depth from src/systems/diffing and dist/systems/diffing.
        loaded = createRequire(import.meta.url)('../../../build/Release/diff_kernel.node') as DiffKernel;
      } catch {
        loaded = null;
      }
    }
  }
  return loaded;
}
