import { describe, expect, it } from 'vitest';
import { hashBytes } from './bytes.js';

describe('hashBytes', () => {
  it('hashes equal bytes equally regardless of position, and differs for different tails', () => {
    const a = Buffer.from('xxhello world');
    const b = Buffer.from('hello world');
    expect(hashBytes(a, 2, 11)).toBe(hashBytes(b, 0, 11));
    const seen = new Set<number>();
    for (const s of ['', 'a', 'ab', 'abc', 'abcd', 'abcde', 'b', 'ba'])
      seen.add(hashBytes(Buffer.from(s), 0, s.length));
    expect(seen.size).toBe(8);
  });
});
