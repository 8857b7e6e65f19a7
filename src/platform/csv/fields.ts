// The CSV dialect (see csv-reader.ts) on record bytes already known to be a whole record: splitting
// one into fields and unquoting a field. Hand-written hot paths (the diff engine calls them per row).

const QUOTE = 34;
const COMMA = 44;

/**
 * Splits one record whose content bytes are known, b[start, end) (terminator excluded; it may span
 * several physical lines inside quotes), into fields by the same dialect as CsvReader (`v`: a
 * DataView of b's bytes: words with no byte below ',' are skipped 4 bytes at a time, as in
 * CsvReader.next). Field boundaries go to fStart/fEnd/fQuoted (which must have room for the
 * record's fields: callers re-split records that CsvReader already checked); returns the number of
 * fields.
 */
export function splitRecord(
  b: Uint8Array,
  v: DataView,
  start: number,
  end: number,
  fStart: Int32Array,
  fEnd: Int32Array,
  fQuoted: Uint8Array,
): number {
  let nf = 0;
  let fs = start;
  let quoted = 0;
  let i = start;
  const end4 = end - 4;
  while (i < end) {
    while (i <= end4) {
      const x = v.getInt32(i, true);
      if (((x - 0x2d2d2d2d) & ~x & 0x80808080) !== 0) break;
      i += 4;
    }
    if (i >= end) break;
    const c = b[i] as number;
    if (c === COMMA) {
      fStart[nf] = fs;
      fEnd[nf] = i;
      fQuoted[nf] = quoted;
      nf++;
      fs = ++i;
      quoted = 0;
    } else if (c === QUOTE && i === fs) {
      let j = i + 1;
      while (j < end) {
        if (b[j] === QUOTE) {
          if (j + 1 < end && b[j + 1] === QUOTE) {
            j += 2;
            continue;
          }
          break;
        }
        j++;
      }
      quoted = 1;
      i = j + 1; // after the closing quote; bytes up to the delimiter are data
    } else {
      i++;
    }
  }
  fStart[nf] = fs;
  fEnd[nf] = end;
  fQuoted[nf] = quoted;
  return nf + 1;
}

/**
 * Writes the unquoted content of the quoted field src[start, end) (src[start] is '"') into dst at
 * dstPos; returns the new dstPos. dst must have room for end - start bytes.
 */
export function unquoteInto(
  src: Uint8Array,
  start: number,
  end: number,
  dst: Uint8Array,
  dstPos: number,
): number {
  let j = start + 1;
  let d = dstPos;
  while (j < end) {
    const c = src[j] as number;
    if (c === QUOTE) {
      if (j + 1 < end && src[j + 1] === QUOTE) {
        dst[d++] = QUOTE;
        j += 2;
        continue;
      }
      j++;
      break;
    }
    dst[d++] = c;
    j++;
  }
  while (j < end) dst[d++] = src[j++] as number;
  return d;
}
