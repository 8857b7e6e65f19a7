import fs from 'node:fs/promises';
import { badInput } from '../errors.js';
import { HEADER_BYTES, MAX_HEADER_BYTES, parseFirstRecord } from './header-line.js';

/**
 * The header of a CSV file; undefined when there is none (an empty file). Reads the first 64 KiB,
 * then more as long as the header record has not ended, up to `maxBytes` (a bad_input error beyond).
 */
export async function readCsvHeader(
  file: string,
  maxBytes = MAX_HEADER_BYTES,
): Promise<string[] | undefined> {
  const handle = await fs.open(file, 'r');
  try {
    let buffer = Buffer.alloc(Math.min(HEADER_BYTES, maxBytes));
    let length = 0;
    for (;;) {
      let atEnd = false;
      while (length < buffer.length) {
        const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
        if (bytesRead === 0) {
          atEnd = true;
          break;
        }
        length += bytesRead;
      }
      const columns = parseFirstRecord(buffer.subarray(0, length).toString('utf8'), atEnd);
      if (columns !== null || atEnd)
        return columns && columns.length > 0 && !(columns.length === 1 && columns[0] === '')
          ? columns
          : undefined;
      if (buffer.length >= maxBytes) throw badInput(`its header is longer than ${sizeText(maxBytes)}`);
      const bigger = Buffer.alloc(Math.min(buffer.length * 4, maxBytes));
      buffer.copy(bigger, 0, 0, length);
      buffer = bigger;
    }
  } finally {
    await handle.close();
  }
}

const sizeText = (bytes: number) =>
  bytes >= 2 ** 20 ? `${Math.round(bytes / 2 ** 20)} MiB` : `${Math.round(bytes / 1024)} KiB`;
