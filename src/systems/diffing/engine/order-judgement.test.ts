import { describe, expect, it } from 'vitest';
import { FpTable } from './fp-table.js';
import { newInAnotherOrder } from './keyless-in-memory.js';
import type { Sample } from './sample.js';

/** Key k's fingerprint halves (any distinct values do: the table only compares them). */
const h1 = (k: number): number => Math.imul(k + 1, 0x9e3779b1);
const h2 = (k: number): number => Math.imul(k + 7, 0x85ebca6b) ^ k;

/** A table of old keys 0..n-1 in file order. */
function oldTable(n: number): FpTable {
  const t = new FpTable(n);
  for (let k = 0; k < n; k++) t.push(h1(k), h2(k), k * 10, 9, 0);
  t.build(
    () => {
      throw new Error('no repeated keys here');
    },
    null,
    0,
  );
  return t;
}

/** A sample of the new file's first rows with these keys. */
function sampleOf(keys: number[]): Sample {
  const prints = new Int32Array(2 * keys.length);
  keys.forEach((k, i) => {
    prints[2 * i] = h1(k);
    prints[2 * i + 1] = h2(k);
  });
  return {
    rows: keys.length,
    estRows: keys.length,
    avgRawKey: 0,
    avgValue: 0,
    distinctRatio: [],
    avgColLen: [],
    distinct: [],
    prints,
  };
}

const FULL = Int32Array.of(-1, -1);

describe('newInAnotherOrder (the first new rows looked up in the old table)', () => {
  const t = oldTable(50_000);

  it('says a re-export in the same order is in order, a rolling one too (its first rows far into the old file)', () => {
    const same = Array.from({ length: 5000 }, (_, i) => i).filter((k) => k % 17 !== 0); // some deleted
    expect(newInAnotherOrder(t, sampleOf(same), FULL)).toBe(false);
    // The oldest 20,000 rows gone, new keys (not in the old table) in between.
    const rolling = Array.from({ length: 5000 }, (_, i) => (i % 10 === 9 ? 1_000_000 + i : 20_000 + i));
    expect(newInAnotherOrder(t, sampleOf(rolling), FULL)).toBe(false);
  });

  it('says rows in another order are, and judges nothing on fewer than 1,000 known keys', () => {
    const shuffled = Array.from({ length: 5000 }, (_, i) => (i * 7919) % 50_000);
    expect(newInAnotherOrder(t, sampleOf(shuffled), FULL)).toBe(true);
    const reversed = Array.from({ length: 5000 }, (_, i) => 49_999 - i);
    expect(newInAnotherOrder(t, sampleOf(reversed), FULL)).toBe(true);
    expect(newInAnotherOrder(t, sampleOf(shuffled.slice(0, 900)), FULL)).toBe(false);
    // Keys the old file does not have say nothing either way.
    const fresh = Array.from({ length: 5000 }, (_, i) => 2_000_000 + ((i * 7919) % 5000));
    expect(newInAnotherOrder(t, sampleOf(fresh), FULL)).toBe(false);
  });
});
