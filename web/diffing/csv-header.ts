// Reads a CSV file's header line in the browser, with the dialect of the server's scanner
// (src/platform/csv/csv-reader.ts): ',' between fields, '\n', '\r\n' or '\r' after a record, a field
// that starts with '"' is quoted ('""' is one quote, ',' and line breaks are data), a UTF-8 BOM skipped.
import { HEADER_BYTES, parseFirstRecord } from '../../src/platform/csv/header-line.js';

export type HeaderResult = { ok: true; columns: string[] } | { ok: false; error: string };

/** Checks a parsed header: not empty, no blank or repeated column names. */
export function checkColumns(columns: readonly string[]): string | null {
  if (columns.length === 0 || (columns.length === 1 && columns[0] === '')) {
    return 'The file is empty: the first line should name the columns.';
  }
  const seen = new Set<string>();
  for (const name of columns) {
    if (seen.has(name)) return `The column “${name}” appears more than once in the header.`;
    seen.add(name);
  }
  return null;
}

/** Reads the first 64 KiB of `file` and parses its header line. */
export async function readHeader(file: Blob): Promise<HeaderResult> {
  let text: string;
  try {
    text = await file.slice(0, HEADER_BYTES).text();
  } catch {
    return { ok: false, error: 'Could not read the file.' };
  }
  const columns = parseFirstRecord(text, file.size <= HEADER_BYTES);
  if (columns === null) {
    return {
      ok: false,
      error:
        file.size <= HEADER_BYTES
          ? 'The header line has a quote that is never closed.'
          : 'No header line found in the first 64 KiB: is this a CSV file?',
    };
  }
  const problem = checkColumns(columns);
  return problem === null ? { ok: true, columns } : { ok: false, error: problem };
}
