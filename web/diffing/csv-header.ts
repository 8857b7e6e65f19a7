// Reads a CSV file's header line in the browser, with the dialect of the server's scanner
// (src/platform/csv/csv-reader.ts): ',' between fields, '\n', '\r\n' or '\r' after a record, a field
// that starts with '"' is quoted ('""' is one quote, ',' and line breaks are data), a UTF-8 BOM skipped.
import { HEADER_BYTES, MAX_HEADER_BYTES, parseFirstRecord } from '../../src/platform/csv/header-line.js';

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

/**
 * Reads the header line of `file`: its first 64 KiB, then more (four times as much each time) while
 * the header record goes on, up to 64 MiB, as the server's check reads it (read-csv-header.ts).
 */
export async function readHeader(file: Blob): Promise<HeaderResult> {
  let size = Math.min(HEADER_BYTES, MAX_HEADER_BYTES);
  for (;;) {
    let text: string;
    try {
      text = await file.slice(0, size).text();
    } catch {
      return { ok: false, error: 'Could not read the file.' };
    }
    const complete = file.size <= size;
    const columns = parseFirstRecord(text, complete);
    if (columns !== null) {
      const problem = checkColumns(columns);
      return problem === null ? { ok: true, columns } : { ok: false, error: problem };
    }
    if (complete) return { ok: false, error: 'The header line has a quote that is never closed.' };
    if (size >= MAX_HEADER_BYTES)
      return { ok: false, error: 'No header line found in the first 64 MiB: is this a CSV file?' };
    size = Math.min(size * 4, MAX_HEADER_BYTES);
  }
}
