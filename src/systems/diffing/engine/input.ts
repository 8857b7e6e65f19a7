// One input file of a diff: opened, its header read (columns found by name), its records scanned
// with errors that name the file and the line; and rows copied from it by offset into an output.
import { BufferedWriter } from '../../../platform/csv/buffered-writer.js';
import { CsvReader, CsvSyntaxError, END, NEED_MORE, RECORD } from '../../../platform/csv/csv-reader.js';
import { matchColumns } from '../../../platform/csv/header-line.js';
import { DiffInputError, type DiffSpec } from './types.js';
import { Progress } from './progress.js';

const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);

export interface Input {
  which: 'old' | 'new';
  path: string;
  spec: DiffSpec;
  rd: CsvReader;
  nCols: number;
  keyCols: Int32Array;
  valCol: number;
  /** Header line bytes as in the file (BOM included), without terminator. */
  header: Buffer;
  /** Terminator used for every output row taken from this file. */
  term: Buffer;
  size: number;
}

function inputError(
  inp: { which: 'old' | 'new'; path: string },
  line: number,
  reason: string,
): DiffInputError {
  return new DiffInputError(inp.which, inp.path, line, reason);
}

async function scanOrThrow(inp: Input): Promise<number> {
  const rd = inp.rd;
  for (;;) {
    let r: number;
    try {
      r = rd.next();
    } catch (e) {
      if (e instanceof CsvSyntaxError) throw inputError(inp, e.line, e.reason);
      throw e;
    }
    if (r !== NEED_MORE) return r;
    await fillOrThrow(inp);
  }
}

export async function fillOrThrow(inp: { which: 'old' | 'new'; path: string; rd: CsvReader }): Promise<void> {
  try {
    await inp.rd.fill();
  } catch (e) {
    throw inputError(inp, 0, `cannot read file: ${(e as Error).message}`);
  }
}

export function nextRecord(inp: Input): number {
  try {
    return inp.rd.next();
  } catch (e) {
    if (e instanceof CsvSyntaxError) throw inputError(inp, e.line, e.reason);
    throw e;
  }
}

export async function openInput(
  which: 'old' | 'new',
  path: string,
  spec: DiffSpec,
  chunkSize: number,
): Promise<Input> {
  let rd: CsvReader;
  try {
    rd = await CsvReader.open(path, chunkSize, true);
  } catch (e) {
    throw new DiffInputError(which, path, 0, `cannot open file: ${(e as Error).message}`);
  }
  const partial = { which, path, spec, rd } as Input;
  try {
    const r = await scanOrThrow(partial);
    if (r === END) throw inputError(partial, 1, 'file is empty (no header line)');
    const names = rd.fieldValues();
    const find = (name: string, what: string): number => {
      const m = matchColumns(names, [name]);
      if (m.ok) return m.indexes[0] as number;
      if (m.missing.length > 0) {
        throw inputError(
          partial,
          rd.line,
          `missing ${what} column '${name}' in header (columns: ${names.join(', ')})`,
        );
      }
      throw inputError(partial, rd.line, `${what} column '${name}' appears more than once in the header`);
    };
    const keyCols = Int32Array.from(spec.keys.map((k) => find(k, 'key')));
    const valCol = find(spec.value, 'value');
    // The header line as in the file, its BOM included (the record may not start at buf[0]).
    const header = Buffer.concat([
      rd.bom ? UTF8_BOM : Buffer.alloc(0),
      rd.buf.subarray(rd.recStart, rd.recEnd),
    ]);
    let term = rd.terminator();
    if (term.length === 0) term = Buffer.from('\n');
    return Object.assign(partial, {
      nCols: names.length,
      keyCols,
      valCol,
      header,
      term,
      size: rd.size,
    });
  } catch (e) {
    await rd.close();
    throw e;
  }
}

/**
 * Whether the reader's current record is a data row: a blank line is not (false); a record with
 * another number of fields than the header is an error (thrown).
 */
export function isRow(inp: Input): boolean {
  const rd = inp.rd;
  if (rd.nFields !== inp.nCols) {
    if (rd.isBlank()) return false;
    throw raggedError(inp);
  }
  return !(inp.nCols === 1 && rd.isBlank());
}

function raggedError(inp: Input): DiffInputError {
  return inputError(
    inp,
    inp.rd.line,
    `wrong number of fields: expected ${inp.nCols} (as in the header), got ${inp.rd.nFields}`,
  );
}

/** Copies the records starting at the given increasing offsets from a CSV file to a writer. */
export async function copyRows(
  inp: { which: 'old' | 'new'; path: string },
  nextOffset: () => number,
  total: number,
  w: BufferedWriter,
  term: Uint8Array,
  progress: Progress,
  lo: number,
  hi: number,
  chunkSize: number,
): Promise<void> {
  if (total === 0) return;
  let rd: CsvReader;
  try {
    rd = await CsvReader.open(inp.path, chunkSize);
  } catch (e) {
    throw new DiffInputError(inp.which, inp.path, 0, `cannot open file: ${(e as Error).message}`);
  }
  const src = { ...inp, rd };
  try {
    let done = 0;
    const step = Math.max(1, Math.floor(total / 100));
    for (let off = nextOffset(); off >= 0; off = nextOffset()) {
      rd.seek(off);
      let r = rd.next();
      while (r === NEED_MORE) {
        await fillOrThrow(src);
        r = rd.next();
      }
      if (r !== RECORD) throw new Error(`internal error: no record at offset ${off} of ${inp.path}`);
      w.write(rd.buf, rd.recStart, rd.recEnd);
      w.write(term, 0, term.length);
      if (++done % step === 0) progress.at(lo, hi, done / total);
    }
  } finally {
    await rd.close();
  }
}

export function arrayCursor(a: Float64Array): () => number {
  let i = 0;
  return () => (i < a.length ? (a[i++] as number) : -1);
}
