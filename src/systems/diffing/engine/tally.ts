// What a diff counts (rows, repeats, added, changed, unchanged, deleted) and how a KeyTable's
// entries are tallied into it.

export const ST_NONE = 0; // key not (yet) seen in the new file

export const ST_UNCHANGED = 1;

export const ST_CHANGED = 2;

export const ST_ADDED = 3;

export interface Counters {
  rowsOld: number;
  rowsNew: number;
  dupOld: number;
  dupNew: number;
  /** Line of the first row that repeats a key already seen in the file (0: none). */
  firstDupOld: number;
  firstDupNew: number;
  /** File offset of the first row of the key repeated on line firstDupOld/New (-1: none or not known yet). */
  firstOfDupOld: number;
  firstOfDupNew: number;
  added: number;
  changed: number;
  unchanged: number;
  deleted: number;
  identical: number;
}

export function newCounters(): Counters {
  return {
    rowsOld: 0,
    rowsNew: 0,
    dupOld: 0,
    dupNew: 0,
    firstDupOld: 0,
    firstDupNew: 0,
    firstOfDupOld: -1,
    firstOfDupNew: -1,
    added: 0,
    changed: 0,
    unchanged: 0,
    deleted: 0,
    identical: 0,
  };
}

export function addCounters(c: Counters, r: Counters): void {
  c.rowsOld += r.rowsOld;
  c.rowsNew += r.rowsNew;
  c.dupOld += r.dupOld;
  c.dupNew += r.dupNew;
  noteFirstDup(c, false, r.firstDupOld, r.firstOfDupOld);
  noteFirstDup(c, true, r.firstDupNew, r.firstOfDupNew);
  c.added += r.added;
  c.changed += r.changed;
  c.unchanged += r.unchanged;
  c.deleted += r.deleted;
  c.identical += r.identical;
}

/**
 * A repeated key on `line` (0: none) whose first row is at file offset `firstOff`: kept when it is
 * the file's first repeat so far, so the warning names the first repeat and its key's first line.
 */
export function noteFirstDup(c: Counters, isNew: boolean, line: number, firstOff: number): void {
  if (line === 0) return;
  if (isNew) {
    if (c.firstDupNew !== 0 && c.firstDupNew <= line) return;
    c.firstDupNew = line;
    c.firstOfDupNew = firstOff;
  } else {
    if (c.firstDupOld !== 0 && c.firstDupOld <= line) return;
    c.firstDupOld = line;
    c.firstOfDupOld = firstOff;
  }
}

export function minLine(a: number, b: number): number {
  if (a === 0) return b;
  if (b === 0) return a;
  return Math.min(a, b);
}

/** The smaller of two file offsets, -1 standing for none. */
export function minOffset(a: number, b: number): number {
  if (a < 0) return b;
  if (b < 0) return a;
  return Math.min(a, b);
}

/** What finishTable reads of a table (the KeyTable). */
export interface TableState {
  count: number;
  status: Uint8Array;
  oldOff: Float64Array;
  newOff: Float64Array;
}

/**
 * Tallies the table and returns the sorted new-file offsets to output (empty unless `withEmit`: the
 * in-memory path writes those rows while scanning) and the old-file offsets deleted (empty unless
 * `withDel`).
 */
export function finishTable(
  t: TableState,
  c: Counters,
  withEmit = true,
  withDel = true,
): { emit: Float64Array; del: Float64Array } {
  const n = t.count;
  const st = t.status;
  const oldOff = t.oldOff;
  let nEmit = 0;
  let nDel = 0;
  for (let i = 0; i < n; i++) {
    const s = st[i];
    if (s === ST_ADDED || s === ST_CHANGED) nEmit++;
    else if (s === ST_NONE && (oldOff[i] as number) >= 0) nDel++;
  }
  if (!withEmit) nEmit = 0;
  if (!withDel) nDel = 0;
  const emit = new Float64Array(nEmit);
  const del = new Float64Array(nDel);
  let e = 0;
  let d = 0;
  for (let i = 0; i < n; i++) {
    const s = st[i];
    if (s === ST_ADDED) {
      if (withEmit) emit[e++] = t.newOff[i] as number;
      c.added++;
    } else if (s === ST_CHANGED) {
      if (withEmit) emit[e++] = t.newOff[i] as number;
      c.changed++;
    } else if (s === ST_UNCHANGED) {
      c.unchanged++;
    } else if ((oldOff[i] as number) >= 0) {
      if (withDel) del[d++] = oldOff[i] as number;
      c.deleted++;
    }
  }
  emit.sort();
  del.sort();
  return { emit, del };
}
