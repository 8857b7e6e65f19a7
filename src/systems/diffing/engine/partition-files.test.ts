import fc from 'fast-check';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hashBytes } from './bytes.js';
import { P_NEED_MORE, P_RECORD, PartitionReader, PartitionWriter, partitionOf } from './partition-files.js';

const dir = mkdtempSync(join(tmpdir(), 'partition-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

describe('partitionOf', () => {
  it('spreads keys over all partitions roughly evenly', () => {
    const counts = new Array<number>(7).fill(0);
    for (let i = 0; i < 7000; i++) {
      const k = Buffer.from(`key-${i}`);
      const p = partitionOf(hashBytes(k, 0, k.length), 7);
      counts[p] = (counts[p] as number) + 1;
    }
    for (const c of counts) expect(c).toBeGreaterThan(800);
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
