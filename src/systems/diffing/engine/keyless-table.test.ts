import { describe, expect, it } from 'vitest';
import type { Tuning } from './index.js';
import { referenceDiff } from './testing/reference-diff.js';
import { SPEC, COLLIDING, MODES, diff, expectedStats, H } from './testing/diff-cases.js';

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
    const { counts, warnings } = expectedStats(ref);
    expect(got.stats).toMatchObject({ ...counts, duplicateKeysOld: 3, duplicateKeysNew: 1 });
    expect(got.stats.warnings).toEqual(warnings);
    expect(warnings).toHaveLength(2);
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
        'old file: 1 duplicate key, last occurrence kept (first at line 2, repeated at line 7)',
      ]);
      expect(got.deleted).toBe(ref.deleted);
    }
    expect(ref.stats).toMatchObject({ firstOfDuplicateLineOld: 2, firstDuplicateLineOld: 7 });
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

  it('looks rows of a new file in another order up by key when only their value differs (near misses), in every mode', async () => {
    // The value in the middle: a near miss keeps the bytes before and after it.
    const spec = { keys: ['k', 'd'], value: 'v' };
    const rows = Array.from(
      { length: 3_000 },
      (_, i) => `s${i},${(i * 1.25).toFixed(2)},2024-01-0${1 + (i % 9)},x${i % 7}`,
    );
    rows[10] = 's10,"12.50",2024-01-02,x3'; // a quoted old value: not a near miss
    const next = rows.map((r, i) => {
      if (i % 5 === 1) return r.replace(/,([\d.]+),/, (_m, v: string) => `,${Number(v) * (1 + 1e-12)},`); // noise
      if (i % 5 === 2) return r.replace(/,([\d.]+),/, (_m, v: string) => `,${Number(v) + 1},`); // changed
      if (i % 5 === 3) return r.replace(/,([\d.]+),/, ',"$1",'); // a quoted new value, the same
      return r;
    });
    next[10] = 's10,12.5,2024-01-02,x3';
    next.push('s5,6.5,2024-01-06,x5', 'fresh,1,2024-01-01,x0'); // a repeat (changed) and a new key
    const shuffled = next.map((_, i) => next[(i * 7919) % next.length]!);
    const oldText = `k,v,d,extra\n${rows.join('\n')}\n`;
    const newText = `k,v,d,extra\n${shuffled.join('\n')}\n`;
    const ref = referenceDiff(oldText, newText, spec);
    for (const mode of MODES) {
      const got = await diff(oldText, newText, mode, spec);
      expect(got.out, mode.name).toBe(ref.out);
      expect(got.deleted, mode.name).toBe(ref.deleted);
      expect(got.stats, mode.name).toMatchObject({ ...expectedStats(ref).counts, duplicateKeysNew: 1 });
    }
  });

  it('holds the old file in memory for a new file in another order, else diffs partitions by key, each held', async () => {
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
    expect(got.stats).toMatchObject({
      unchanged: 60_000,
      changed: 0,
      added: 0,
      deleted: 0,
      table: 'fingerprints',
    });
    // Not looked up by key from the start: the scan notices the order itself, then holds the old file.
    const late = await diff(oldText, newText, { tuning: { byKey: false } });
    expect(late.out).toBe(ref.out);
    expect(late.stats).toMatchObject({ unchanged: 60_000, table: 'fingerprints' });
    // A budget that holds the keyless table (~23 bytes a row) but not the old file (3.6 MB) beside
    // it: the diff starts again with keyless partitions of both files, each old one held in memory.
    for (const byKey of ['auto', false] as const) {
      const tight = await diff(oldText, newText, { tuning: { byKey } }, SPEC, {
        memoryBudgetBytes: 4_000_000,
      });
      expect(tight.out).toBe(ref.out);
      expect(tight.deleted).toBe(ref.deleted);
      expect(tight.stats).toMatchObject({ unchanged: 60_000, table: 'fingerprints' });
      expect(tight.stats.partitions).toBeGreaterThan(1);
    }
    // The same rows in the old file's order stay with the fingerprints.
    const inOrder = await diff(oldText, `${H}${rows.map((r) => `${r}.0`).join('\n')}\n`);
    expect(inOrder.stats).toMatchObject({ unchanged: 60_000, table: 'fingerprints' });
  });
  it('skips blank lines of a one-column new file looked up by key (a blank line is no row), in every mode', async () => {
    // One column, key and value: a blank line has as many fields as the header.
    const spec = { keys: ['k'], value: 'k' };
    const oldText = 'k\na\nb\nc\n';
    const newText = 'k\nc\n\nb\nd\n\nd\n';
    const ref = referenceDiff(oldText, newText, spec);
    for (const mode of MODES) {
      const got = await diff(oldText, newText, mode, spec);
      expect(got.out, mode.name).toBe(ref.out);
      expect(got.deleted, mode.name).toBe(ref.deleted);
      expect(got.stats, mode.name).toMatchObject(expectedStats(ref).counts);
      expect(got.stats.warnings, mode.name).toEqual(expectedStats(ref).warnings);
    }
  });
});
