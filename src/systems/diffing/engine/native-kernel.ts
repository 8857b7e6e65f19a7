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

/** What a record matchByKey left needs (pendKind): the general path, or only its value compared. */
export const P_GENERAL = 0;
export const P_VALUE = 1;

/** Why matchRows stopped (state[3]). */
export const M_NEED_MORE = 0;
export const M_WINDOW = 1;
export const M_OTHER = 2;

export interface DiffKernel {
  /**
   * Scans the plain records (one line, LF/CRLF, the right number of fields, content shorter than
   * 65,535 bytes) of buf[pos, end) into the output arrays from index `at`: per row its key
   * fingerprint (as KeyFingerprint.of), file offset (base + position, as a 32-bit low part and an
   * 8-bit high part), content length and flags (FpTable's one-line flag). `firstLine` is the line of
   * the record at pos. state receives [next position, rows written, next line, why it stopped:
   * K_NEED_MORE (the next record is incomplete, or the buffer is done), K_FULL (outputs full), K_BAIL
   * (the next record is for CsvReader: several lines, a bare CR, ragged, unterminated quote, long)].
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
    offLo: Uint32Array,
    offHi: Uint8Array,
    len: Uint16Array,
    flags: Uint8Array,
    at: number,
    state: Float64Array,
  ): void;

  /**
   * FpTable.build's inserts (see there): entries [from, n) in order into `slots` (tag << idxBits |
   * entry + 1; home slot FpTable.home with `homeShift`); an entry whose fingerprint is already in
   * goes to `pairs` as (earlier entry, entry) instead, and the call stops when pairs is full. state
   * receives [next entry, pairs written].
   */
  indexPrints(
    h1: Int32Array,
    h2: Int32Array,
    n: number,
    slots: Int32Array,
    idxBits: number,
    homeShift: number,
    from: number,
    pairs: Int32Array,
    state: Float64Array,
  ): void;

  /**
   * The keyless table's fast path for a run of rows: while the new file's next record (buf[pos..],
   * on line `line`) is byte for byte the one-line old row of entry idx (< count, not yet seen in the
   * new file; its bytes in win, whose win[0] is old-file offset winBase, holding winLen bytes)
   * followed by a terminator, marks the entry seen and unchanged (flags) and goes on with entry
   * idx + 1. state receives [next position, rows matched, next entry, why it stopped (M_NEED_MORE:
   * the next record is incomplete; M_WINDOW: the next old row is not in the window; M_OTHER: no
   * prediction, an entry already seen, or other bytes), next line].
   */
  matchRows(
    buf: Uint8Array,
    pos: number,
    end: number,
    eof: boolean,
    win: Uint8Array,
    winBase: number,
    winLen: number,
    offLo: Uint32Array,
    offHi: Uint8Array,
    len: Uint16Array,
    flags: Uint8Array,
    count: number,
    idx: number,
    line: number,
    state: Float64Array,
  ): void;

  /**
   * The new-file scan of the keyless table for a new file in another order than the old one, whose
   * old rows are all in `win` (the old file from offset 0, winLen bytes), for a batch of the plain
   * records (as scanKeyPrints reads them) from buf[pos] (on line `line`): a record whose key
   * fingerprint (masked by `mask`) finds in the table's slots (FpTable: idxBits, homeShift) an old
   * entry (< count) whose one-line old row is byte for byte the record marks that entry seen and
   * unchanged (flags). Every other record goes to the pending arrays (start, line, entry or -1; the
   * entry marked F_PENDING) for the general path. The batch ends before a record that is not plain
   * or whose entry is seen or pending already, when the pending arrays are full, or at the buffer's
   * end. With `valCol` (>= 0: the value column, not a key column), a record with the bytes of its
   * entry's old row but for an unquoted value is pending as P_VALUE (pendKind; else P_GENERAL), its
   * new and old values' spans in pendValue (buffer positions, window offsets: 4 numbers a record);
   * pendEnd: each pending record's end. state receives [position after the batch, rows marked
   * unchanged, line after the batch, why it ended (M_NEED_MORE: at an incomplete record; M_OTHER:
   * any other), pending records].
   */
  matchByKey(
    buf: Uint8Array,
    pos: number,
    end: number,
    eof: boolean,
    keyCols: Int32Array,
    nCols: number,
    mask: Int32Array,
    win: Uint8Array,
    winLen: number,
    h1: Int32Array,
    h2: Int32Array,
    offLo: Uint32Array,
    offHi: Uint8Array,
    len: Uint16Array,
    flags: Uint8Array,
    count: number,
    slots: Int32Array,
    idxBits: number,
    homeShift: number,
    line: number,
    pendStart: Float64Array,
    pendLine: Float64Array,
    pendEntry: Int32Array,
    pendKind: Uint8Array,
    pendEnd: Float64Array,
    pendValue: Float64Array,
    valCol: number,
    state: Float64Array,
  ): void;

  /**
   * The keyless partitioned path's split of the new file: rows [from, count) of a scan batch (their
   * bytes in src, src[0] being file offset base) are appended with a '\n' to their partition's
   * region of dst (the top bits of h2 scaled to nParts; region p is dst[p * regionSize,
   * +regionSize), fill[p] bytes used) and (partPos[p] + fill[p], file offset) to its region of offs
   * (offsRegion float64s each, offsFill[p] used). state receives [next row, -1] when all are done,
   * [row, partition] before a row that does not fit its partition's regions, [row, -2] before a row
   * whose length is the 16-bit marker of a long one.
   */
  scatterRows(
    src: Uint8Array,
    base: number,
    h2: Int32Array,
    offLo: Uint32Array,
    offHi: Uint8Array,
    len: Uint16Array,
    from: number,
    count: number,
    nParts: number,
    dst: Uint8Array,
    regionSize: number,
    fill: Float64Array,
    partPos: Float64Array,
    offs: Float64Array,
    offsRegion: number,
    offsFill: Float64Array,
    state: Float64Array,
  ): void;
}

let loaded: DiffKernel | null | undefined;

/** The functions a kernel must have to be used. */
const KERNEL_FUNCTIONS: readonly (keyof DiffKernel)[] = [
  'scanKeyPrints',
  'indexPrints',
  'matchRows',
  'matchByKey',
  'scatterRows',
];

/** The loaded module as a kernel, or null when it lacks a function (built before it was added: a stale build/). */
export function usableKernel(k: Record<string, unknown>): DiffKernel | null {
  return KERNEL_FUNCTIONS.every((f) => typeof k[f] === 'function') ? (k as unknown as DiffKernel) : null;
}

/** The native kernel, or null when it was not built (or QUINTET_NATIVE=0). */
export function nativeKernel(): DiffKernel | null {
  if (loaded === undefined) {
    loaded = null;
    if (process.env.QUINTET_NATIVE !== '0') {
      try {
        // Same depth from src/systems/diffing/engine and dist/systems/diffing/engine.
        const k = createRequire(import.meta.url)('../../../../build/Release/diff_kernel.node') as Record<
          string,
          unknown
        >;
        loaded = usableKernel(k);
      } catch {
        loaded = null;
      }
    }
  }
  return loaded;
}
