// A finished diff's preview: its first new rows, its first changed rows with the old value beside
// the new one, and its first deleted rows, in the key and value columns. The diff itself holds only
// new-file rows, so which rows are new and what a changed row's value was are found once, in the
// job's thread, while the old file is still at hand (buildPreview: the diff's first rows, then one
// scan of the old file for their keys), and kept as a small artifact beside the results
// (preview.jsonl: a header line, then one line a row, new, changed then deleted). The API reads it
// as a stream (readPreview), stopping after the rows asked for.
import fs from 'node:fs/promises';
import readline from 'node:readline';
import type { Readable } from 'node:stream';
import {
  CsvReader,
  DEFAULT_CHUNK,
  END,
  matchColumns,
  NEED_MORE,
  RECORD,
  unquoteInto,
  type ScanResult,
} from '../../platform/csv/index.js';

/** Rows of each kind the preview keeps (the API's largest `limit`). */
export const PREVIEW_MAX_ROWS = 100;
/** Rows of each kind the API answers without a `limit`. */
export const PREVIEW_DEFAULT_ROWS = 20;
/** A field longer than this (in UTF-16 code units) is cut, ending in "…". */
export const PREVIEW_FIELD_CHARS = 200;
/**
 * How many of the diff's rows each scan of the old file sorts into new and changed: a second, larger
 * batch only when the first did not fill both kinds, so at most two scans and PREVIEW_SEARCH_ROWS rows.
 */
const BATCHES = [5_000, 50_000] as const;
export const PREVIEW_SEARCH_ROWS = BATCHES[0] + BATCHES[1];

export type PreviewKind = 'new' | 'changed' | 'deleted';

interface PreviewHeader {
  /** The key columns, then the value column. */
  columns: string[];
  /** How many of the diff's first rows were sorted into new and changed. */
  searched: number;
}

type PreviewLine =
  | { kind: 'new'; values: string[] }
  | { kind: 'changed'; values: string[]; old_value: string }
  | { kind: 'deleted'; values: string[] };

export interface ChangedPreviewRow {
  /** The new file's row, in the preview's columns (its value last). */
  values: string[];
  /** The old file's value for the same key. */
  old_value: string;
}

export interface DiffPreview {
  columns: string[];
  searched: number;
  new: string[][];
  changed: ChangedPreviewRow[];
  deleted: string[][];
}

/** What GET /api/diffing/job/:id/preview answers: each kind's first `limit` rows and its count in the diff. */
export interface PreviewAnswer {
  job_id: number;
  limit: number;
  columns: string[];
  searched: number;
  new: { total: number; rows: string[][] };
  changed: { total: number; rows: ChangedPreviewRow[] };
  deleted: { total: number; rows: string[][] };
}

/** What the diff found, which tells which scans can be skipped or cut short. */
export interface PreviewCounts {
  added: number;
  changed: number;
  duplicateKeysOld: number;
}

export interface BuildPreviewOptions {
  oldPath: string;
  /** The diff (new file's header, then the new and changed rows). */
  diffPath: string;
  deletedPath: string;
  keys: readonly string[];
  value: string;
  counts: PreviewCounts;
  outPath: string;
}

const cut = (s: string): string => {
  if (s.length <= PREVIEW_FIELD_CHARS) return s;
  let end = PREVIEW_FIELD_CHARS - 1;
  const last = s.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1; // never half a surrogate pair
  return `${s.slice(0, end)}…`;
};

/** A CSV file's records after its header, with the header's positions of the key and value columns. */
class Records {
  private scratch = Buffer.allocUnsafe(256);
  /** Positions of the key columns. */
  private keyColumns = new Int32Array(0);

  private constructor(
    private readonly rd: CsvReader,
    /** Positions of the key columns, then of the value column. */
    readonly columns: number[],
  ) {}

  static async open(file: string, names: readonly string[]): Promise<Records> {
    const rd = await CsvReader.open(file, DEFAULT_CHUNK, true);
    try {
      const records = new Records(rd, []);
      if (!(await records.next())) throw new Error(`${file} has no header`);
      const match = matchColumns(rd.fieldValues(), names);
      // The diff ran on these files, so this is a broken invariant, not bad input.
      if (!match.ok)
        throw new Error(`${file} lacks columns ${[...match.missing, ...match.repeated].join(', ')}`);
      records.columns.push(...match.indexes);
      records.keyColumns = Int32Array.from(match.indexes.slice(0, -1));
      return records;
    } catch (err) {
      await rd.close();
      throw err;
    }
  }

