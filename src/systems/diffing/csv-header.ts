// Reads a CSV header record (pure: shared by the server and the /diffing page), with the dialect of
// the engine's scanner (csv-scan.ts): ',' between fields, '\n', '\r\n' or '\r' after a record, a field
// that starts with '"' is quoted ('""' is one quote, ',' and line breaks are data), a UTF-8 BOM skipped.

/** How much of the file is read to find the header. */
export const HEADER_BYTES = 64 * 1024;

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
