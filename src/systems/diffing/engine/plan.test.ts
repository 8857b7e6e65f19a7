import { describe, expect, it } from 'vitest';
import {
  budgetTuning,
  diffThreads,
  partitionCount,
  partitionCountByKey,
  planDiff,
  planPartitionCount,
  type PlanInput,
} from './plan.js';
import type { Sample } from './sample.js';

const MIB = 1024 * 1024;

/** Estimates for a file of `rows` rows of c-revenue-like keys (6 columns) and values. */
function sample(rows: number, distinct: 'low' | 'high' = 'high'): Sample {
  const n = 5000;
  const ratio = distinct === 'low' ? 0.01 : 1;
  return {
    rows: n,
    estRows: rows,
    avgRawKey: 60,
    avgValue: 12,
    distinctRatio: [ratio, ratio, ratio, ratio, ratio, ratio],
    avgColLen: [10, 2, 2, 15, 20, 9],
    distinct: Array.from({ length: 6 }, () => Math.round(ratio * n)),
    prints: new Int32Array(0),
  };
}

function input(over: Partial<PlanInput> & { rows: number }): PlanInput {
  const { rows, ...rest } = over;
  return {
    oldSample: sample(rows),
    newSample: sample(rows),
    oldBytes: rows * 90,
    newBytes: rows * 90,
    budget: 256 * MIB,
    threads: 1,
    keyless: true,
    ...rest,
  };
}

describe('planDiff', () => {
  it('diffs small files in memory, keyless first with the KeyTable to fall back to', () => {
    const plan = planDiff(input({ rows: 100_000 }));
    expect(plan).toMatchObject({
      partitions: 1,
      partitioned: false,
      keylessAllowed: true,
      keyTableFits: true,
      keylessMaxBytes: Infinity,
    });
    expect(plan.needKeyless).toBeLessThan(plan.needKeyTable);
    expect(plan.expectedKeys).toBeGreaterThanOrEqual(100_000);
  });

  it('stays in memory when only the keyless table fits, letting it grow a little beyond the budget', () => {
    const budget = 256 * MIB;
    const plan = planDiff(input({ rows: 10_000_000, budget }));
    expect(plan.needKeyTable).toBeGreaterThan(budget);
    expect(plan.needKeyless).toBeLessThanOrEqual(budget);
    expect(plan).toMatchObject({ partitions: 1, partitioned: false, keyTableFits: false });
    expect(plan.keylessMaxBytes).toBeGreaterThan(budget);
    expect(plan.keylessMaxBytes).toBeLessThanOrEqual(budget * 1.2);
  });

  it('partitions when neither table fits, so that one keyless table per thread fits the budget', () => {
    const budget = 64 * MIB;
    for (const threads of [1, 2]) {
      const plan = planDiff(input({ rows: 10_000_000, budget, threads }));
      expect(plan.needKeyless).toBeGreaterThan(budget);
      expect(plan.partitioned).toBe(true);
      expect(plan.partitions).toBeGreaterThanOrEqual(2);
      expect((plan.needKeyless * threads) / plan.partitions).toBeLessThanOrEqual(budget);
    }
    const one = planDiff(input({ rows: 10_000_000, budget, threads: 1 })).partitions;
    const two = planDiff(input({ rows: 10_000_000, budget, threads: 2 })).partitions;
    expect(two).toBeGreaterThanOrEqual(2 * one - 1);
  });

  it('plans KeyTable partitions (more of them) when the keyless table is switched off', () => {
    const budget = 64 * MIB;
    const keyless = planDiff(input({ rows: 10_000_000, budget }));
    const keys = planDiff(input({ rows: 10_000_000, budget, keyless: false }));
    expect(keys).toMatchObject({ partitioned: true, keylessAllowed: false });
    expect(keys.partitions).toBeGreaterThan(keyless.partitions);
  });

  it('does not use keyless tables for a file whose offsets do not fit 40 bits', () => {
    const plan = planDiff(input({ rows: 10_000_000, budget: 64 * MIB, oldBytes: 2 ** 40 }));
    expect(plan).toMatchObject({ keylessAllowed: false, partitioned: true });
    expect(plan.partitions).toBe(partitionCount(input({ rows: 10_000_000, budget: 64 * MIB }), false));
  });

  it('takes the forced partition count as it is, even 1, and partitions then', () => {
    for (const forcePartitions of [1, 3]) {
      const p = input({ rows: 1000, forcePartitions });
      expect(planDiff(p)).toMatchObject({ partitions: forcePartitions, partitioned: true });
      expect(partitionCount(p, false)).toBe(forcePartitions);
      expect(partitionCount(p, true)).toBe(forcePartitions);
    }
  });

  it('counts dictionary-encoded key columns (few distinct values) as smaller keys', () => {
    const raw = planDiff(input({ rows: 1_000_000 }));
    const dict = planDiff(
      input({ rows: 1_000_000, oldSample: sample(1_000_000, 'low'), newSample: sample(1_000_000, 'low') }),
    );
    expect(dict.needKeyTable).toBeLessThan(raw.needKeyTable);
    expect(dict.needKeyless).toBe(raw.needKeyless);
  });

  it('counts the keys only in the new file into the keyless table', () => {
    const same = planDiff(input({ rows: 1_000_000 }));
    const grown = planDiff(input({ rows: 1_000_000, newSample: sample(2_000_000) }));
    expect(grown.needKeyless).toBeGreaterThan(same.needKeyless);
    expect(grown.expectedKeys).toBeGreaterThanOrEqual(2_000_000);
  });
});

