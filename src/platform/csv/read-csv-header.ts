import fs from 'node:fs/promises';
import { HEADER_BYTES, parseFirstRecord } from './header-line.js';

/** The header of a CSV file (looked for in its first 64 KiB); undefined when there is none. */
export async function readCsvHeader(file: string): Promise<string[] | undefined> {
  const handle = await fs.open(file, 'r');
  try {
    const buffer = Buffer.alloc(HEADER_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, HEADER_BYTES, 0);
    const columns = parseFirstRecord(
      buffer.subarray(0, bytesRead).toString('utf8'),
      bytesRead < HEADER_BYTES,
    );
    return columns && columns.length > 0 && !(columns.length === 1 && columns[0] === '')
      ? columns
      : undefined;
  } finally {
    await handle.close();
  }
}
