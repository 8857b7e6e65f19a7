import { describe, expect, it } from 'vitest';
import { groupCommit } from './group-commit.js';

describe('groupCommit', () => {
  it('runs what arrives in one turn of the event loop together, then what arrived meanwhile, each with its own outcome, in order', async () => {
    const batches: number[][] = [];
    const after: number[][] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let started!: () => void;
    const first = new Promise<void>((r) => (started = r));
    const g = groupCommit<number, number>(
      async (items) => {
        batches.push([...items]);
        if (batches.length === 1) {
          started();
          await gate;
        }
        return items.map((n) =>
          n % 2 ? { ok: true, value: n * 10 } : { ok: false, error: new Error(`even ${n}`) },
        );
      },
      { after: async (values) => void after.push(values) },
    );
    const results = [1, 2].map((n) => g.run(n).catch((e: Error) => e.message));
    await first; // the first batch is running: these wait for the next one
    results.push(...[3, 4, 5].map((n) => g.run(n).catch((e: Error) => e.message)));
    release();
    expect(await Promise.all(results)).toEqual([10, 'even 2', 30, 'even 4', 50]);
    expect(batches).toEqual([
      [1, 2],
      [3, 4, 5],
    ]);
    expect(after).toEqual([[10], [30, 50]]);
  });

  it('starts a batch only after the requests of this turn were handled (a synchronous commit never runs them alone)', async () => {
    const batches: number[][] = [];
    const g = groupCommit<number, number>((items) => {
      batches.push([...items]);
      return Promise.resolve(items.map((value) => ({ ok: true as const, value })));
    });
    // As SQLite does: each caller awaits something already settled before its run().
    const results = [1, 2, 3].map(async (n) => {
      await Promise.resolve();
      return g.run(n);
    });
    expect(await Promise.all(results)).toEqual([1, 2, 3]);
    expect(batches).toEqual([[1, 2, 3]]);
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
    expect(sizes).toEqual([3, 3, 2]);
  });
});