describe('partitionCount', () => {
  it('gives at least 2 partitions, more for KeyTable partitions than for keyless ones', () => {
    const small = input({ rows: 1000 });
    expect(partitionCount(small, true)).toBe(2);
    expect(partitionCount(small, false)).toBe(2);
    const big = input({ rows: 10_000_000, budget: 32 * MIB });
    expect(partitionCount(big, false)).toBeGreaterThan(partitionCount(big, true));
  });
});

describe('diffThreads', () => {
  it('uses a second thread for inputs of 64 MiB and more on two cores or more, unless told', () => {
    expect(diffThreads(undefined, 2, 64 * MIB, 256 * MIB)).toBe(2);
    expect(diffThreads(undefined, 2, 64 * MIB - 1, 256 * MIB)).toBe(1);
    expect(diffThreads(undefined, 1, 1024 * MIB, 256 * MIB)).toBe(1);
    expect(diffThreads(1, 8, 1024 * MIB, 256 * MIB)).toBe(1);
    expect(diffThreads(4, 1, 0, 256 * MIB)).toBe(2);
  });

  it('keeps to one thread below a 128 MiB budget (a second one costs more memory than that saves)', () => {
    expect(diffThreads(undefined, 2, 1024 * MIB, 128 * MIB)).toBe(2);
    expect(diffThreads(undefined, 2, 1024 * MIB, 128 * MIB - 1)).toBe(1);
    expect(diffThreads(undefined, 8, 1024 * MIB, 16 * MIB)).toBe(1);
    expect(diffThreads(2, 2, 1024 * MIB, 16 * MIB)).toBe(2);
  });
});

describe('budgetTuning', () => {
  it('keeps the default buffers at the default budget and shrinks them with the budget', () => {
    expect(budgetTuning(256 * MIB)).toEqual({ chunkSize: MIB, partitionBuffers: 32 * MIB });
    expect(budgetTuning(1024 * MIB)).toEqual({ chunkSize: MIB, partitionBuffers: 32 * MIB });
    expect(budgetTuning(128 * MIB)).toEqual({ chunkSize: MIB / 2, partitionBuffers: 16 * MIB });
    expect(budgetTuning(16 * MIB)).toEqual({ chunkSize: MIB / 4, partitionBuffers: 2 * MIB });
    expect(budgetTuning(1)).toEqual({ chunkSize: MIB / 4, partitionBuffers: MIB });
    expect(budgetTuning(100 * MIB).chunkSize).toBe(MIB / 4); // a power of two
  });
});

describe('planPartitionCount', () => {
  it('plans at least 2 partitions and more when the need exceeds the budget', () => {
    expect(planPartitionCount(10, 1000)).toBe(2);
    expect(planPartitionCount(10_000, 1000)).toBe(20);
  });
});

describe('partitionCountByKey (a new file in another order, old partitions held in memory)', () => {
  it('holds an old partition and its table per thread within the budget, 2 to 512 partitions', () => {
    // 10M rows of 90 bytes: 900 MB of old file and its table, two threads, 256 MiB: 13 partitions.
    expect(partitionCountByKey(input({ rows: 10_000_000, threads: 2 }))).toBe(13);
    expect(partitionCountByKey(input({ rows: 1000 }))).toBe(2);
    expect(partitionCountByKey(input({ rows: 10_000_000, budget: MIB }))).toBe(512);
    expect(partitionCountByKey(input({ rows: 1000, forcePartitions: 3 }))).toBe(3);
  });
});