  /** Moves to the next record that is not a blank line, if it is in the buffer (else NEED_MORE: fill()). */
  step(): ScanResult {
    for (;;) {
      const r = this.rd.next();
      if (r !== RECORD || !this.rd.isBlank()) return r;
    }
  }

  fill(): Promise<void> {
    return this.rd.fill();
  }

  /** Moves to the next record that is not a blank line; false at the end. */
  async next(): Promise<boolean> {
    for (;;) {
      const r = this.step();
      if (r === RECORD) return true;
      if (r === END) return false;
      await this.fill();
    }
  }

  /** The bytes of field `f` of the current record, unquoted: [buffer, start, end). */
  private bytes(f: number): [Buffer, number, number] {
    const rd = this.rd;
    if (f >= rd.nFields) return [this.scratch, 0, 0];
    const s = rd.fStart[f]!;
    const e = rd.fEnd[f]!;
    if (rd.fQuoted[f] === 0) return [rd.buf, s, e];
    if (this.scratch.length < e - s) this.scratch = Buffer.allocUnsafe(2 * (e - s));
    return [this.scratch, 0, unquoteInto(rd.buf, s, e, this.scratch, 0)];
  }

  /** FNV-1a of the key fields' bytes: a cheap first test, before the exact key is made. */
  keyHash(): number {
    const rd = this.rd;
    const { buf, fStart, fEnd, fQuoted, nFields } = rd;
    const keys = this.keyColumns;
    let h = 0x811c9dc5;
    for (let k = 0; k < keys.length; k++) {
      const f = keys[k]!;
      if (f < nFields && fQuoted[f] === 0) {
        // The common case, read in place (no allocation per field: this runs for every old row).
        const e = fEnd[f]!;
        for (let i = fStart[f]!; i < e; i++) h = Math.imul(h ^ buf[i]!, 0x01000193);
      } else {
        const [b, s, e] = this.bytes(f);
        for (let i = s; i < e; i++) h = Math.imul(h ^ b[i]!, 0x01000193);
      }
      h = Math.imul(h ^ 0xff, 0x01000193);
    }
    return h >>> 0;
  }

  /** The key as the engine compares it: the key fields' exact bytes (after unquoting), length-prefixed. */
  key(): string {
    let key = '';
    const n = this.columns.length - 1;
    for (let k = 0; k < n; k++) {
      const [b, s, e] = this.bytes(this.columns[k]!);
      key += `${e - s}:${b.toString('latin1', s, e)}`;
    }
    return key;
  }

  /** Field `f` for showing: UTF-8, cut to PREVIEW_FIELD_CHARS. */
  shown(f: number): string {
    return f < this.rd.nFields ? cut(this.rd.fieldValue(f)) : '';
  }

  /** The key and value columns of the current record, for showing. */
  values(): string[] {
    return this.columns.map((f) => this.shown(f));
  }

  /** The current record's value, for showing. */
  value(): string {
    return this.shown(this.columns[this.columns.length - 1]!);
  }

  close(): Promise<void> {
    return this.rd.close();
  }
}

interface Candidate {
  values: string[];
  /** The old file's value (the last occurrence's), when the key is in the old file: a changed row. */
  old?: string;
}

/**
 * Finds the old values of a batch of diff rows in one scan of the old file. With no repeated key in
 * the old file, the scan ends as soon as every key expected there has been found.
 */
async function findOldValues(
  old: Records,
  batch: Map<string, Candidate>,
  hashes: Set<number>,
  expected: number | undefined,
): Promise<void> {
  let found = 0;
  // Every old row passes here: awaited only when the buffer runs out (an await a row costs more
  // than the scan itself).
  for (;;) {
    const r = old.step();
    if (r === NEED_MORE) {
      await old.fill();
      continue;
    }
    if (r === END) return;
    if (!hashes.has(old.keyHash())) continue;
    const row = batch.get(old.key());
    if (row === undefined) continue;
    if (row.old === undefined) found += 1;
    row.old = old.value(); // the last occurrence wins, as in the diff
    if (found === expected) return;
  }
}

