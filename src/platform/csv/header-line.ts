// Reads a CSV header record and finds columns in it by name (pure: shared by the server and the
// pages), with the dialect of the scanner (csv-reader.ts): ',' between fields, '\n', '\r\n' or '\r' after a record, a field
// that starts with '"' is quoted ('""' is one quote, ',' and line breaks are data), a UTF-8 BOM skipped.

/** How much of the file is read first to find the header (more is read while the header goes on). */
export const HEADER_BYTES = 64 * 1024;
/** The longest header read (the diff engine reads any length; this bounds a header check's memory). */
export const MAX_HEADER_BYTES = 64 * 2 ** 20;

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

/** Where named columns are in a header: their positions, or the names missing and repeated. */
export type ColumnMatch =
  { ok: true; indexes: number[] } | { ok: false; missing: string[]; repeated: string[] };

/**
 * Finds each of `names` in `header` by exact name. A name that is not there is missing; one that is
 * there more than once is repeated (which of the two columns is meant cannot be told). Both lists
 * keep the order of `names`.
 */
export function matchColumns(header: readonly string[], names: readonly string[]): ColumnMatch {
  const indexes: number[] = [];
  const missing: string[] = [];
  const repeated: string[] = [];
  for (const name of names) {
    const i = header.indexOf(name);
    if (i < 0) missing.push(name);
    else if (header.indexOf(name, i + 1) >= 0) repeated.push(name);
    indexes.push(i);
  }
  return missing.length === 0 && repeated.length === 0
    ? { ok: true, indexes }
    : { ok: false, missing, repeated };
}
