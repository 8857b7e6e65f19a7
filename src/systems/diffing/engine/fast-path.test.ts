import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DiffInputError } from './index.js';
import { referenceDiff } from './testing/reference-diff.js';
import {
  SPEC,
  type Mode,
  WEAK_H1,
  COLLIDING,
  diff,
  H,
  valueText,
  type GenRow,
  genRow,
  fileShape,
  renderFile,
  expectReferenceResult,
} from './testing/diff-cases.js';

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

  it('looks the rows of a new file in another order up by key, in memory or in partitions, or gives up', async () => {
    const rows = Array.from({ length: 20_000 }, (_, i) => `2024-01-0${1 + (i % 9)},s${i},${i}\n`);
    const shuffled = rows.map((row, i) => rows[(i * 7919) % rows.length] as string); // a permutation
    shuffled[5] = '2024-01-01,new,1\n';
    shuffled[9] = shuffled[9]!.replace(/\n$/, '.5\n');
    const ref = referenceDiff(H + rows.join(''), H + shuffled.join(''), SPEC);
    // The first new rows are looked up in the old table: another order, the old file held in memory.
    const got = await diff(H + rows.join(''), H + shuffled.join(''));
    expect(got.out).toBe(ref.out);
    expect(got.deleted).toBe(ref.deleted);
    expect(got.stats).toMatchObject({
      identicalRows: 19_998,
      changed: 1,
      added: 1,
      deleted: 1,
      table: 'fingerprints',
    });
    // A budget with room for the keyless table (~23 bytes a row) but not for the old file too:
    // partitions of both files, each old one held in memory, looked up by key.
    const tight = await diff(H + rows.join(''), H + shuffled.join(''), {}, SPEC, {
      memoryBudgetBytes: 600_000,
    });
    expect(tight.out).toBe(ref.out);
    expect(tight.deleted).toBe(ref.deleted);
    expect(tight.stats).toMatchObject({ identicalRows: 19_998, table: 'fingerprints' });
    expect(tight.stats.partitions).toBeGreaterThan(1);
    // Not judged by key (and the window holds this small file): the fast path gives up.
    const unjudged = await diff(H + rows.join(''), H + shuffled.join(''), { tuning: { byKey: false } });
    expect(unjudged.out).toBe(ref.out);
    expect(unjudged.deleted).toBe(ref.deleted);
    expect(unjudged.stats.identicalRows).toBeLessThan(4096 / 4);
    expect(unjudged.stats.table).toBe('fingerprints');
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
