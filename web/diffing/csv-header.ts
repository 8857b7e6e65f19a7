// Reads a CSV file's header line in the browser, with the dialect of the server's scanner
// (src/systems/diffing/csv-scan.ts): ',' between fields, '\n', '\r\n' or '\r' after a record, a field
// that starts with '"' is quoted ('""' is one quote, ',' and line breaks are data), a UTF-8 BOM skipped.

/** How much of the file is read to find the header. */
export const HEADER_BYTES = 64 * 1024;

export type HeaderResult = { ok: true; columns: string[] } | { ok: false; error: string };

/**
 * The first CSV record of `text`, or null when it does not end within the text (its quote or its
 * line is not closed) and `complete` is false, i.e. more of the file would be needed.
 */
export function parseFirstRecord(text: string, complete: boolean): string[] | null {
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const fields: string[] = [];
  let field = '';
  let atFieldStart = true;
  let inQuotes = false;
  while (i < text.length) {
    const ch = text[i] as string;
    if (inQuotes) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        inQuotes = false;
      } else {
        field += ch;
      }
      i += 1;
      continue;
    }
    if (ch === '"' && atFieldStart) {
      inQuotes = true;
      atFieldStart = false;
      i += 1;
      continue;
    }
    if (ch === ',') {
      fields.push(field);
      field = '';
      atFieldStart = true;
      i += 1;
      continue;
    }
    if (ch === '\n' || ch === '\r') {
      fields.push(field);
      return fields;
    }
    atFieldStart = false;
    field += ch;
    i += 1;
  }
  if (!complete || inQuotes) return null;
  fields.push(field);
  return fields;
}

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
