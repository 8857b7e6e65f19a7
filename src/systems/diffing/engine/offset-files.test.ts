import fc from 'fast-check';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { OffsetMerger, writeOffsets } from './offset-files.js';

const dir = mkdtempSync(join(tmpdir(), 'offset-files-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

describe('OffsetMerger', () => {
  it('k-way merges sorted offset files into one increasing sequence (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.nat({ max: 1e12 }), { maxLength: 50 }), { minLength: 1, maxLength: 9 }),
        (lists) => {
          const paths = lists.map((l, i) => {
            const p = join(dir, `o${n++}-${i}.off`);
            writeOffsets(p, Float64Array.from(l).sort());
            return p;
          });
          const m = new OffsetMerger(paths, 4);
          const out: number[] = [];
          for (let v = m.next(); v >= 0; v = m.next()) out.push(v);
          m.close();
          expect(out).toEqual(lists.flat().sort((a, b) => a - b));
        },
      ),
      { numRuns: 100 },
    );
  });
});
