import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DiffInputError, runDiff } from './index.js';
import { root, diff } from './testing/diff-cases.js';

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
