// The diffing page's header reader (web/diffing/csv-header.ts) on Blobs, as the browser hands it files.
import { describe, expect, it } from 'vitest';
import { HEADER_BYTES } from '../../src/platform/csv/header-line.js';
import { readHeader } from '../../web/diffing/csv-header.js';

const columns = (count: number) => Array.from({ length: count }, (_, i) => `c${i}`);

describe('the diffing page reads a CSV header', () => {
  it('longer than the first 64 KiB, as the server and the engine do', async () => {
    const names = [...columns(40_000), 'date', 'value'];
    expect(names.join(',').length).toBeGreaterThan(4 * HEADER_BYTES);
    const result = await readHeader(new Blob([`${names.join(',')}\n1,2\n`]));
    expect(result).toEqual({ ok: true, columns: names });
  });

  it('that is the whole file', async () => {
    const names = columns(20_000);
    expect(await readHeader(new Blob([names.join(',')]))).toEqual({ ok: true, columns: names });
  });

  it('and names a quote that is never closed', async () => {
    const result = await readHeader(new Blob([`a,"b${'x'.repeat(2 * HEADER_BYTES)}`]));
    expect(result).toEqual({ ok: false, error: 'The header line has a quote that is never closed.' });
  });
});
