// Parses a CSV header record (pure: shared by the server and the /diffing page).

/** The column names of the first record in `text` (BOM, quotes, CRLF handled); undefined when there is none. */
export function parseHeader(text: string): string[] | undefined {
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  if (i >= text.length) return undefined;
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      fields.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') break;
    else field += c;
  }
  fields.push(field);
  return fields.length === 1 && fields[0] === '' ? undefined : fields;
}
