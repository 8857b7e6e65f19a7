import { describe, expect, it } from 'vitest';
import { groupCommit } from './group-commit.js';

describe('groupCommit', () => {
  it('runs the first item alone and what arrived meanwhile together, each with its own outcome, in order', async () => {
    const batches: number[][] = [];
    const after: number[][] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const g = groupCommit<number, number>(
      async (items) => {
        batches.push([...items]);
        if (batches.length === 1) await gate;
        return items.map((n) =>
          n % 2 ? { ok: true, value: n * 10 } : { ok: false, error: new Error(`even ${n}`) },
        );
      },
      { after: async (values) => void after.push(values) },
    );
    const results = [1, 2, 3, 5].map((n) => g.run(n).catch((e: Error) => e.message));
    release();
    expect(await Promise.all(results)).toEqual([10, 'even 2', 30, 50]);
    expect(batches).toEqual([[1], [2, 3, 5]]);
    expect(after).toEqual([[10], [30, 50]]);
  });

  it('fails every item of a batch whose commit throws, and goes on with the next batch', async () => {
    let calls = 0;
    const g = groupCommit<string, string>(async (items) => {
      calls++;
      if (items.includes('boom')) throw new Error('database away');
      return items.map((value) => ({ ok: true, value }));
    });
    const first = g.run('boom');
    await expect(first).rejects.toThrow('database away');
    expect(await g.run('fine')).toBe('fine');
    expect(calls).toBe(2);
  });

  it('caps a batch at maxBatch items', async () => {
    const sizes: number[] = [];
    const g = groupCommit<number, number>(
      async (items) => {
        sizes.push(items.length);
        return items.map((value) => ({ ok: true, value }));
      },
      { maxBatch: 3 },
    );
    await Promise.all(Array.from({ length: 8 }, (_, i) => g.run(i)));
    expect(sizes).toEqual([1, 3, 3, 1]);
  });
});
