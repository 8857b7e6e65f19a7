import { describe, expect, it } from 'vitest';
import { newInAnotherOrder, sampleEntries } from './keyless-in-memory.js';
import { RowPrints } from './row-prints.js';
import type { Sample } from './sample.js';

/** Key k's fingerprint halves (any distinct values do: the judgement only compares them). */
const h1 = (k: number): number => Math.imul(k + 1, 0x9e3779b1);
const h2 = (k: number): number => Math.imul(k + 7, 0x85ebca6b) ^ k;

/** The old rows appended so far: keys 0..n-1 in file order. */
function oldRows(n: number): RowPrints {
  const t = new RowPrints(n);
  for (let k = 0; k < n; k++) t.push(h1(k), h2(k), k * 10, 9, 0);
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
const judge = (t: RowPrints, keys: number[]): boolean =>
  newInAnotherOrder(sampleEntries(t, sampleOf(keys), FULL));

describe('newInAnotherOrder (the first new rows found among the old rows scanned so far)', () => {
  const all = oldRows(50_000);
  const fifth = oldRows(10_000); // the judgement is made a fifth of the way through the old file

  it('says a re-export in the same order is in order, a rolling one too (its first rows far into the old file)', () => {
    const same = Array.from({ length: 5000 }, (_, i) => i).filter((k) => k % 17 !== 0); // some deleted
    expect(judge(all, same)).toBe(false);
    expect(judge(fifth, same)).toBe(false);
    // The oldest 2,000 rows gone, new keys (not in the old file) in between.
    const rolling = Array.from({ length: 5000 }, (_, i) => (i % 10 === 9 ? 1_000_000 + i : 2_000 + i));
    expect(judge(all, rolling)).toBe(false);
    expect(judge(fifth, rolling)).toBe(false);
  });

  it('says rows in another order are, from the whole old file or a fifth of it', () => {
    const shuffled = Array.from({ length: 5000 }, (_, i) => (i * 7919) % 50_000);
    expect(judge(all, shuffled)).toBe(true);
    expect(judge(fifth, shuffled)).toBe(true);
    const reversed = Array.from({ length: 5000 }, (_, i) => 49_999 - i);
    expect(judge(all, reversed)).toBe(true);
  });

  it('judges nothing on fewer than 200 known keys, nor on keys the old file does not have', () => {
    const shuffled = Array.from({ length: 150 }, (_, i) => (i * 7919) % 50_000);
    expect(judge(all, shuffled)).toBe(false);
    const fresh = Array.from({ length: 5000 }, (_, i) => 2_000_000 + ((i * 7919) % 5000));
    expect(judge(all, fresh)).toBe(false);
    // A weakened fingerprint (tests' masks) is applied to the sample as to the table.
    const masked = new RowPrints(10);
    masked.push(h1(3) & 3, h2(3), 0, 9, 0);
    expect(sampleEntries(masked, sampleOf([3]), Int32Array.of(3, -1))[0]).toBe(0);
  });
});
