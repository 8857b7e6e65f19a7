import fc from 'fast-check';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  OffsetMerger,
  P_NEED_MORE,
  P_RECORD,
  PartitionReader,
  PartitionWriter,
  hashBytes,
  partitionOf,
  planPartitionCount,
  writeOffsets,
} from './partition.js';

const dir = mkdtempSync(join(tmpdir(), 'partition-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

describe('hashBytes / partitionOf', () => {
  it('hashes equal bytes equally regardless of position, and differs for different tails', () => {
    const a = Buffer.from('xxhello world');
    const b = Buffer.from('hello world');
    expect(hashBytes(a, 2, 11)).toBe(hashBytes(b, 0, 11));
    const seen = new Set<number>();
    for (const s of ['', 'a', 'ab', 'abc', 'abcd', 'abcde', 'b', 'ba'])
      seen.add(hashBytes(Buffer.from(s), 0, s.length));
    expect(seen.size).toBe(8);
  });

  it('spreads keys over all partitions roughly evenly', () => {
    const counts = new Array<number>(7).fill(0);
    for (let i = 0; i < 7000; i++) {
      const k = Buffer.from(`key-${i}`);
      const p = partitionOf(hashBytes(k, 0, k.length), 7);
      counts[p] = (counts[p] as number) + 1;
    }
    for (const c of counts) expect(c).toBeGreaterThan(800);
  });

  it('plans at least 2 partitions and more when the need exceeds the budget', () => {
    expect(planPartitionCount(10, 1000)).toBe(2);
    expect(planPartitionCount(10_000, 1000)).toBe(20);
  });
});

describe('PartitionWriter / PartitionReader', () => {
  it('round-trips records through small buffers in order (property)', async () => {
    const rec = fc.record({
      offset: fc.nat({ max: 2 ** 40 }),
      line: fc.nat({ max: 2 ** 31 }),
      key: fc.uint8Array({ maxLength: 300 }),
      val: fc.uint8Array({ maxLength: 200 }),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(rec, { maxLength: 40 }), async (recs) => {
        const path = join(dir, `p${n++}.part`);
        const w = new PartitionWriter(path, 64);
        for (const r of recs) {
          const val = Buffer.concat([Buffer.from('??'), r.val]);
          w.add(r.offset, r.line, r.key, r.key.length, val, 2, val.length);
        }
        w.close();
        expect(w.rows).toBe(recs.length);
        const rd = await PartitionReader.open(path, 64);
        const got: typeof recs = [];
        for (;;) {
          const s = rd.next();
          if (s === P_RECORD) {
            got.push({
              offset: rd.offset,
              line: rd.line,
              key: new Uint8Array(rd.buf.subarray(rd.kStart, rd.kStart + rd.kLen)),
              val: new Uint8Array(rd.buf.subarray(rd.vStart, rd.vEnd)),
            });
          } else if (s === P_NEED_MORE) await rd.fill();
          else break;
        }
        await rd.close();
        expect(got).toEqual(
          recs.map((r) => ({ ...r, key: new Uint8Array(r.key), val: new Uint8Array(r.val) })),
        );
      }),
      { numRuns: 60 },
    );
  });
});

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
