import fc from 'fast-check';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  DiffInputError,
  runDiff,
  runDiffTuned,
  type DiffOptions,
  type Tuning,
  type DiffSpec,
  type DiffStats,
} from './diff-engine.js';
import { referenceDiff } from './diff-reference.js';

const root = mkdtempSync(join(tmpdir(), 'diff-engine-test-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let caseNo = 0;

const SPEC: DiffSpec = { keys: ['date', 'seg'], value: 'value' };

interface Mode {
  name?: string;
  forcePartitions?: number;
  chunkSize?: number;
  tuning?: Partial<Tuning>;
}
/** Keyless table with fingerprints of a few bits: many keys share one (probing, predictions). */
const WEAK_H1: Partial<Tuning> = { fingerprintMask: [3, -1] };
/** Every two different keys collide: the diff always starts again with the KeyTable. */
const COLLIDING: Partial<Tuning> = { fingerprintMask: [0, 0] };
const MODES: Mode[] = [
  { name: 'in-memory' },
  { name: 'in-memory, 64-byte chunks', chunkSize: 64 },
  { name: 'in-memory, key table', tuning: { keyless: false } },
  { name: 'in-memory, no native kernel, 64-byte chunks', chunkSize: 64, tuning: { native: false } },
  { name: 'in-memory, 2-bit first fingerprint half', tuning: WEAK_H1 },
  { name: 'in-memory, colliding fingerprints, 64-byte chunks', chunkSize: 64, tuning: COLLIDING },
  { name: 'partitioned (3)', forcePartitions: 3 },
  { name: 'partitioned (1), 64-byte chunks', forcePartitions: 1, chunkSize: 64 },
  { name: 'partitioned (3), key tables', forcePartitions: 3, tuning: { keyless: false } },
  {
    name: 'partitioned (2), no native kernel, 64-byte chunks',
    forcePartitions: 2,
    chunkSize: 64,
    tuning: { native: false },
  },
  { name: 'partitioned (2), colliding fingerprints', forcePartitions: 2, tuning: COLLIDING },
];

interface Run {
  out: string;
  deleted: string;
  outBytes: Buffer;
  stats: DiffStats;
  dir: string;
}

async function diff(
  oldText: string | Buffer,
  newText: string | Buffer,
  mode: Mode = {},
  spec: DiffSpec = SPEC,
  extra: Partial<DiffOptions> = {},
): Promise<Run> {
  const d = mkdtempSync(join(root, `case-${caseNo++}-`));
  writeFileSync(join(d, 'old.csv'), oldText);
  writeFileSync(join(d, 'new.csv'), newText);
  const opts: DiffOptions = {
    oldPath: join(d, 'old.csv'),
    newPath: join(d, 'new.csv'),
    outPath: join(d, 'out.csv'),
    deletedPath: join(d, 'deleted.csv'),
    spec,
    forcePartitions: mode.forcePartitions,
    ...extra,
  };
  const stats = await runDiffTuned(opts, {
    chunkSize: mode.chunkSize ?? 8 << 20,
    copyChunkSize: mode.chunkSize ?? 256 << 10,
    ...mode.tuning,
  });
  const outBytes = readFileSync(opts.outPath);
  return {
    out: outBytes.toString('utf8'),
    deleted: readFileSync(opts.deletedPath, 'utf8'),
    outBytes,
    stats,
    dir: d,
  };
}

async function diffError(
  oldText: string,
  newText: string,
  mode: Mode = {},
): Promise<{ err: DiffInputError; dir: string }> {
  const d = mkdtempSync(join(root, 'err-'));
  writeFileSync(join(d, 'old.csv'), oldText);
  writeFileSync(join(d, 'new.csv'), newText);
  try {
    await runDiffTuned(
      {
        oldPath: join(d, 'old.csv'),
        newPath: join(d, 'new.csv'),
        outPath: join(d, 'out.csv'),
        deletedPath: join(d, 'deleted.csv'),
        spec: SPEC,
        forcePartitions: mode.forcePartitions,
      },
      { chunkSize: mode.chunkSize ?? 8 << 20, copyChunkSize: 256 << 10, ...mode.tuning },
    );
  } catch (e) {
    if (e instanceof DiffInputError) return { err: e, dir: d };
    throw e;
  }
  throw new Error('expected a DiffInputError');
}

const H = 'date,seg,value\n';

describe.each(MODES)('runDiff ($name)', (mode) => {
  it('outputs the header plus new and changed rows in new-file order, and counts everything', async () => {
    const oldText = H + 'd1,a,1\nd1,b,2\nd1,c,3\nd2,a,4\n';
    const newText = H + 'd2,a,4\nd1,c,30\nd1,z,9\nd1,a,1\n';
    const r = await diff(oldText, newText, mode);
    expect(r.out).toBe(H + 'd1,c,30\nd1,z,9\n');
    expect(r.deleted).toBe(H + 'd1,b,2\n');
    expect(r.stats).toMatchObject({
      rowsOld: 4,
      rowsNew: 4,
      rowsOut: 2,
      added: 1,
      changed: 1,
      unchanged: 2,
      deleted: 1,
      duplicateKeysOld: 0,
      duplicateKeysNew: 0,
      warnings: [],
    });
    expect(r.stats.partitions).toBe(mode.forcePartitions ?? 1);
  });

  it('applies the numeric tolerance: noise below 1e-9 relative is unchanged, above is a change', async () => {
    const oldText = H + 'd,a,1000\nd,b,1000\nd,c,0\nd,e,10\nd,f,\nd,g,inf\nd,h,nan\nd,i,nan\nd,j,abc\n';
    const newText =
      H +
      'd,a,1000.0000009\nd,b,1000.0000011\nd,c,1e-12\nd,e,10.0\nd,f,0\nd,g,Infinity\nd,h,nan\nd,i,NaN\nd,j,abc\n';
    const r = await diff(oldText, newText, mode);
    expect(r.out).toBe(H + 'd,b,1000.0000011\nd,c,1e-12\nd,f,0\nd,i,NaN\n');
    expect(r.stats.unchanged).toBe(5);
    expect(r.stats.changed).toBe(4);
  });

  it('keeps row bytes untouched: original quoting and number formatting are preserved', async () => {
    const oldText = H + 'd,a,1\n"d","b",2\n';
    const newText = H + '"d",a,"1.0"\nd,"b","2.50"\n"d","x, y","0010"\n';
    const r = await diff(oldText, newText, mode);
    // "d",a == d,a (unquoting), 1.0 == 1; "b" key matches b, 2.50 != 2; new key "x, y"
    expect(r.out).toBe(H + 'd,"b","2.50"\n"d","x, y","0010"\n');
    expect(r.stats).toMatchObject({ added: 1, changed: 1, unchanged: 1 });
  });

  it('handles quoted commas, doubled quotes and embedded newlines in keys and values', async () => {
    const oldText = H + '"d","a,b","1"\n"d","say ""hi""",2\n"d","multi\nline",3\n';
    const newText = H + 'd,"a,b",1\nd,"say ""hi""",2.5\nd,"multi\nline","3"\nd,"new\r\nrow","x""y"\n';
    const r = await diff(oldText, newText, mode);
    expect(r.out).toBe(H + 'd,"say ""hi""",2.5\nd,"new\r\nrow","x""y"\n');
    expect(r.stats).toMatchObject({ rowsOld: 3, rowsNew: 4, added: 1, changed: 1, unchanged: 2, deleted: 0 });
  });

  it('matches an empty segment cell with an empty (or quoted empty) segment cell', async () => {
    const oldText = H + 'd,,1\nd,"",2\nd,x,3\n';
    const newText = H + 'd,"",1\nd,x,3\n';
    const r = await diff(oldText, newText, mode);
    // old has the empty key twice (last wins: value 2), new has value 1 -> changed
    expect(r.out).toBe(H + 'd,"",1\n');
    expect(r.stats).toMatchObject({ changed: 1, unchanged: 1, duplicateKeysOld: 1 });
  });

  it('finds columns by name when the two files order them differently (and keeps the new header)', async () => {
    const oldText = 'value,seg,extra,date\n1,a,x,d1\n2,b,y,d1\n';
    const newText = 'date,extra,value,seg\nd1,q,1,a\nd1,q,3,b\nd2,q,4,a\n';
    const r = await diff(oldText, newText, mode);
    expect(r.out).toBe('date,extra,value,seg\nd1,q,3,b\nd2,q,4,a\n');
    expect(r.deleted).toBe('value,seg,extra,date\n');
    expect(r.stats).toMatchObject({ added: 1, changed: 1, unchanged: 1, deleted: 0 });
  });

  it('accepts CRLF, a BOM and a missing final newline; output rows use the new header terminator', async () => {
    const oldText = '\uFEFFdate,seg,value\r\nd,a,1\r\nd,b,2';
    const newText = 'date,seg,value\r\nd,a,1\nd,b,3\r\nd,c,4';
    const r = await diff(oldText, newText, mode);
    expect(r.out).toBe('date,seg,value\r\nd,b,3\r\nd,c,4\r\n');
    expect(r.stats).toMatchObject({ rowsOld: 2, rowsNew: 3, added: 1, changed: 1, unchanged: 1 });
  });

  it('keeps the BOM of the new file in the output and of the old file in the deleted file', async () => {
    const r = await diff('\uFEFF' + H + 'd,gone,1\n', '\uFEFF' + H + 'd,a,1\n', mode);
    expect(r.outBytes.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    expect(r.out).toBe('\uFEFF' + H + 'd,a,1\n');
    expect(r.deleted).toBe('\uFEFF' + H + 'd,gone,1\n');
  });

  it('ignores a blank trailing line and blank lines between rows', async () => {
    const r = await diff(H + 'd,a,1\n\n', H + 'd,a,1\n\nd,b,2\n\n\n', mode);
    expect(r.out).toBe(H + 'd,b,2\n');
    expect(r.stats).toMatchObject({ rowsOld: 1, rowsNew: 2 });
  });

  it('writes deleted rows with the old file bytes, in old-file order', async () => {
    const oldText = H + '"d",z,"1"\nd,keep,1\nd,y,2\n';
    const r = await diff(oldText, H + 'd,keep,1\n', mode);
    expect(r.out).toBe(H);
    expect(r.deleted).toBe(H + '"d",z,"1"\nd,y,2\n');
    expect(r.stats).toMatchObject({ deleted: 2, unchanged: 1, rowsOut: 0 });
  });

  it('lets the last occurrence of a duplicate key win, outputs it at its last position, and warns', async () => {
    const oldText = H + 'd,a,1\nd,b,1\nd,a,2\n';
    const newText = H + 'd,a,5\nd,b,1\nd,c,7\nd,a,2\nd,c,8\nd,c,9\n';
    const r = await diff(oldText, newText, mode);
    // a: old last = 2, new last = 2 -> unchanged (the earlier 5 is never output); c: added, at its last row
    expect(r.out).toBe(H + 'd,c,9\n');
    expect(r.stats).toMatchObject({
      rowsOld: 3,
      rowsNew: 6,
      added: 1,
      changed: 0,
      unchanged: 2,
      duplicateKeysOld: 1,
      duplicateKeysNew: 3,
    });
    expect(r.stats.warnings).toEqual([
      'old file: 1 duplicate key, last occurrence kept (first at line 4)',
      'new file: 3 duplicate keys, last occurrence kept (first at line 5)',
    ]);
  });

  it('outputs only the header when nothing changed, and handles header-only files', async () => {
    const same = await diff(H + 'd,a,1\n', H + 'd,a,1.0\n', mode);
    expect(same.out).toBe(H);
    const empty = await diff(H, 'date,seg,value', mode);
    expect(empty.out).toBe('date,seg,value\n');
    expect(empty.stats).toMatchObject({ rowsOld: 0, rowsNew: 0, rowsOut: 0 });
  });
});

describe('runDiff long headers and long fields', () => {
  it('keeps a header longer than several read chunks (with a BOM) byte for byte', async () => {
    const cols = Array.from({ length: 40 }, (_, i) => `col${i}`).join(',');
    const head = `\uFEFFdate,seg,value,${cols}\n`;
    const filler = Array.from({ length: 40 }, () => 'x').join(',');
    const r = await diff(`${head}d1,a,1,${filler}\n`, `${head}d1,a,2,${filler}\n`, { chunkSize: 64 });
    expect(r.out).toBe(`${head}d1,a,2,${filler}\n`);
    expect(r.deleted).toBe(head);
  });

  it('reads a field longer than the read-ahead reserve with small chunks', async () => {
    const long = 'x'.repeat(400_000);
    const r = await diff(`${H}d1,a,1\nd1,b,${long}\nd1,c,3\n`, `${H}d1,a,1\nd1,b,2\n`, { chunkSize: 4096 });
    expect(r.out).toBe(`${H}d1,b,2\n`);
    expect(r.deleted).toBe(`${H}d1,c,3\n`);
    expect(r.stats).toMatchObject({ changed: 1, unchanged: 1, deleted: 1 });
  });
});

describe('runDiff input errors', () => {
  it('names file, line and missing key column', async () => {
    const { err } = await diffError(H + 'd,a,1\n', 'date,segment,value\nd,a,1\n');
    expect(err.file).toBe('new');
    expect(err.path).toMatch(/new\.csv$/);
    expect(err.line).toBe(1);
    expect(err.reason).toContain("missing key column 'seg'");
    expect(err.message).toContain('new file');
    expect(err.message).toContain('new.csv');
    expect(err.message).toContain('line 1');
  });

  it('names the missing value column', async () => {
    const { err } = await diffError('date,seg,val\nd,a,1\n', H);
    expect(err).toMatchObject({ file: 'old', line: 1 });
    expect(err.reason).toContain("missing value column 'value'");
  });

  it.each(MODES)('reports a ragged row with expected vs got and its physical line ($name)', async (mode) => {
    const { err } = await diffError(H + 'd,a,1\n', H + 'd,"x\ny",1\nd,b\nd,c,3\n', mode);
    expect(err).toMatchObject({ file: 'new', line: 4 });
    expect(err.reason).toMatch(/expected 3 .*got 2/);
  });

  it('reports an unterminated quote at end of file at the line where the record starts', async () => {
    const { err } = await diffError(H + 'd,a,1\nd,"b,2\nmore\n', H);
    expect(err).toMatchObject({ file: 'old', line: 3 });
    expect(err.reason).toContain('unterminated');
  });

  it('reports a missing file and an empty file', async () => {
    const d = mkdtempSync(join(root, 'missing-'));
    writeFileSync(join(d, 'new.csv'), '');
    const opts = {
      oldPath: join(d, 'nope.csv'),
      newPath: join(d, 'new.csv'),
      outPath: join(d, 'out.csv'),
      deletedPath: join(d, 'del.csv'),
      spec: SPEC,
    };
    await expect(runDiff(opts)).rejects.toMatchObject({ name: 'DiffInputError', file: 'old', line: 0 });
    writeFileSync(join(d, 'nope.csv'), H);
    await expect(runDiff(opts)).rejects.toMatchObject({
      file: 'new',
      line: 1,
      reason: expect.stringContaining('empty'),
    });
  });

  it.each(MODES)('leaves no output and no temp files after a failure ($name)', async (mode) => {
    const { dir } = await diffError(H + 'd,a,1\n'.repeat(50), H + 'd,b,2\n'.repeat(50) + 'd,c\n', mode);
    expect(existsSync(join(dir, 'out.csv'))).toBe(false);
    expect(existsSync(join(dir, 'deleted.csv'))).toBe(false);
    expect(readdirSync(dir).sort()).toEqual(['new.csv', 'old.csv']);
  });

  it('does not touch an existing output file when the diff fails', async () => {
    const d = mkdtempSync(join(root, 'keep-'));
    writeFileSync(join(d, 'old.csv'), H + 'd,a,1\n');
    writeFileSync(join(d, 'new.csv'), H + 'd,a\n');
    writeFileSync(join(d, 'out.csv'), 'previous result\n');
    await expect(
      runDiff({
        oldPath: join(d, 'old.csv'),
        newPath: join(d, 'new.csv'),
        outPath: join(d, 'out.csv'),
        deletedPath: join(d, 'del.csv'),
        spec: SPEC,
      }),
    ).rejects.toBeInstanceOf(DiffInputError);
    expect(readFileSync(join(d, 'out.csv'), 'utf8')).toBe('previous result\n');
  });
});

describe('runDiff paths and progress', () => {
  function bigPair(rows: number): { oldText: string; newText: string } {
    let oldText = 'cohort,seg,stat,value\n';
    let newText = 'stat,cohort,value,seg\n';
    for (let i = 0; i < rows; i++) {
      const key = `2020-${(i % 12) + 1},"seg ${i % 97}",s${Math.floor(i / 1164)}`;
      const v = (i * 7.31) % 1000;
      if (i % 50 !== 0) oldText += `${key},${v}\n`;
      const [c, s, st] = [`2020-${(i % 12) + 1}`, `"seg ${i % 97}"`, `s${Math.floor(i / 1164)}`];
      if (i % 31 === 0) continue; // deleted
      const nv = i % 17 === 0 ? v + 1 : i % 13 === 0 ? v * (1 + 1e-12) : v;
      newText += `${st},${c},${nv},${s}\n`;
    }
    return { oldText, newText };
  }
  const spec = { keys: ['cohort', 'seg', 'stat'], value: 'value' };

  it('partitioned path output is byte-identical to the in-memory path output', async () => {
    const { oldText, newText } = bigPair(20_000);
    const mem = await diff(oldText, newText, {}, spec);
    expect(mem.stats.partitions).toBe(1);
    for (const n of [2, 7]) {
      // Keyless partitions (the default), and KeyTable partitions.
      for (const [tuning, table] of [
        [{}, 'fingerprints'],
        [{ keyless: false }, 'keys'],
      ] as const) {
        const part = await diff(oldText, newText, { forcePartitions: n, tuning }, spec);
        expect(part.stats.partitions).toBe(n);
        expect(part.outBytes.equals(mem.outBytes)).toBe(true);
        expect(part.deleted).toBe(mem.deleted);
        expect(part.stats.table).toBe(table);
        // identicalRows: the fast path's hits depend on which rows share a table.
        const same = { partitions: 0, identicalRows: 0, table };
        expect({ ...part.stats, ...same }).toEqual({ ...mem.stats, ...same });
      }
    }
    const ref = referenceDiff(oldText, newText, spec);
    expect(mem.out).toBe(ref.out);
    expect(mem.stats.rowsOut).toBeGreaterThan(0);
  });

  it('takes the partitioned path on its own when the memory budget is too small', async () => {
    const { oldText, newText } = bigPair(20_000);
    const mem = await diff(oldText, newText, {}, spec);
    const small = await diff(oldText, newText, {}, spec, { memoryBudgetBytes: 200_000 });
    expect(small.stats.partitions).toBeGreaterThan(1);
    expect(small.outBytes.equals(mem.outBytes)).toBe(true);
  });

  it('reports progress monotonically, at most ~100 times, ending at 1', async () => {
    const { oldText, newText } = bigPair(20_000);
    for (const mode of [{ chunkSize: 4096 }, { chunkSize: 4096, forcePartitions: 3 }]) {
      const seen: number[] = [];
      await diff(oldText, newText, mode, spec, { onProgress: (f) => seen.push(f) });
      expect(seen.length).toBeGreaterThan(5);
      expect(seen.length).toBeLessThanOrEqual(101);
      for (let i = 1; i < seen.length; i++) expect(seen[i]).toBeGreaterThan(seen[i - 1] as number);
      expect(seen.at(-1)).toBe(1);
      expect(Math.min(...seen)).toBeGreaterThanOrEqual(0);
    }
  });

  it('uses tmpDir for temp files and leaves nothing behind there', async () => {
    const d = mkdtempSync(join(root, 'tmpdir-'));
    const t = mkdtempSync(join(root, 'tmp-'));
    writeFileSync(join(d, 'old.csv'), H + 'd,a,1\n');
    writeFileSync(join(d, 'new.csv'), H + 'd,a,2\n');
    await runDiff({
      oldPath: join(d, 'old.csv'),
      newPath: join(d, 'new.csv'),
      outPath: join(d, 'out.csv'),
      deletedPath: join(d, 'del.csv'),
      spec: SPEC,
      tmpDir: t,
      forcePartitions: 2,
    });
    expect(readFileSync(join(d, 'out.csv'), 'utf8')).toBe(H + 'd,a,2\n');
    expect(readdirSync(t)).toEqual([]);
  });
});

describe('runDiff threads (partitioned path: 2 threads vs 1)', () => {
  const spec = { keys: ['date', 'seg'], value: 'value' };
  function pair(rows: number, seed: number): { oldText: string; newText: string } {
    let x = seed >>> 0;
    const rnd = (n: number): number => {
      x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
      return x % n;
    };
    let oldText = 'date,seg,value\n';
    let newText = 'seg,value,date\r\n';
    for (let i = 0; i < rows; i++) {
      const date = `2020-${(i % 12) + 1}`;
      const seg = i % 7 === 0 ? `"s ""${i}"", x"` : `s${rnd(rows)}`; // duplicates, quoting
      const v = rnd(1000) / 8;
      if (rnd(40) !== 0) oldText += `${date},${seg},${v}\n`;
      if (rnd(40) === 0) continue;
      if (rnd(30) === 0) newText += '\r\n'; // blank line
      const nv = rnd(10) === 0 ? v + 1 : rnd(10) === 0 ? v * (1 + 1e-12) : v;
      newText += `${seg},${nv},${date}\r\n`;
    }
    return { oldText, newText };
  }

  it('gives byte-identical output and identical stats to the single-thread path', async () => {
    for (const [rows, seed, n, chunkSize] of [
      [3000, 1, 2, undefined],
      [3000, 2, 5, 64],
      [500, 3, 9, undefined],
      [0, 4, 3, undefined],
    ] as const) {
      const { oldText, newText } = pair(rows, seed);
      const mem = await diff(oldText, newText, { chunkSize }, spec, { threads: 2 });
      // Keyless partitions (the default), and KeyTable partitions.
      for (const tuning of [{}, { keyless: false }]) {
        const mode = { forcePartitions: n, chunkSize, tuning };
        const one = await diff(oldText, newText, mode, spec, { threads: 1 });
        const two = await diff(oldText, newText, mode, spec, { threads: 2 });
        expect(two.outBytes.equals(one.outBytes)).toBe(true);
        expect(two.deleted).toBe(one.deleted);
        expect(two.stats).toEqual(one.stats);
        expect(mem.outBytes.equals(one.outBytes)).toBe(true);
        expect({ ...mem.stats, partitions: n, table: one.stats.table }).toEqual(one.stats);
        if (rows > 0) expect(one.stats.duplicateKeysNew).toBeGreaterThan(0);
      }
    }
  });

  it('throws the same DiffInputError for a ragged row (old or new file, or both) and leaves nothing behind', async () => {
    const { oldText, newText } = pair(2000, 5);
    const ragged = (text: string, at: number): string => {
      const lines = text.split('\n');
      lines.splice(at, 0, 'x,y');
      return lines.join('\n');
    };
    const cases: [string, string][] = [
      [ragged(oldText, 1500), newText],
      [oldText, ragged(newText, 700)],
      [ragged(oldText, 1900), ragged(newText, 3)], // old file's error wins, as in sequential order
    ];
    for (const [o, nw] of cases) {
      const errs: DiffInputError[] = [];
      const d = mkdtempSync(join(root, 'thr-err-'));
      const t = mkdtempSync(join(root, 'thr-tmp-'));
      writeFileSync(join(d, 'old.csv'), o);
      writeFileSync(join(d, 'new.csv'), nw);
      for (const threads of [1, 2]) {
        const err = await runDiff({
          oldPath: join(d, 'old.csv'),
          newPath: join(d, 'new.csv'),
          outPath: join(d, 'out.csv'),
          deletedPath: join(d, 'deleted.csv'),
          spec,
          tmpDir: t,
          forcePartitions: 4,
          threads,
        }).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(err).toBeInstanceOf(DiffInputError);
        errs.push(err as DiffInputError);
        expect(readdirSync(d).sort()).toEqual(['new.csv', 'old.csv']);
        expect(readdirSync(t)).toEqual([]);
      }
      const [e1, e2] = errs as [DiffInputError, DiffInputError];
      expect(e2.message).toBe(e1.message);
      expect({ ...e2, stack: '' }).toEqual({ ...e1, stack: '' });
      expect(e1.line).toBeGreaterThan(1);
      expect(e1.reason).toContain('wrong number of fields');
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Property test against the reference implementation
// ---------------------------------------------------------------------------------------------

const keyValue = fc.constantFrom('', 'a', 'b', 'a,b', 'q"x', 'two\nlines', 'é', ' a');
const baseNumber = fc.constantFrom(0, 1, -1, 1000, 123.456, 1e-12, 1e300, 13781.809999999998);
const noisyNumber = fc
  .tuple(
    baseNumber,
    fc.constantFrom(1, 1 + 1e-12, 1 + 5e-10, 1 + 2e-9, 1 + 1e-6),
    fc.constantFrom('str', 'exp', 'fixed'),
  )
  .map(([x, f, fmt]) => {
    const v = x * f;
    return fmt === 'exp'
      ? v.toExponential()
      : fmt === 'fixed' && Math.abs(v) < 1e15
        ? v.toFixed(9)
        : String(v);
  });
const valueText = fc.oneof(
  noisyNumber,
  fc.constantFrom(
    '',
    'nan',
    'NaN',
    'inf',
    '-inf',
    'Infinity',
    'abc',
    ' 1 ',
    '1_0',
    '10',
    '10.0',
    'x,y',
    'say "hi"',
  ),
);

function quoteField(v: string, forceQuote: boolean): string {
  return forceQuote || /[",\r\n]/.test(v) || v.startsWith('"') ? `"${v.replace(/"/g, '""')}"` : v;
}

interface GenRow {
  k1: string;
  k2: string;
  value: string;
  extra: string;
  quote: boolean[];
}
const genRow = fc.record({
  k1: keyValue,
  k2: keyValue,
  value: valueText,
  extra: fc.constantFrom('', 'x', 'y,z', '"q"'),
  quote: fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }),
});
const fileShape = fc.record({
  order: fc.constantFrom([0, 1, 2, 3], [3, 2, 1, 0], [2, 0, 3, 1], [1, 3, 0, 2]),
  crlf: fc.boolean(),
  bom: fc.boolean(),
  finalNewline: fc.boolean(),
  blankTrailing: fc.boolean(),
});

function renderFile(
  rows: GenRow[],
  shape: {
    order: readonly number[];
    crlf: boolean;
    bom: boolean;
    finalNewline: boolean;
    blankTrailing: boolean;
  },
): string {
  const nl = shape.crlf ? '\r\n' : '\n';
  const names = ['k1', 'k2', 'value', 'extra'];
  const lines = [shape.order.map((i) => names[i]).join(',')];
  for (const r of rows) {
    const cells = [r.k1, r.k2, r.value, r.extra];
    lines.push(shape.order.map((i) => quoteField(cells[i] as string, r.quote[i] as boolean)).join(','));
  }
  let text = (shape.bom ? '\uFEFF' : '') + lines.join(nl);
  if (shape.finalNewline || shape.blankTrailing) text += nl;
  if (shape.blankTrailing) text += nl;
  return text;
}

/** Diffs two texts and checks output, deleted rows, counts and warnings against the reference. */
async function expectReferenceResult(
  oldText: string,
  newText: string,
  mode: Mode,
  spec: DiffSpec,
): Promise<DiffStats> {
  const ref = referenceDiff(oldText, newText, spec);
  const got = await diff(oldText, newText, mode, spec);
  expect(got.out).toBe(ref.out);
  expect(got.deleted).toBe(ref.deleted);
  const { firstDuplicateLineOld, firstDuplicateLineNew, ...counts } = ref.stats;
  expect(got.stats).toMatchObject(counts);
  const warnings: string[] = [];
  if (counts.duplicateKeysOld > 0)
    warnings.push(expect.stringContaining(`(first at line ${firstDuplicateLineOld})`));
  if (counts.duplicateKeysNew > 0)
    warnings.push(expect.stringContaining(`(first at line ${firstDuplicateLineNew})`));
  expect(got.stats.warnings).toEqual(warnings);
  rmSync(got.dir, { recursive: true, force: true });
  return got.stats;
}

describe('runDiff property: agrees with the reference implementation', () => {
  it('on random small inputs, in memory and partitioned, with tiny and normal chunks', async () => {
    const scenario = fc
      .tuple(
        fc.array(genRow, { maxLength: 25 }),
        fc.array(
          fc.tuple(
            fc.nat(30),
            fc.option(valueText, { nil: undefined }),
            fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }),
          ),
          {
            maxLength: 25,
          },
        ),
        fc.array(genRow, { maxLength: 8 }),
        fileShape,
        fileShape,
        fc.constantFrom<Mode>(
          {},
          { chunkSize: 64 },
          { tuning: { keyless: false } },
          { tuning: { native: false } },
          { tuning: WEAK_H1 },
          { tuning: COLLIDING, chunkSize: 64 },
          { forcePartitions: 1 },
          { forcePartitions: 3, chunkSize: 64 },
          { forcePartitions: 4 },
        ),
      )
      .map(([oldRows, picks, fresh, oldShape, newShape, mode]) => {
        // New file: rows picked from the old file (maybe with a new value / different quoting) plus fresh rows.
        const newRows: GenRow[] = [];
        for (const [i, v, quote] of picks) {
          const base = oldRows.length > 0 ? oldRows[i % oldRows.length] : undefined;
          if (base) newRows.push({ ...base, value: v ?? base.value, quote });
        }
        newRows.push(...fresh);
        return { oldText: renderFile(oldRows, oldShape), newText: renderFile(newRows, newShape), mode };
      });
    const spec = { keys: ['k1', 'k2'], value: 'value' };
    await fc.assert(
      fc.asyncProperty(scenario, async ({ oldText, newText, mode }) => {
        await expectReferenceResult(oldText, newText, mode, spec);
      }),
      { numRuns: 250 },
    );
  });
});

describe('runDiff fast path: rows byte-identical to their old row', () => {
  const old = `${H}2024-01-01,a,1\n2024-01-01,"b,c",2\n2024-01-02,a,3\n2024-01-02,"two\nlines",4\n2024-01-03,a,5\n`;

  it('recognises a re-export in the same order without parsing its unchanged rows', async () => {
    const next = `${H}2024-01-01,a,1\n2024-01-01,"b,c",2.5\n2024-01-02,a,3\n2024-01-02,"two\nlines",4\n2024-01-03,a,5\n2024-01-04,a,6\n`;
    const r = await diff(old, next);
    expect(r.out).toBe(`${H}2024-01-01,"b,c",2.5\n2024-01-04,a,6\n`);
    expect(r.stats).toMatchObject({ added: 1, changed: 1, unchanged: 4, deleted: 0 });
    // 2024-01-01,a and 2024-01-02,a and 2024-01-03,a; the two-line row and the changed row are parsed.
    expect(r.stats.identicalRows).toBe(3);
  });

  it('is not used when the headers differ, with the same result', async () => {
    const swapped = 'seg,date,value\na,2024-01-01,1\n"b,c",2024-01-01,2.5\n';
    const r = await diff(`${H}2024-01-01,a,1\n2024-01-01,"b,c",2\n`, swapped);
    expect(r.stats.identicalRows).toBe(0);
    expect(r.out).toBe('seg,date,value\n"b,c",2024-01-01,2.5\n');
  });

  it('lets the last occurrence win when an identical row is followed by a changed duplicate (and back)', async () => {
    const next = `${H}2024-01-01,a,1\n2024-01-01,"b,c",2\n2024-01-01,a,9\n2024-01-01,"b,c",7\n2024-01-01,"b,c",2\n`;
    const r = await diff(`${H}2024-01-01,a,1\n2024-01-01,"b,c",2\n`, next);
    expect(r.out).toBe(`${H}2024-01-01,a,9\n`);
    expect(r.stats).toMatchObject({ changed: 1, unchanged: 1, duplicateKeysNew: 3 });
    expect(r.stats.identicalRows).toBeGreaterThan(0);
  });

  it('compares whole rows: a row that only starts like its old row, or ends without a newline, is handled', async () => {
    const next = `${H}2024-01-01,a,1\n2024-01-01,"b,c",2,extra\n2024-01-02,a,3`;
    const err = await diff(`${H}2024-01-01,a,1\n2024-01-01,"b,c",2\n2024-01-02,a,3\n`, next).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(DiffInputError);
    expect((err as DiffInputError).line).toBe(3);
    const ok = await diff(`${H}2024-01-01,a,1\n2024-01-02,a,3\n`, `${H}2024-01-01,a,1\n2024-01-02,a,3`);
    expect(ok.out).toBe(H);
    expect(ok.stats.identicalRows).toBe(2);
  });

  it('keeps working past a row moved far from its old place (files larger than its 1 MiB window)', async () => {
    const rows = Array.from({ length: 60_000 }, (_, i) => `2024-01-01,segment-${i},${i * 1.5}\n`);
    const moved = [
      ...rows.slice(0, 10),
      rows[50_000] as string,
      ...rows.slice(10, 50_000),
      ...rows.slice(50_001),
    ];
    const r = await diff(H + rows.join(''), H + moved.join(''));
    expect(r.out).toBe(H);
    expect(r.stats).toMatchObject({ unchanged: 60_000, added: 0, changed: 0, deleted: 0 });
    expect(r.stats.identicalRows).toBeGreaterThan(59_990);
  });

  it('gives up on a new file in another order, with the same result as the full path', async () => {
    const rows = Array.from({ length: 20_000 }, (_, i) => `2024-01-0${1 + (i % 9)},s${i},${i}\n`);
    const shuffled = rows.map((row, i) => rows[(i * 7919) % rows.length] as string); // a permutation
    shuffled[5] = '2024-01-01,new,1\n';
    const got = await diff(H + rows.join(''), H + shuffled.join(''));
    const ref = referenceDiff(H + rows.join(''), H + shuffled.join(''), SPEC);
    expect(got.out).toBe(ref.out);
    expect(got.deleted).toBe(ref.deleted);
    expect(got.stats.identicalRows).toBeLessThan(4096 / 4);
  });

  it('property: a re-export in the same order (kept, changed, dropped, repeated and new rows) agrees with the reference', async () => {
    const op = fc.constantFrom('keep', 'keep', 'keep', 'value', 'requote', 'drop', 'repeat', 'insert');
    const scenario = fc
      .tuple(
        fc.array(genRow, { maxLength: 30 }),
        fc.array(fc.tuple(op, valueText, genRow), { maxLength: 30 }),
        fileShape,
        fc.boolean(),
        fc.constantFrom<Mode>(
          {},
          { chunkSize: 64 },
          { tuning: { keyless: false } },
          { tuning: { native: false }, chunkSize: 64 },
          { tuning: WEAK_H1, chunkSize: 64 },
          { tuning: COLLIDING },
        ),
      )
      .map(([oldRows, ops, shape, sameTerminator, mode]) => {
        const newRows: GenRow[] = [];
        oldRows.forEach((row, i) => {
          const [what, value, fresh] = ops[i % Math.max(1, ops.length)] ?? ['keep', '', row];
          if (what === 'keep') newRows.push(row);
          else if (what === 'value') newRows.push({ ...row, value });
          else if (what === 'requote') newRows.push({ ...row, quote: row.quote.map((q) => !q) });
          else if (what === 'repeat') newRows.push(row, { ...row, value });
          else if (what === 'insert') newRows.push(fresh, row);
        });
        const newShape = sameTerminator ? shape : { ...shape, crlf: !shape.crlf };
        return { oldText: renderFile(oldRows, shape), newText: renderFile(newRows, newShape), mode };
      });
    const spec = { keys: ['k1', 'k2'], value: 'value' };
    let identical = 0;
    await fc.assert(
      fc.asyncProperty(scenario, async ({ oldText, newText, mode }) => {
        identical += (await expectReferenceResult(oldText, newText, mode, spec)).identicalRows;
      }),
      { numRuns: 250 },
    );
    expect(identical).toBeGreaterThan(100); // the fast path really ran
  });
});

describe('runDiff keyless table (key fingerprints, rows read again to check them)', () => {
  it('finds keys repeated far apart in a large old file (last occurrence wins), as the reference does', async () => {
    // Enough rows that the kernel inserts them with prefetching and the slots see long probe runs.
    const rows = Array.from({ length: 12_000 }, (_, i) => `2024-01-0${1 + (i % 9)},s${i},${i}`);
    const old = [...rows, rows[3]!.replace(/,3$/, ',33'), rows[7_000]!, rows[3]!.replace(/,3$/, ',333')];
    const next = rows.map((r, i) => (i % 1000 === 0 ? r.replace(/,(\d+)$/, ',$1.5') : r));
    next.push('2024-01-09,fresh,1', next[5]!.replace(/,5$/, ',55'));
    const oldText = `${H}${old.join('\n')}\n`;
    const newText = `${H}${next.join('\n')}\n`;
    const ref = referenceDiff(oldText, newText, SPEC);
    const got = await diff(oldText, newText);
    expect(got.out).toBe(ref.out);
    expect(got.deleted).toBe(ref.deleted);
    const { firstDuplicateLineOld, firstDuplicateLineNew, ...counts } = ref.stats;
    expect(got.stats).toMatchObject({ ...counts, duplicateKeysOld: 3, duplicateKeysNew: 1 });
    expect(got.stats.warnings).toEqual([
      expect.stringContaining(`(first at line ${firstDuplicateLineOld})`),
      expect.stringContaining(`(first at line ${firstDuplicateLineNew})`),
    ]);
    expect(got.stats.identicalRows).toBeGreaterThan(10_000);
    expect(got.stats.table).toBe('fingerprints');
  });

  it('writes deleted rows in old-file order, a repeated key at the place of its last occurrence', async () => {
    const rows = Array.from({ length: 12_000 }, (_, i) => `2024-01-0${1 + (i % 9)},s${i},${i}`);
    const old = [...rows, rows[3]!.replace(/,3$/, ',33'), rows[11_000]!];
    // Keys 3, 100 and 11000 are gone from the new file.
    const next = rows.filter((_, i) => i !== 3 && i !== 100 && i !== 11_000);
    const oldText = `${H}${old.join('\n')}\n`;
    const ref = referenceDiff(oldText, `${H}${next.join('\n')}\n`, SPEC);
    const got = await diff(oldText, `${H}${next.join('\n')}\n`);
    expect(got.deleted).toBe(`${H}${rows[100]!}\n${rows[3]!.replace(/,3$/, ',33')}\n${rows[11_000]!}\n`);
    expect(got.deleted).toBe(ref.deleted);
    expect(got.stats).toMatchObject({ deleted: 3, duplicateKeysOld: 2, table: 'fingerprints' });
  });

  it('leaves an old file made mostly of repeated keys to the key table, with the same result', async () => {
    // Every key twice, 8,000 rows apart (each pair would need two reads of its own).
    const rows = (v: number) =>
      Array.from({ length: 8_000 }, (_, i) => `2024-01-01,key${i},${(i % 7) + v},${'p'.repeat(20)}`);
    const spec = { keys: ['date', 'seg'], value: 'value' };
    const head = 'date,seg,value,pad\n';
    const oldText = `${head}${[...rows(0), ...rows(1)].join('\n')}\n`;
    const newText = `${head}${rows(1).join('\n')}\n`;
    const ref = referenceDiff(oldText, newText, spec);
    const got = await diff(oldText, newText, {}, spec);
    expect(got.out).toBe(ref.out);
    expect(got.stats).toMatchObject({ duplicateKeysOld: 8_000, unchanged: 8_000, table: 'keys' });
  });

  describe('memory budget', () => {
    // 20,000 rows of ~50 bytes: the keyless table needs ~23 bytes a row (~470 KB), the KeyTable ~1.6 MB.
    const rows = Array.from(
      { length: 20_000 },
      (_, i) => `2024-01-0${1 + (i % 9)},segment-${i}-abcdefgh,${i}`,
    );
    const oldText = `${H}${rows.join('\n')}\n`;
    const newText = `${H}${rows.map((r, i) => (i % 10 === 3 ? `${r}.5` : r)).join('\n')}\n2024-01-01,fresh,1\n`;
    const budget = { memoryBudgetBytes: 700_000 };

    it('keeps a diff in memory with the keyless table when only that table fits the budget', async () => {
      const ref = referenceDiff(oldText, newText, SPEC);
      const got = await diff(oldText, newText, {}, SPEC, budget);
      expect(got.out).toBe(ref.out);
      expect(got.stats).toMatchObject({ partitions: 1, table: 'fingerprints', changed: 2_000, added: 1 });
      // The KeyTable alone would not fit: without the keyless table the diff is partitioned.
      const keyTable = await diff(oldText, newText, { tuning: { keyless: false } }, SPEC, budget);
      expect(keyTable.stats.partitions).toBeGreaterThan(1);
      expect(keyTable.outBytes.equals(got.outBytes)).toBe(true);
    });

    it('redoes the diff partitioned when the keyless table cannot go on and the KeyTable does not fit', async () => {
      const ref = referenceDiff(oldText, newText, SPEC);
      const got = await diff(oldText, newText, { tuning: COLLIDING }, SPEC, budget);
      expect(got.out).toBe(ref.out);
      expect(got.deleted).toBe(ref.deleted);
      expect(got.stats.table).toBe('keys');
      expect(got.stats.partitions).toBeGreaterThan(1);
    });

    it('redoes the diff partitioned when keys only in the new file would take the table past the budget', async () => {
      // As many rows as the old file, none with an old key: the side entries outgrow 1.15x the budget.
      const fresh = rows.map((r) => r.replace('segment-', 'other-'));
      const freshText = `${H}${fresh.join('\n')}\n`;
      const ref = referenceDiff(oldText, freshText, SPEC);
      const got = await diff(oldText, freshText, {}, SPEC, budget);
      expect(got.out).toBe(ref.out);
      expect(got.deleted).toBe(ref.deleted);
      expect(got.stats).toMatchObject({ added: 20_000, deleted: 20_000, table: 'keys' });
      expect(got.stats.partitions).toBeGreaterThan(1);
      // With room enough (the KeyTable still does not fit), the same diff stays keyless.
      const roomy = await diff(oldText, freshText, {}, SPEC, { memoryBudgetBytes: 1_500_000 });
      expect(roomy.stats).toMatchObject({ partitions: 1, table: 'fingerprints' });
      expect(roomy.outBytes.equals(got.outBytes)).toBe(true);
      const keyTable = await diff(oldText, freshText, { tuning: { keyless: false } }, SPEC, {
        memoryBudgetBytes: 1_500_000,
      });
      expect(keyTable.stats.partitions).toBeGreaterThan(1);
    });
  });

  it('grows the index for a new file with many more new keys than the old file has rows', async () => {
    // 3 old rows: the slots are made for a few entries; 5,000 new keys (some repeated) outgrow them.
    const oldText = `${H}2024-01-01,a,1\n2024-01-01,b,2\n2024-01-01,c,3\n`;
    const fresh = Array.from({ length: 5_000 }, (_, i) => `2024-01-02,n${i},${i}`);
    const next = ['2024-01-01,b,2', ...fresh, '2024-01-02,n7,77', '2024-01-01,a,9', '2024-01-02,n4999,1'];
    const newText = `${H}${next.join('\n')}\n`;
    const ref = referenceDiff(oldText, newText, SPEC);
    for (const mode of MODES.filter((m) => m.forcePartitions === undefined)) {
      const got = await diff(oldText, newText, mode);
      expect(got.out).toBe(ref.out);
      expect(got.deleted).toBe(ref.deleted);
      expect(got.stats).toMatchObject({
        added: 5_000,
        changed: 1,
        unchanged: 1,
        deleted: 1,
        duplicateKeysNew: 2,
      });
    }
  });

  it('handles rows of 65,535 bytes and more (lengths beyond 16 bits), with and without the kernel, in memory and partitioned', async () => {
    const pad = (n: number) => 'p'.repeat(n);
    const old = [
      `2024-01-01,a,1,${pad(70_000)}`, // unchanged, byte-identical
      `2024-01-01,b,2,${pad(65_535 - 15)}`, // exactly 65,535 bytes; changed
      `2024-01-01,c,3,${pad(100_000)}`, // deleted
      `2024-01-01,d,4,x`,
      `2024-01-01,b,2,${pad(80_000)}`, // repeats b: last occurrence wins
    ];
    const next = [
      old[0]!,
      `2024-01-01,b,5,${pad(65_535 - 15)}`,
      `2024-01-01,d,4,${pad(90_000)}`, // same value, longer row: unchanged
      `2024-01-01,e,6,${pad(66_000)}`, // added
      `2024-01-01,e,7,${pad(66_001)}`, // repeats e (added): the last one is output
    ];
    expect(old[1]!.length).toBe(65_535);
    const head = 'date,seg,value,pad\n';
    const oldText = `${head}${old.join('\n')}\n`;
    const newText = `${head}${next.join('\n')}\n`;
    const ref = referenceDiff(oldText, newText, SPEC);
    const parts = (n: number, tuning: Partial<Tuning>) => ({
      forcePartitions: n,
      tuning: { partitionBuffer: 4096, ...tuning },
    });
    for (const mode of [
      {},
      { tuning: { native: false } },
      { chunkSize: 4096 },
      // Keyless partitions whose write regions are smaller than a row, with and without the kernel.
      parts(2, {}),
      parts(3, { native: false }),
    ]) {
      const got = await diff(oldText, newText, mode, SPEC);
      expect(got.out).toBe(ref.out);
      expect(got.deleted).toBe(ref.deleted);
      expect(got.stats).toMatchObject({
        changed: 1,
        added: 1,
        unchanged: 2,
        deleted: 1,
        duplicateKeysOld: 1,
        duplicateKeysNew: 1,
        table: 'fingerprints',
      });
    }
  });

  it('names the line of the first repeated old key after multi-line fields and bare-CR line ends', async () => {
    const oldText =
      'date,seg,value\r2024-01-01,"a\nb\r\nc",1\r\n\n2024-01-01,x,2\r2024-01-01,"a\nb\r\nc",3\n';
    const newText = 'date,seg,value\n2024-01-01,x,2\n';
    const ref = referenceDiff(oldText, newText, SPEC);
    for (const mode of [{}, { tuning: { native: false } }, { tuning: { keyless: false } }]) {
      const got = await diff(oldText, newText, mode, SPEC);
      expect(got.stats.warnings).toEqual([
        `old file: 1 duplicate key, last occurrence kept (first at line ${ref.stats.firstDuplicateLineOld})`,
      ]);
      expect(got.deleted).toBe(ref.deleted);
    }
    expect(ref.stats.firstDuplicateLineOld).toBe(7);
  });

  it('leaves a new file made mostly of repeated keys to the key table, with the same result', async () => {
    // Every old key twice in the new file, the second row changed: a map entry each would be unbounded.
    const rows = Array.from({ length: 6_000 }, (_, i) => `2024-01-01,key${i},${i}`);
    const oldText = `${H}${rows.join('\n')}\n`;
    const newText = `${H}${rows.flatMap((r) => [r, `${r}.5`]).join('\n')}\n`;
    const ref = referenceDiff(oldText, newText, SPEC);
    const got = await diff(oldText, newText);
    expect(got.out).toBe(ref.out);
    expect(got.stats).toMatchObject({ duplicateKeysNew: 6_000, changed: 6_000, table: 'keys' });
    // Partitioned, each partition counts its own (3,000 here: few enough for the fingerprints).
    const parts = await diff(oldText, newText, { forcePartitions: 2 });
    expect(parts.out).toBe(ref.out);
    expect(parts.stats).toMatchObject({ duplicateKeysNew: 6_000, changed: 6_000 });
    // A few repeated keys stay with the fingerprints.
    const few = `${H}${[...rows, rows[5]!, `${rows[9]!}.5`].join('\n')}\n`;
    const some = await diff(oldText, few);
    expect(some.out).toBe(referenceDiff(oldText, few, SPEC).out);
    expect(some.stats).toMatchObject({ duplicateKeysNew: 2, changed: 1, table: 'fingerprints' });
  });

  it('keeps the keyless table for small files whose rows are read back out of order', async () => {
    // Another header (no fast path) and two rows swapped: each old row is read again, backwards once.
    const got = await diff('k,v\na,1\nb,2\n', 'v,k\n3,b\n3,a\n', {}, { keys: ['k'], value: 'v' });
    expect(got.out).toBe('v,k\n3,b\n3,a\n');
    expect(got.stats).toMatchObject({ changed: 2, table: 'fingerprints' });
  });

  it('redoes the diff with the key table when the new file comes in another order, with the same result', async () => {
    // Rows of ~60 bytes: the old file (3.6 MB) is larger than the 1 MiB window rows are read through.
    const rows = Array.from(
      { length: 60_000 },
      (_, i) => `2024-01-0${1 + (i % 9)},segment-${i}-${'x'.repeat(32)},${i}`,
    );
    // Another order and no row byte-identical (every value re-spelled): each old row would be read again.
    const shuffled = rows.map((_, i) => `${rows[(i * 7919) % rows.length]!}.0`);
    const oldText = `${H}${rows.join('\n')}\n`;
    const newText = `${H}${shuffled.join('\n')}\n`;
    const ref = referenceDiff(oldText, newText, SPEC);
    const got = await diff(oldText, newText);
    expect(got.out).toBe(ref.out);
    expect(got.stats).toMatchObject({ unchanged: 60_000, changed: 0, added: 0, deleted: 0, table: 'keys' });
    // The same rows in the old file's order stay with the fingerprints.
    const inOrder = await diff(oldText, `${H}${rows.map((r) => `${r}.0`).join('\n')}\n`);
    expect(inOrder.stats).toMatchObject({ unchanged: 60_000, table: 'fingerprints' });
  });
});
