// A simple, obviously-correct (and slow) CSV parser on whole strings, of the dialect csv-reader.ts
// scans: the tests check the hand-written scanner (and what is built on it) against it.

export interface RefRecord {
  fields: string[];
  /** Record text without its terminator. */
  raw: string;
  /** Terminator text ('' at end of file). */
  term: string;
  /** 1-based physical line where the record starts. */
  line: number;
}

/** Python-csv-like parser (see csv-reader.ts for the dialect). Throws on an unterminated quote. */
export function parseCsvReference(input: string): { bom: boolean; records: RefRecord[] } {
  const bom = input.startsWith('\uFEFF');
  const text = bom ? input.slice(1) : input;
  const records: RefRecord[] = [];
  let i = 0;
  let line = 1;
  while (i < text.length) {
    const start = i;
    const startLine = line;
    const fields: string[] = [];
    let field = '';
    let atFieldStart = true;
    let inQuotes = false;
    let end: number;
    let next: number;
    for (;;) {
      if (i >= text.length) {
        if (inQuotes) throw new Error(`unterminated quote in record starting at line ${startLine}`);
        fields.push(field);
        end = next = text.length;
        break;
      }
      const ch = text[i] as string;
      if (inQuotes) {
        if (ch === '"') {
          if (text[i + 1] === '"') {
            field += '"';
            i += 2;
          } else {
            inQuotes = false;
            i++;
          }
          continue;
        }
        if (ch === '\n' || (ch === '\r' && text[i + 1] !== '\n')) line++;
        field += ch;
        i++;
        continue;
      }
      if (ch === '"' && atFieldStart) {
        inQuotes = true;
        atFieldStart = false;
        i++;
        continue;
      }
      atFieldStart = false;
      if (ch === ',') {
        fields.push(field);
        field = '';
        atFieldStart = true;
        i++;
        continue;
      }
      if (ch === '\n' || ch === '\r') {
        fields.push(field);
        end = i;
        next = ch === '\r' && text[i + 1] === '\n' ? i + 2 : i + 1;
        break;
      }
      field += ch;
      i++;
    }
    line++;
    records.push({ fields, raw: text.slice(start, end), term: text.slice(end, next), line: startLine });
    i = next;
  }
  return { bom, records };
}