/** Writes the preview of a finished diff to `outPath` (see the top of this file). */
export async function buildPreview(options: BuildPreviewOptions): Promise<void> {
  const { counts } = options;
  const names = [...options.keys, options.value];
  const added: string[][] = [];
  const changed: ChangedPreviewRow[] = [];
  const want = {
    added: Math.min(PREVIEW_MAX_ROWS, counts.added),
    changed: Math.min(PREVIEW_MAX_ROWS, counts.changed),
  };
  let searched = 0;
  /** Changed rows among the batches already sorted (kept or not). */
  let changedSeen = 0;
  let diffRowsLeft = counts.added + counts.changed;
  const diff = await Records.open(options.diffPath, names);
  try {
    for (const size of BATCHES) {
      if ((added.length >= want.added && changed.length >= want.changed) || diffRowsLeft === 0) break;
      const batch = new Map<string, Candidate>();
      const hashes = new Set<number>();
      while (batch.size < size && (await diff.next())) {
        hashes.add(diff.keyHash());
        batch.set(diff.key(), { values: diff.values() });
      }
      searched += batch.size;
      diffRowsLeft -= batch.size;
      // How many of the batch are changed rows, when that is known: then the scan can stop early.
      const expected =
        counts.duplicateKeysOld > 0
          ? undefined
          : counts.changed === 0
            ? 0
            : counts.added === 0
              ? batch.size
              : diffRowsLeft === 0
                ? counts.changed - changedSeen
                : undefined;
      if (expected !== 0) {
        const old = await Records.open(options.oldPath, names);
        try {
          await findOldValues(old, batch, hashes, expected);
        } finally {
          await old.close();
        }
      }
      for (const row of batch.values()) {
        if (row.old !== undefined) changedSeen += 1;
        if (row.old === undefined) {
          if (added.length < PREVIEW_MAX_ROWS) added.push(row.values);
        } else if (changed.length < PREVIEW_MAX_ROWS) {
          changed.push({ values: row.values, old_value: row.old });
        }
      }
    }
  } finally {
    await diff.close();
  }

  const deleted: string[][] = [];
  const gone = await Records.open(options.deletedPath, names);
  try {
    while (deleted.length < PREVIEW_MAX_ROWS && (await gone.next())) deleted.push(gone.values());
  } finally {
    await gone.close();
  }

  const header: PreviewHeader = { columns: names, searched };
  const lines: PreviewLine[] = [
    ...added.map((values) => ({ kind: 'new' as const, values })),
    ...changed.map((row) => ({ kind: 'changed' as const, ...row })),
    ...deleted.map((values) => ({ kind: 'deleted' as const, values })),
  ];
  await fs.writeFile(options.outPath, [header, ...lines].map((l) => `${JSON.stringify(l)}\n`).join(''));
}

/** The first `limit` rows of each kind from a stored preview, read line by line; the stream is closed after. */
export async function readPreview(stream: Readable, limit: number): Promise<DiffPreview> {
  const lines = readline.createInterface({ input: stream, crlfDelay: Infinity });
  const preview: DiffPreview = { columns: [], searched: 0, new: [], changed: [], deleted: [] };
  let header = true;
  try {
    for await (const text of lines) {
      if (header) {
        ({ columns: preview.columns, searched: preview.searched } = JSON.parse(text) as PreviewHeader);
        header = false;
        continue;
      }
      const line = JSON.parse(text) as PreviewLine;
      if (line.kind === 'new') {
        if (preview.new.length < limit) preview.new.push(line.values);
      } else if (line.kind === 'changed') {
        if (preview.changed.length < limit)
          preview.changed.push({ values: line.values, old_value: line.old_value });
      } else if (preview.deleted.length >= limit) {
        break; // deleted rows come last: nothing more to read
      } else {
        preview.deleted.push(line.values);
      }
    }
  } finally {
    lines.close();
    stream.destroy();
  }
  return preview;
}
