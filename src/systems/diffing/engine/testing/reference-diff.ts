/**
 * Simple, obviously-correct (and slow) reference implementation of the diff semantics documented in
 * index.ts, on whole strings. Used by the tests to check the hand-written engine; not for
 * production use.
 */
import { parseCsvReference, type RefRecord } from '../../../../platform/csv/testing/reference-parser.js';
import { valuesEqual } from '../compare.js';
import type { DiffSpec } from '../index.js';

export interface RefResult {
  out: string;
  deleted: string;
  stats: {
    rowsOld: number;
    rowsNew: number;
    rowsOut: number;
    added: number;
    changed: number;
    unchanged: number;
    deleted: number;
    duplicateKeysOld: number;
    duplicateKeysNew: number;
    /** Line of the first row repeating a key, and of that key's first row (0: none). */
    firstDuplicateLineOld: number;
    firstDuplicateLineNew: number;
    firstOfDuplicateLineOld: number;
    firstOfDuplicateLineNew: number;
  };
}

interface RefFile {
  bom: boolean;
  header: RefRecord;
  rows: RefRecord[];
  keys: string[];
  values: string[];
  term: string;
}

function load(text: string, spec: DiffSpec): RefFile {
  const { bom, records } = parseCsvReference(text);
  const header = records[0];
  if (!header) throw new Error('empty file');
  const col = (name: string): number => {
    const i = header.fields.indexOf(name);
    if (i < 0) throw new Error(`missing column ${name}`);
    return i;
  };
  const keyCols = spec.keys.map(col);
  const valCol = col(spec.value);
  const rows = records.slice(1).filter((r) => !(r.fields.length === 1 && r.raw === ''));
  for (const r of rows) {
    if (r.fields.length !== header.fields.length) throw new Error(`ragged row at line ${r.line}`);
  }
  return {
    bom,
    header,
    rows,
    keys: rows.map((r) => JSON.stringify(keyCols.map((c) => r.fields[c]))),
    values: rows.map((r) => r.fields[valCol] as string),
    term: header.term === '' ? '\n' : header.term,
  };
}

function lastIndexByKey(f: RefFile): {
  last: Map<string, number>;
  dups: number;
  firstDupLine: number;
  firstOfDupLine: number;
} {
  const last = new Map<string, number>();
  let dups = 0;
  let firstDupLine = 0;
  let firstOfDupLine = 0;
  f.keys.forEach((k, i) => {
    if (last.has(k)) {
      dups++;
      if (firstDupLine === 0) {
        firstDupLine = (f.rows[i] as RefRecord).line;
        firstOfDupLine = (f.rows[f.keys.indexOf(k)] as RefRecord).line;
      }
    }
    last.set(k, i);
  });
  return { last, dups, firstDupLine, firstOfDupLine };
}

/** The diff on whole strings: output texts and statistics. */
export function referenceDiff(oldText: string, newText: string, spec: DiffSpec): RefResult {
  const o = load(oldText, spec);
  const n = load(newText, spec);
  const ol = lastIndexByKey(o);
  const nl = lastIndexByKey(n);
  let out = (n.bom ? '\uFEFF' : '') + n.header.raw + n.term;
  let added = 0;
  let changed = 0;
  let unchanged = 0;
  n.rows.forEach((r, i) => {
    const k = n.keys[i] as string;
    if (nl.last.get(k) !== i) return; // superseded by a later row with the same key
    const oi = ol.last.get(k);
    if (oi === undefined) added++;
    else if (valuesEqual(o.values[oi] as string, n.values[i] as string)) {
      unchanged++;
      return;
    } else changed++;
    out += r.raw + n.term;
  });
  let deletedText = (o.bom ? '\uFEFF' : '') + o.header.raw + o.term;
  let deleted = 0;
  o.rows.forEach((r, i) => {
    const k = o.keys[i] as string;
    if (ol.last.get(k) !== i || nl.last.has(k)) return;
    deleted++;
    deletedText += r.raw + o.term;
  });
  return {
    out,
    deleted: deletedText,
    stats: {
      rowsOld: o.rows.length,
      rowsNew: n.rows.length,
      rowsOut: added + changed,
      added,
      changed,
      unchanged,
      deleted,
      duplicateKeysOld: ol.dups,
      duplicateKeysNew: nl.dups,
      firstDuplicateLineOld: ol.firstDupLine,
      firstDuplicateLineNew: nl.firstDupLine,
      firstOfDuplicateLineOld: ol.firstOfDupLine,
      firstOfDuplicateLineNew: nl.firstOfDupLine,
    },
  };
}
