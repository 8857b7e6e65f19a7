// Estimates from the first rows of a file (how many rows, how long their keys and values, how many
// distinct values per key column): what the plan (plan.ts) and the KeyTable's encoding go by.
import { CsvSyntaxError, END, RECORD } from '../../../platform/csv/csv-reader.js';
import { InternTable } from './key-table.js';
import { KeyFingerprint } from './key-fingerprint.js';
import type { Input } from './input.js';

export interface Sample {
  rows: number;
  /** Estimated data rows in the whole file. */
  estRows: number;
  avgRawKey: number;
  avgValue: number;
  /** Per key column: distinct values / rows in the sample. */
  distinctRatio: number[];
  /** Per key column: average raw length. */
  avgColLen: number[];
  /** Per key column: distinct values in the sample. */
  distinct: number[];
  /** The sampled rows' key fingerprints in file order (KeyFingerprint.of, unmasked): h1, h2 pairs. */
  prints: Int32Array;
}

const SAMPLE_ROWS = 5_000;

/** Looks at the rows already in the reader's first chunk (does not consume them). */
export function sampleInput(inp: Input): Sample {
  const rd = inp.rd;
  const saved = rd.snapshot();
  const k = inp.keyCols.length;
  // Distinct raw field bytes per key column (an InternTable counts them without creating strings).
  const sets: InternTable[] = Array.from({ length: k }, () => new InternTable());
  const colLen = new Array<number>(k).fill(0);
  let rows = 0;
  let valBytes = 0;
  let firstOff = -1;
  let lastEnd = 0;
  let r: number = RECORD;
  const kf = new KeyFingerprint();
  const prints = new Int32Array(2 * SAMPLE_ROWS);
  try {
    while (rows < SAMPLE_ROWS) {
      r = rd.next();
      if (r !== RECORD) break;
      if (rd.nFields !== inp.nCols) continue;
      if (firstOff < 0) firstOff = rd.recordOffset;
      lastEnd = rd.base + rd.pos;
      for (let j = 0; j < k; j++) {
        const c = inp.keyCols[j] as number;
        const s = rd.fStart[c] as number;
        const e = rd.fEnd[c] as number;
        colLen[j] = (colLen[j] as number) + (e - s);
        (sets[j] as InternTable).intern(rd.buf, s, e - s);
      }
      valBytes += (rd.fEnd[inp.valCol] as number) - (rd.fStart[inp.valCol] as number);
      kf.of(rd.buf, rd.view, rd.fStart, rd.fEnd, rd.fQuoted, inp.keyCols);
      prints[2 * rows] = kf.h1;
      prints[2 * rows + 1] = kf.h2;
      rows++;
    }
  } catch (e) {
    if (!(e instanceof CsvSyntaxError)) throw e; // reported by the real pass
  }
  rd.restore(saved);
  const avgColLen = colLen.map((x) => (rows ? x / rows : 0));
  const rawKey = avgColLen.reduce((a, b) => a + b + 1, 0);
  let estRows = rows;
  if (r !== END && rows > 0 && lastEnd > firstOff) {
    estRows = Math.ceil(((inp.size - firstOff) * rows) / (lastEnd - firstOff));
  }
  return {
    rows,
    estRows,
    avgRawKey: rawKey,
    avgValue: rows ? valBytes / rows : 0,
    distinctRatio: sets.map((s) => (rows ? s.count / rows : 1)),
    distinct: sets.map((s) => s.count),
    avgColLen,
    prints: prints.subarray(0, 2 * rows),
  };
}

/**
 * Dictionary-encode a key column when it looks low-cardinality in the sample and its values are long
 * enough for an id to save memory (short columns are cheaper to copy than to intern).
 */
export function useDictionary(sample: Sample, j: number): boolean {
  return (sample.distinctRatio[j] as number) <= 0.5 && (sample.avgColLen[j] as number) >= 4;
}
