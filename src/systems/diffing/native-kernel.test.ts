import fc from 'fast-check';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CsvReader, NEED_MORE, RECORD } from './csv-scan.js';
import { KeyFingerprint } from './key-fingerprint.js';
import {
  K_BAIL,
  K_FULL,
  K_NEED_MORE,
  M_NEED_MORE,
  M_OTHER,
  M_WINDOW,
  nativeKernel,
  type DiffKernel,
} from './native-kernel.js';

const dir = mkdtempSync(join(tmpdir(), 'native-kernel-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let fileNo = 0;

// `npm install` builds the kernel (g++ is on every machine Quintet supports); QUINTET_NATIVE=0 says
// to run without it, and then these tests do not apply.
const kernel = nativeKernel();
const describeKernel = process.env.QUINTET_NATIVE === '0' ? describe.skip : describe;

interface Row {
  h1: number;
  h2: number;
  off: number;
  len: number;
  line: number;
}

/** The reader's current record as a Row, fingerprinted in JavaScript (KeyFingerprint). */
function rowOf(rd: CsvReader, keyCols: Int32Array, mask: [number, number]): Row {
  const kf = new KeyFingerprint(mask);
  kf.of(rd.buf, rd.view, rd.fStart, rd.fEnd, rd.fQuoted, keyCols);
  return { h1: kf.h1, h2: kf.h2, off: rd.recordOffset, len: rd.recEnd - rd.recStart, line: rd.line };
}

/** What the JavaScript path computes: CsvReader records with the right field count, fingerprinted. */
async function jsRows(
  path: string,
  nCols: number,
  keyCols: Int32Array,
  mask: [number, number],
): Promise<Row[]> {
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
        return rows;
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
): Promise<{ rows: Row[]; bails: number }> {
  const cap = 64;
  const h1 = new Int32Array(cap);
  const h2 = new Int32Array(cap);
  const off = new Float64Array(cap);
  const len = new Uint32Array(cap);
  const one = new Uint8Array(cap);
  const line = new Uint32Array(cap);
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
        off,
        len,
        one,
        line,
        0,
        state,
      );
      for (let i = 0; i < state[1]!; i++) {
        expect(one[i]).toBe(1);
        rows.push({ h1: h1[i]!, h2: h2[i]!, off: off[i]!, len: len[i]!, line: line[i]! });
      }
      rd.advance(state[0]!, state[2]!);
      if (state[3] === K_NEED_MORE) {
        expect(rd.pos).toBe(rd.len); // the whole file is in the buffer
        return { rows, bails };
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

  it('scanKeyPrints: the same rows, offsets, lines and key fingerprints as CsvReader + KeyFingerprint (property)', async () => {
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
        expect(got.rows).toEqual(want);
      }),
      { numRuns: 400 },
    );
    expect(bails).toBeGreaterThan(0); // the leave-it-to-CsvReader path really ran
  });

  it('scanKeyPrints stops when the outputs are full and before a record that is not complete yet', () => {
    const k = kernel as DiffKernel;
    const buf = Buffer.from('a,1\nb,2\nc,3\nd,');
    const state = new Float64Array(4);
    /** Two rows of room; the buffer from pos, file offset 100 at buf[0], `line` the line at pos. */
    const scan = (pos: number, line: number) => {
      const o = { h1: new Int32Array(2), h2: new Int32Array(2), off: new Float64Array(2) };
      const [len, one, lines] = [new Uint32Array(2), new Uint8Array(2), new Uint32Array(2)];
      const [keys, mask] = [Int32Array.from([0]), Int32Array.from([-1, -1])];
      k.scanKeyPrints(
        buf,
        pos,
        buf.length,
        false,
        keys,
        2,
        mask,
        100,
        line,
        o.h1,
        o.h2,
        o.off,
        len,
        one,
        lines,
        0,
        state,
      );
      return { off: Array.from(o.off), lines: Array.from(lines), state: Array.from(state) };
    };
    // Full after a,1 and b,2.
    expect(scan(0, 7)).toEqual({ off: [100, 104], lines: [7, 8], state: [8, 2, 9, K_FULL] });
    // c,3; then "d," may go on in the next chunk.
    expect(scan(8, 9)).toEqual({ off: [108, 0], lines: [9, 0], state: [12, 1, 10, K_NEED_MORE] });
  });
});

describeKernel('native kernel: matchRows (the keyless fast path)', () => {
  /** Old rows "a,1" "b,2" "c,3" at old-file offsets 10, 14, 18 (window = old bytes from offset 10). */
  const old = Buffer.from('a,1\nb,2\nc,3\n');
  const table = () => ({
    oldOff: Float64Array.from([10, 14, 18]),
    refLen: Uint32Array.from([3, 3, 3]),
    oneLine: Uint8Array.from([1, 1, 1]),
    newOff: Float64Array.from([-1, -1, 500]), // entry 2's key was already seen in the new file
    status: new Uint8Array(3),
  });
  const run = (text: string, eof: boolean, winLen = old.length) => {
    const k = kernel as DiffKernel;
    const t = table();
    const buf = Buffer.from(text);
    const st = new Float64Array(7);
    k.matchRows(
      buf,
      0,
      buf.length,
      eof,
      old,
      10,
      winLen,
      t.oldOff,
      t.refLen,
      t.oneLine,
      t.newOff,
      t.status,
      3,
      0,
      1000,
      5,
      st,
    );
    return { state: Array.from(st), newOff: Array.from(t.newOff), status: Array.from(t.status) };
  };

  it('marks a run of byte-identical rows unchanged, across LF, CRLF and bare-CR terminators', () => {
    const r = run('a,1\r\nb,2\rc,3\nzzz\n', false);
    // [next position, rows, next entry, why (M_OTHER: "zzz" has no entry), repeats, first repeat line, next line]
    expect(r.state).toEqual([13, 3, 3, M_OTHER, 1, 7, 8]);
    expect(r.newOff).toEqual([1000, 1005, 1009]);
    expect(r.status).toEqual([1, 1, 1]);
  });

  it('stops at other bytes, at a row not complete yet, and at the end of the window', () => {
    expect(run('a,1\nb,9\n', false).state.slice(0, 4)).toEqual([4, 1, 1, M_OTHER]);
    expect(run('a,1\nb,2', false).state.slice(0, 4)).toEqual([4, 1, 1, M_NEED_MORE]); // "b,2" may go on
    expect(run('a,1\nb,2', true).state.slice(0, 4)).toEqual([7, 2, 2, M_NEED_MORE]); // the file's end ends a row
    expect(run('a,1\nb,2\nc,3\n', false, 6).state.slice(0, 4)).toEqual([4, 1, 1, M_WINDOW]);
    expect(run('a,12\n', false).state.slice(0, 4)).toEqual([0, 0, 0, M_OTHER]); // a longer row is another row
  });
});
