// CSV records as strings, streamed: the simple way for a system to read an import or an upload
// (a file by path, or a stream as it arrives) on top of the hand-written scanner (csv-reader.ts).
import type { Readable } from 'node:stream';
import { CsvReader, DEFAULT_CHUNK, NEED_MORE, RECORD } from './csv-reader.js';

export interface CsvRecord {
  /** 1-based physical line on which the record starts (a quoted line break makes a record longer). */
  line: number;
  /** The fields, unquoted and decoded as UTF-8. */
  fields: string[];
}

export interface ReadCsvOptions {
  /** Blank lines are not records (default true). */
  skipBlankLines?: boolean;
  /** Read size (default 4 MiB). */
  chunkSize?: number;
}

/**
 * The records of a CSV file (by path) or stream, header included, in order. Malformed CSV (an
 * unterminated quote at the end) throws CsvSyntaxError naming the line; a file that cannot be read
 * throws as fs does. Leaving the loop early closes the file or stream.
 */
export async function* readCsvRecords(
  source: string | Readable | AsyncIterable<Uint8Array | string>,
  options: ReadCsvOptions = {},
): AsyncGenerator<CsvRecord> {
  const chunkSize = options.chunkSize ?? DEFAULT_CHUNK;
  const skipBlank = options.skipBlankLines ?? true;
  const rd =
    typeof source === 'string'
      ? await CsvReader.open(source, chunkSize, true)
      : CsvReader.fromStream(source, chunkSize);
  try {
    for (;;) {
      const r = rd.next();
      if (r === RECORD) {
        if (skipBlank && rd.isBlank()) continue;
        yield { line: rd.line, fields: rd.fieldValues() };
      } else if (r === NEED_MORE) {
        await rd.fill();
      } else {
        return;
      }
    }
  } finally {
    await rd.close();
  }
}
