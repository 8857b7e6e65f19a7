import fc from 'fast-check';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CsvReader, NEED_MORE, RECORD } from '../../../platform/csv/csv-reader.js';
import { KeyFingerprint } from './key-fingerprint.js';
import {
  K_BAIL,
  K_FULL,
  K_NEED_MORE,
  M_NEED_MORE,
  M_OTHER,
  M_WINDOW,
  nativeKernel,
  usableKernel,
  type DiffKernel,
} from './native-kernel.js';

const dir = mkdtempSync(join(tmpdir(), 'native-kernel-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let fileNo = 0;

// `npm install` builds the kernel (g++ is on every machine Quintet supports); QUINTET_NATIVE=0 says
// to run without it, and then these tests do not apply.
const kernel = nativeKernel();
const describeKernel = process.env.QUINTET_NATIVE === '0' ? describe.skip : describe;
/** FpTable's one-line flag (row-prints.ts F_ONE_LINE), which scanKeyPrints sets on its rows. */
const F_ONE_LINE = 4;

interface Row {
  h1: number;
  h2: number;
  off: number;
  len: number;
}

/** The reader's current record as a Row, fingerprinted in JavaScript (KeyFingerprint). */
function rowOf(rd: CsvReader, keyCols: Int32Array, mask: [number, number]): Row {
  const kf = new KeyFingerprint(mask);
  kf.of(rd.buf, rd.view, rd.fStart, rd.fEnd, rd.fQuoted, keyCols);
  return { h1: kf.h1, h2: kf.h2, off: rd.recordOffset, len: rd.recEnd - rd.recStart };
}

/** What the JavaScript path computes: CsvReader records with the right field count, fingerprinted. */
async function jsRows(
  path: string,
  nCols: number,
  keyCols: Int32Array,
  mask: [number, number],
): Promise<{ rows: Row[]; lines: number }> {
  const rd = await CsvReader.open(path, 1 << 16);
  const rows: Row[] = [];
  try {
    for (;;) {
      const r = rd.next();
      if (r === NEED_MORE) {
        await rd.fill();
      } else if (r === RECORD) {
        if (rd.nFields !== nCols || rd.isBlank()) continue;
        rows.push(rowOf(rd, keyCols, mask));
      } else {
        return { rows, lines: rd.nextLineNumber };
      }
    }
  } finally {
    await rd.close();
  }
}

/** The kernel over the whole file in one buffer, with CsvReader reading each record it bails on. */
async function kernelRows(
  k: DiffKernel,
  path: string,
  text: Buffer,
  nCols: number,
  keyCols: Int32Array,
  mask: [number, number],
): Promise<{ rows: Row[]; lines: number; bails: number }> {
  const cap = 64;
  const h1 = new Int32Array(cap);
  const h2 = new Int32Array(cap);
  const offLo = new Uint32Array(cap);
  const offHi = new Uint8Array(cap);
  const len = new Uint16Array(cap);
  const flags = new Uint8Array(cap);
  const state = new Float64Array(4);
  const rows: Row[] = [];
  const rd = await CsvReader.open(path, text.length + 16);
  let bails = 0;
  try {
    await rd.fill();
    for (;;) {
      k.scanKeyPrints(
        rd.buf,
        rd.pos,
        rd.len,
        rd.eof,
        keyCols,
        nCols,
        Int32Array.from(mask),
        rd.base,
        rd.nextLineNumber,
        h1,
        h2,
        offLo,
        offHi,
        len,
        flags,
        0,
        state,
      );
      for (let i = 0; i < state[1]!; i++) {
        expect(flags[i]).toBe(F_ONE_LINE);
        rows.push({ h1: h1[i]!, h2: h2[i]!, off: offHi[i]! * 2 ** 32 + offLo[i]!, len: len[i]! });
      }
      rd.advance(state[0]!, state[2]!);
      if (state[3] === K_NEED_MORE) {
        expect(rd.pos).toBe(rd.len); // the whole file is in the buffer
        return { rows, lines: rd.nextLineNumber, bails };
      }
      if (state[3] === K_BAIL) {
        bails++;
        const r = rd.next();
        expect(r).toBe(RECORD);
        if (rd.nFields !== nCols || rd.isBlank()) continue;
        rows.push(rowOf(rd, keyCols, mask));
      }
    }
  } finally {
    await rd.close();
  }
}

describeKernel('native kernel', () => {
  it('is built (npm install compiles native/diff-kernel.cc)', () => {
    expect(kernel).not.toBeNull();
  });

  it('scanKeyPrints: the same rows, offsets, lengths, line count and key fingerprints as CsvReader + KeyFingerprint (property)', async () => {
    const k = kernel as DiffKernel;
    const field = fc.oneof(
      fc.constantFrom(
        '',
        'a',
        'é',
        ' x ',
        '2024-01-01',
        'c-revenue-pc',
        '448543.69',
        'Paris, "Île"'.slice(0, 5),
      ),
      fc.string({ unit: fc.constantFrom('a', 'b', '1', 'é', '-', ' '), maxLength: 13 }),
      fc
        .string({ unit: fc.constantFrom('a', ',', '"', '\n', '\r', 'b', ' ', 'é'), maxLength: 9 })
        .map((s) => `"${s.replace(/"/g, '""')}"`),
      fc.constantFrom('"quoted"tail', '"a,b"c', 'mid"quote'),
    );
    const nCols = 4;
    // Mostly well-formed rows; some ragged, blank, bare-CR or multi-line ones (the kernel leaves those).
    const record = fc.oneof(
      {
        weight: 8,
        arbitrary: fc.array(field, { minLength: nCols, maxLength: nCols }).map((f) => f.join(',')),
      },
      { weight: 1, arbitrary: fc.array(field, { minLength: 1, maxLength: 6 }).map((f) => f.join(',')) },
    );
    const text = fc
      .tuple(
        fc.array(fc.tuple(record, fc.constantFrom('\n', '\n', '\r\n', '\r', '\n\n')), {
          minLength: 1,
          maxLength: 30,
        }),
        fc.boolean(),
      )
      .map(([recs, finalNl]) =>
        recs.map(([r, t], i) => r + (i < recs.length - 1 || finalNl ? t : '')).join(''),
      );
    const keys = fc.constantFrom(Int32Array.from([0]), Int32Array.from([1, 3]), Int32Array.from([3, 0, 2]));
    const mask = fc.constantFrom<[number, number]>([-1, -1], [0xff, -1], [7, 3]);
    let bails = 0;
    await fc.assert(
      fc.asyncProperty(text, keys, mask, async (t, keyCols, m) => {
        const path = join(dir, `k${fileNo++}.csv`);
        const bytes = Buffer.from(t);
        writeFileSync(path, bytes);
        const want = await jsRows(path, nCols, keyCols, m).catch(() => null); // a syntax error: not compared
        if (want === null) return;
        const got = await kernelRows(k, path, bytes, nCols, keyCols, m);
        bails += got.bails;
        expect(got.rows).toEqual(want.rows);
        expect(got.lines).toBe(want.lines);
      }),
      { numRuns: 400 },
    );
    expect(bails).toBeGreaterThan(0); // the leave-it-to-CsvReader path really ran
  });

  it('scanKeyPrints stops when the outputs are full, before a record that is not complete yet, and before a long row', () => {
    const k = kernel as DiffKernel;
    const long = 'x'.repeat(0xffff);
    const buf = Buffer.from(`a,1\nb,2\nc,3\n${long},4\nd,`);
    const state = new Float64Array(4);
    /** Two rows of room; the buffer from pos, file offset 2^32 + 100 at buf[0], `line` the line at pos. */
    const scan = (pos: number, line: number, eof = false) => {
      const o = {
        h1: new Int32Array(2),
        h2: new Int32Array(2),
        lo: new Uint32Array(2),
        hi: new Uint8Array(2),
      };
      const [len, flags] = [new Uint16Array(2), new Uint8Array(2)];
      const [keys, mask] = [Int32Array.from([0]), Int32Array.from([-1, -1])];
      k.scanKeyPrints(
        buf,
        pos,
        buf.length,
        eof,
        keys,
        2,
        mask,
        2 ** 32 + 100,
        line,
        o.h1,
        o.h2,
        o.lo,
        o.hi,
        len,
        flags,
        0,
        state,
      );
      return { lo: Array.from(o.lo), hi: Array.from(o.hi), len: Array.from(len), state: Array.from(state) };
    };
    // Full after a,1 and b,2.
    expect(scan(0, 7)).toEqual({ lo: [100, 104], hi: [1, 1], len: [3, 3], state: [8, 2, 9, K_FULL] });
    // c,3; then a row too long for the 16-bit lengths is CsvReader's.
    expect(scan(8, 9)).toEqual({ lo: [108, 0], hi: [1, 0], len: [3, 0], state: [12, 1, 10, K_BAIL] });
    // "d," may go on in the next chunk; at the end of the file it is a row.
    const d = buf.length - 2;
    expect(scan(d, 11).state).toEqual([d, 0, 11, K_NEED_MORE]);
    expect(scan(d, 11, true).state).toEqual([buf.length, 1, 12, K_NEED_MORE]);
  });

  it('indexPrints inserts in order and reports a repeated fingerprint as (earlier, later) instead', () => {
    const k = kernel as DiffKernel;
    // Entries 0..5; entry 3 repeats entry 1's fingerprint, entry 5 entry 3's (hence 1's).
    const h1 = Int32Array.from([0x10000000, 0x7fff0001, -5, 0x7fff0001, 0x10000001, 0x7fff0001]);
    const h2 = Int32Array.from([1, 2, 3, 2, 1, 2]);
    const slots = new Int32Array(13);
    const pairs = new Int32Array(2);
    const state = new Float64Array(2);
    k.indexPrints(h1, h2, 6, slots, 4, 0, 0, pairs, state);
    expect(Array.from(state)).toEqual([4, 1]); // pairs full after (1, 3)
    expect(Array.from(pairs)).toEqual([1, 3]);
    k.indexPrints(h1, h2, 6, slots, 4, 0, 4, pairs, state);
    expect(Array.from(state)).toEqual([6, 1]);
    expect(Array.from(pairs)).toEqual([1, 5]);
    // Four entries in the slots, each as tag (h1's low 28 bits) << 4 | entry + 1, near its home.
    const inSlots = Array.from(slots)
      .filter((v) => v !== 0)
      .map((v) => (v >>> 0) & 15)
      .sort();
    expect(inSlots).toEqual([1, 2, 3, 5]);
    for (const e of [0, 1, 2, 4]) {
      const home = Math.floor(((h1[e]! >>> 0) * 13) / 2 ** 32);
      const at = Array.from(slots).findIndex((v) => ((v >>> 0) & 15) === e + 1);
      expect(slots[at]! >>> 4).toBe((h1[e]! >>> 0) & (2 ** 28 - 1));
      expect((at - home + 13) % 13).toBeLessThan(4);
    }
    expect(() => k.indexPrints(h1, h2, 6, new Int32Array(5), 4, 0, 0, pairs, state)).toThrow(/sizes/);
  });
});

describeKernel('native kernel: matchRows (the keyless fast path)', () => {
  /** Old rows "a,1" "b,2" "c,3" at old-file offsets 10, 14, 18 (window = old bytes from offset 10). */
  const old = Buffer.from('a,1\nb,2\nc,3\n');
  const F_SEEN = 8;
  const run = (text: string, eof: boolean, winLen = old.length, seen = [0, 0, 0]) => {
    const k = kernel as DiffKernel;
    const flags = Uint8Array.from(seen, (s) => F_ONE_LINE | s);
    const buf = Buffer.from(text);
    const st = new Float64Array(5);
    k.matchRows(
      buf,
      0,
      buf.length,
      eof,
      old,
      10,
      winLen,
      Uint32Array.from([10, 14, 18]),
      new Uint8Array(3),
      Uint16Array.from([3, 3, 3]),
      flags,
      3,
      0,
      5,
      st,
    );
    return { state: Array.from(st), flags: Array.from(flags) };
  };

  it('marks a run of byte-identical rows seen and unchanged, across LF, CRLF and bare-CR terminators', () => {
    const r = run('a,1\r\nb,2\rc,3\nzzz\n', false);
    // [next position, rows, next entry, why (M_OTHER: "zzz" has no entry), next line]
    expect(r.state).toEqual([13, 3, 3, M_OTHER, 8]);
    expect(r.flags).toEqual([F_ONE_LINE | F_SEEN | 1, F_ONE_LINE | F_SEEN | 1, F_ONE_LINE | F_SEEN | 1]);
  });

  it('stops at other bytes, at a row not complete yet, at the end of the window and at an entry already seen', () => {
    expect(run('a,1\nb,9\n', false).state.slice(0, 4)).toEqual([4, 1, 1, M_OTHER]);
    expect(run('a,1\nb,2', false).state.slice(0, 4)).toEqual([4, 1, 1, M_NEED_MORE]); // "b,2" may go on
    expect(run('a,1\nb,2', true).state.slice(0, 4)).toEqual([7, 2, 2, M_NEED_MORE]); // the file's end ends a row
    expect(run('a,1\nb,2\nc,3\n', false, 6).state.slice(0, 4)).toEqual([4, 1, 1, M_WINDOW]);
    expect(run('a,12\n', false).state.slice(0, 4)).toEqual([0, 0, 0, M_OTHER]); // a longer row is another row
    // A repeated key is left to the JavaScript code, which records where its last row is.
    const r = run('a,1\nb,2\nc,3\n', false, old.length, [0, F_SEEN, 0]);
    expect(r.state.slice(0, 4)).toEqual([4, 1, 1, M_OTHER]);
    expect(r.flags).toEqual([F_ONE_LINE | F_SEEN | 1, F_ONE_LINE | F_SEEN, F_ONE_LINE]);
  });
});

describeKernel('native kernel: scatterRows (the keyless partitioned split)', () => {
  it('appends each row and a newline to its partition region, with (partition offset, file offset) pairs', () => {
    const k = kernel as DiffKernel;
    // Rows "a,1" "bb,2" "c,3" "d,4" at file offsets 1000, 1004, 1009, 1013 (src[0] is offset 1000).
    const src = Buffer.from('a,1\nbb,2\nc,3\nd,4\n');
    const h2 = Int32Array.from([0x10, -1, 0x7fffffff, -0x7fffffff]); // partitions 0, 1, 0, 1 of 2
    const offLo = Uint32Array.from([1000, 1004, 1009, 1013]);
    const len = Uint16Array.from([3, 4, 3, 3]);
    const region = 8;
    const dst = Buffer.alloc(2 * region);
    const fill = new Float64Array(2);
    const partPos = Float64Array.from([100, 200]);
    const offs = new Float64Array(2 * 4);
    const offsFill = new Float64Array(2);
    const state = new Float64Array(2);
    const run = (from: number) =>
      k.scatterRows(
        src,
        1000,
        h2,
        offLo,
        new Uint8Array(4),
        len,
        from,
        4,
        2,
        dst,
        region,
        fill,
        partPos,
        offs,
        4,
        offsFill,
        state,
      );
    run(0);
    // Partition 1 has room for "bb,2\n" (5 bytes) but not also "d,4\n": stop before row 3.
    expect(Array.from(state)).toEqual([3, 1]);
    expect(dst.subarray(0, 8).toString()).toBe('a,1\nc,3\n');
    expect(dst.subarray(8, 13).toString()).toBe('bb,2\n');
    expect(Array.from(fill)).toEqual([8, 5]);
    expect(Array.from(offs)).toEqual([100, 1000, 104, 1009, 200, 1004, 0, 0]);
    expect(Array.from(offsFill)).toEqual([4, 2]);
    // The caller flushes partition 1 and goes on.
    fill[1] = 0;
    offsFill[1] = 0;
    partPos[1] = 205;
    run(3);
    expect(Array.from(state)).toEqual([4, -1]);
    expect(dst.subarray(8, 12).toString()).toBe('d,4\n');
    expect(Array.from(offs.subarray(4, 6))).toEqual([205, 1013]);
    // A long row's 16-bit marker stops the call before it; a row outside the buffer is refused.
    len[0] = 0xffff;
    run(0);
    expect(Array.from(state)).toEqual([0, -2]);
    len[0] = 3;
    offLo[0] = 990;
    fill.fill(0);
    offsFill.fill(0);
    expect(() => run(0)).toThrow(/outside the source buffer/);
  });
});

describe('usableKernel (a stale build of the kernel is not used)', () => {
  it('takes a module with every function, and none that lacks one', () => {
    const fn = (): void => undefined;
    const all = { scanKeyPrints: fn, indexPrints: fn, matchRows: fn, matchByKey: fn, scatterRows: fn };
    expect(usableKernel(all)).toBe(all);
    const { matchByKey: _gone, ...stale } = all;
    expect(usableKernel(stale)).toBeNull();
    expect(usableKernel({ ...all, matchByKey: 1 })).toBeNull();
  });
});
