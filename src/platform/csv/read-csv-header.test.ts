import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DomainError } from '../errors.js';
import { HEADER_BYTES } from './header-line.js';
import { readCsvHeader } from './read-csv-header.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'quintet-header-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
let n = 0;
const file = (text: string) => {
  const f = path.join(dir, `h${n++}.csv`);
  fs.writeFileSync(f, text);
  return f;
};

/** A header of `count` columns named c0, c1, … */
const columns = (count: number) => Array.from({ length: count }, (_, i) => `c${i}`);

describe('readCsvHeader', () => {
  it('reads a header longer than the first 64 KiB, as the diff engine does', async () => {
    const names = [...columns(30_000), 'date', 'value'];
    const text = names.join(',');
    expect(text.length).toBeGreaterThan(2 * HEADER_BYTES);
    expect(await readCsvHeader(file(`${text}\n1,2\n`))).toEqual(names);
  });

  it('reads a header that ends exactly at 64 KiB and one whose quoted field spans it', async () => {
    const exact = 'a,' + 'b'.repeat(HEADER_BYTES - 3);
    expect(await readCsvHeader(file(`${exact}\nx,y\n`))).toEqual(['a', 'b'.repeat(HEADER_BYTES - 3)]);
    const quoted = `"${'q'.repeat(HEADER_BYTES)}\nstill the header",z`;
    expect(await readCsvHeader(file(`${quoted}\n1,2\n`))).toEqual([
      `${'q'.repeat(HEADER_BYTES)}\nstill the header`,
      'z',
    ]);
  });

  it('reads a long header that is the whole file (no final newline)', async () => {
    const names = columns(15_000);
    expect(await readCsvHeader(file(names.join(',')))).toEqual(names);
  });

  it('answers undefined for an empty file', async () => {
    expect(await readCsvHeader(file(''))).toBeUndefined();
  });

  it('refuses a header longer than its limit, saying so', async () => {
    const f = file(`${columns(20_000).join(',')}\n`);
    const err = await readCsvHeader(f, HEADER_BYTES).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DomainError);
    expect((err as DomainError).message).toBe('its header is longer than 64 KiB');
  });
});
