import { describe, expect, it } from 'vitest';
import { sharedRead } from './shared-read.js';

describe('sharedRead', () => {
  it('answers the calls of one turn from one read, started after all of them', async () => {
    let reads = 0;
    let value = 'before';
    const read = sharedRead(async () => {
      reads++;
      return value;
    });
    const first = read();
    value = 'committed after the first call, before the second';
    const second = read();
    expect(await Promise.all([first, second])).toEqual([value, value]);
    expect(reads).toBe(1);
  });

  it('reads again for a call made after the shared read started', async () => {
    let reads = 0;
    const read = sharedRead(async () => ++reads);
    expect(await read()).toBe(1);
    expect(await read()).toBe(2);
  });

  it('gives every caller of the turn the read failure', async () => {
    const read = sharedRead(async () => {
      throw new Error('database unavailable');
    });
    const results = await Promise.allSettled([read(), read()]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    await expect(read()).rejects.toThrow('database unavailable');
  });

  it('rejects, never throws out of the loop, when the read throws before it returns a promise', async () => {
    const read = sharedRead((): Promise<number> => {
      throw new Error('SQLITE_BUSY');
    });
    await expect(read()).rejects.toThrow('SQLITE_BUSY');
  });
});
