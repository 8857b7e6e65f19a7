import fc from 'fast-check';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DiffInputError, runDiff } from './index.js';
import { referenceDiff } from './testing/reference-diff.js';
import {
  root,
  SPEC,
  type Mode,
  WEAK_H1,
  COLLIDING,
  MODES,
  diff,
  diffError,
  H,
  valueText,
  type GenRow,
  genRow,
  fileShape,
  renderFile,
  expectReferenceResult,
} from './testing/diff-cases.js';

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
      'old file: 1 duplicate key, last occurrence kept (first at line 2, repeated at line 4)',
      'new file: 3 duplicate keys, last occurrence kept (first at line 2, repeated at line 5)',
    ]);
  });

  it('compares rows that differ from the predicted old row only in the value (near misses of the fast path)', async () => {
    // Float noise (unchanged), real changes, a quoted old value, an old value in another spelling,
    // a changed key, a value with a comma in quotes, and a key seen again: all as the reference says.
    const rows = Array.from({ length: 40 }, (_, i) => `2024-01-01,s${i},${75.12679951100245 + i}`);
    const next = rows.map((r, i) =>
      i % 5 === 1 ? r.replace(/5$/, '6') : i % 7 === 2 ? r.replace(/,([\d.]+)$/, ',$1.5') : r,
    );
    const oldText = `${H}${rows.join('\n')}\nd,q,"7"\nd,r,8\nd,t,"1,5"\nd,u,9\n`;
    const newText = `${H}${next.join('\n')}\nd,q,7.0\nd,r,8e0\nd,t,"1,5"\nd,uu,9\nd,s3,1\n`;
    await expectReferenceResult(oldText, newText, mode, SPEC);
    // The value column as a key column too: another value is another key.
    await expectReferenceResult(oldText, newText, mode, { keys: ['seg', 'value'], value: 'value' });
  });

  it("names the first repeat's key's first line: first at line 3, repeated at line 8", async () => {
    // Key b (line 3) repeats on line 8 before key a (line 2) repeats on line 10: the warning is about
    // the first repeat. In the new file, b's first row is byte-identical to its old row (the fast
    // path sees it), and key n (only in the new file) repeats later, on line 11.
    const rows = ['d,a,1', 'd,b,2', 'd,c,3', 'd,e,4', 'd,f,5', 'd,g,6'];
    const oldText = `${H}${[...rows, 'd,b,22', 'd,h,7', 'd,a,11'].join('\n')}\n`;
    const newText = `${H}${[...rows, 'd,b,22', 'd,n,1', 'd,a,11', 'd,n,2'].join('\n')}\n`;
    const r = await diff(oldText, newText, mode);
    expect(r.stats.warnings).toEqual([
      'old file: 2 duplicate keys, last occurrence kept (first at line 3, repeated at line 8)',
      'new file: 3 duplicate keys, last occurrence kept (first at line 3, repeated at line 8)',
    ]);
    // A key only in the new file, repeated: its first row is the one to name.
    const fresh = await diff(`${H}d,a,1\n`, `${H}d,a,1\nd,z,1\nd,y,1\nd,z,2\n`, mode);
    expect(fresh.stats.warnings).toEqual([
      'new file: 1 duplicate key, last occurrence kept (first at line 3, repeated at line 5)',
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

  it.each([{ name: 'native kernel' }, { name: 'no native kernel', tuning: { native: false } }])(
    'compares values of 9 million digits without overflowing the stack ($name)',
    async (mode) => {
      const digits = '9'.repeat(9_000_000);
      const r = await diff(
        `${H}d1,a,${digits}\nd1,b,${digits}x\n`,
        // a: another spelling of the same (infinite) number; b: text that differs.
        `${H}d1,a,${digits.slice(1)}8\nd1,b,${digits}y\n`,
        mode,
      );
      expect(r.stats).toMatchObject({ changed: 1, unchanged: 1, deleted: 0 });
      expect(r.out).toBe(`${H}d1,b,${digits}y\n`);
    },
  );
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
          { tuning: { byKey: true } },
          { tuning: { byKey: true }, chunkSize: 64 },
          { tuning: { byKey: true, ...WEAK_H1 } },
          { forcePartitions: 3, tuning: { byKey: true } },
          { forcePartitions: 2, chunkSize: 64, tuning: { byKey: true, native: false } },
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
