import fs from 'node:fs/promises';
import { parseHeader } from './csv-header.js';

const HEADER_BYTES = 64 * 1024;

/** The header of a CSV file (first 64 KiB read); undefined when the file is empty. */
export async function readHeader(file: string): Promise<string[] | undefined> {
  const handle = await fs.open(file, 'r');
  try {
    const buffer = Buffer.alloc(HEADER_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, HEADER_BYTES, 0);
    return parseHeader(buffer.subarray(0, bytesRead).toString('utf8'));
  } finally {
    await handle.close();
  }
}
