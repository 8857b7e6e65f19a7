// Shared by the engine's tests: diffing two texts in every mode the engine has (in memory and
// partitioned, keyless or with KeyTables, with and without the native kernel, tiny chunks), and
// random CSV files to check it against the reference (reference-diff.ts).
import fc from 'fast-check';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect } from 'vitest';
import {
  DiffInputError,
  runDiffTuned,
  type DiffOptions,
  type DiffSpec,
  type DiffStats,
  type Tuning,
} from '../index.js';
import { referenceDiff, type RefResult } from './reference-diff.js';

export const root = mkdtempSync(join(tmpdir(), 'diff-engine-test-'));
// Registered in the test file that imports this module.
afterAll(() => rmSync(root, { recursive: true, force: true }));
let caseNo = 0;

export const SPEC: DiffSpec = { keys: ['date', 'seg'], value: 'value' };

export interface Mode {
  name?: string;
  forcePartitions?: number;
  chunkSize?: number;
  tuning?: Partial<Tuning>;
}
/** Keyless table with fingerprints of a few bits: many keys share one (probing, predictions). */
export const WEAK_H1: Partial<Tuning> = { fingerprintMask: [3, -1] };
/** Every two different keys collide: the diff always starts again with the KeyTable. */
export const COLLIDING: Partial<Tuning> = { fingerprintMask: [0, 0] };
export const MODES: Mode[] = [
  { name: 'in-memory' },
  { name: 'in-memory, 64-byte chunks', chunkSize: 64 },
  { name: 'in-memory, key table', tuning: { keyless: false } },
  { name: 'in-memory, no native kernel, 64-byte chunks', chunkSize: 64, tuning: { native: false } },
  { name: 'in-memory, 2-bit first fingerprint half', tuning: WEAK_H1 },
  { name: 'in-memory, colliding fingerprints, 64-byte chunks', chunkSize: 64, tuning: COLLIDING },
  { name: 'in-memory, by key', tuning: { byKey: true } },
  { name: 'in-memory, by key, 64-byte chunks', chunkSize: 64, tuning: { byKey: true } },
  { name: 'in-memory, by key, no native kernel', tuning: { byKey: true, native: false } },
  { name: 'in-memory, by key, 2-bit first fingerprint half', tuning: { byKey: true, ...WEAK_H1 } },
  { name: 'partitioned (3)', forcePartitions: 3 },
  { name: 'partitioned (1), 64-byte chunks', forcePartitions: 1, chunkSize: 64 },
  { name: 'partitioned (3), key tables', forcePartitions: 3, tuning: { keyless: false } },
  {
    name: 'partitioned (2), no native kernel, 64-byte chunks',
    forcePartitions: 2,
    chunkSize: 64,
    tuning: { native: false },
  },
  { name: 'partitioned (2), colliding fingerprints', forcePartitions: 2, tuning: COLLIDING },
  { name: 'partitioned (3), by key', forcePartitions: 3, tuning: { byKey: true } },
  {
    name: 'partitioned (2), by key, no native kernel, 64-byte chunks',
    forcePartitions: 2,
    chunkSize: 64,
    tuning: { byKey: true, native: false },
  },
  {
    name: 'partitioned (2), by key, colliding fingerprints',
    forcePartitions: 2,
    tuning: { byKey: true, ...COLLIDING },
  },
];

export interface Run {
  out: string;
  deleted: string;
  outBytes: Buffer;
  stats: DiffStats;
  dir: string;
}

export async function diff(
  oldText: string | Buffer,
  newText: string | Buffer,
  mode: Mode = {},
  spec: DiffSpec = SPEC,
  extra: Partial<DiffOptions> = {},
): Promise<Run> {
  const d = mkdtempSync(join(root, `case-${caseNo++}-`));
  writeFileSync(join(d, 'old.csv'), oldText);
  writeFileSync(join(d, 'new.csv'), newText);
  const opts: DiffOptions = {
    oldPath: join(d, 'old.csv'),
    newPath: join(d, 'new.csv'),
    outPath: join(d, 'out.csv'),
    deletedPath: join(d, 'deleted.csv'),
    spec,
    forcePartitions: mode.forcePartitions,
    ...extra,
  };
  const stats = await runDiffTuned(opts, {
    chunkSize: mode.chunkSize ?? 8 << 20,
    copyChunkSize: mode.chunkSize ?? 256 << 10,
    ...mode.tuning,
  });
  const outBytes = readFileSync(opts.outPath);
  return {
    out: outBytes.toString('utf8'),
    deleted: readFileSync(opts.deletedPath, 'utf8'),
    outBytes,
    stats,
    dir: d,
  };
}

export async function diffError(
  oldText: string,
  newText: string,
  mode: Mode = {},
): Promise<{ err: DiffInputError; dir: string }> {
  const d = mkdtempSync(join(root, 'err-'));
  writeFileSync(join(d, 'old.csv'), oldText);
  writeFileSync(join(d, 'new.csv'), newText);
  try {
    await runDiffTuned(
      {
        oldPath: join(d, 'old.csv'),
        newPath: join(d, 'new.csv'),
        outPath: join(d, 'out.csv'),
        deletedPath: join(d, 'deleted.csv'),
        spec: SPEC,
        forcePartitions: mode.forcePartitions,
      },
      { chunkSize: mode.chunkSize ?? 8 << 20, copyChunkSize: 256 << 10, ...mode.tuning },
    );
  } catch (e) {
    if (e instanceof DiffInputError) return { err: e, dir: d };
    throw e;
  }
  throw new Error('expected a DiffInputError');
}

export const H = 'date,seg,value\n';

export const keyValue = fc.constantFrom('', 'a', 'b', 'a,b', 'q"x', 'two\nlines', 'é', ' a');
export const baseNumber = fc.constantFrom(0, 1, -1, 1000, 123.456, 1e-12, 1e300, 13781.809999999998);
export const noisyNumber = fc
  .tuple(
    baseNumber,
    fc.constantFrom(1, 1 + 1e-12, 1 + 5e-10, 1 + 2e-9, 1 + 1e-6),
    fc.constantFrom('str', 'exp', 'fixed'),
  )
  .map(([x, f, fmt]) => {
    const v = x * f;
    return fmt === 'exp'
      ? v.toExponential()
      : fmt === 'fixed' && Math.abs(v) < 1e15
        ? v.toFixed(9)
        : String(v);
  });
export const valueText = fc.oneof(
  noisyNumber,
  fc.constantFrom(
    '',
    'nan',
    'NaN',
    'inf',
    '-inf',
    'Infinity',
    'abc',
    ' 1 ',
    '1_0',
    '10',
    '10.0',
    'x,y',
    'say "hi"',
  ),
);

export function quoteField(v: string, forceQuote: boolean): string {
  return forceQuote || /[",\r\n]/.test(v) || v.startsWith('"') ? `"${v.replace(/"/g, '""')}"` : v;
}

export interface GenRow {
  k1: string;
  k2: string;
  value: string;
  extra: string;
  quote: boolean[];
}
export const genRow = fc.record({
  k1: keyValue,
  k2: keyValue,
  value: valueText,
  extra: fc.constantFrom('', 'x', 'y,z', '"q"'),
  quote: fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }),
});
export const fileShape = fc.record({
  order: fc.constantFrom([0, 1, 2, 3], [3, 2, 1, 0], [2, 0, 3, 1], [1, 3, 0, 2]),
  crlf: fc.boolean(),
  bom: fc.boolean(),
  finalNewline: fc.boolean(),
  blankTrailing: fc.boolean(),
});

export function renderFile(
  rows: GenRow[],
  shape: {
    order: readonly number[];
    crlf: boolean;
    bom: boolean;
    finalNewline: boolean;
    blankTrailing: boolean;
  },
): string {
  const nl = shape.crlf ? '\r\n' : '\n';
  const names = ['k1', 'k2', 'value', 'extra'];
  const lines = [shape.order.map((i) => names[i]).join(',')];
  for (const r of rows) {
    const cells = [r.k1, r.k2, r.value, r.extra];
    lines.push(shape.order.map((i) => quoteField(cells[i] as string, r.quote[i] as boolean)).join(','));
  }
  let text = (shape.bom ? '\uFEFF' : '') + lines.join(nl);
  if (shape.finalNewline || shape.blankTrailing) text += nl;
  if (shape.blankTrailing) text += nl;
  return text;
}

/**
 * The reference's counts (what DiffStats has of them) and its duplicate-key warnings: each names the
 * line of the first repeat's key's first row and of the repeat.
 */
export function expectedStats(ref: RefResult): { counts: Partial<DiffStats>; warnings: string[] } {
  const {
    firstDuplicateLineOld,
    firstDuplicateLineNew,
    firstOfDuplicateLineOld,
    firstOfDuplicateLineNew,
    ...counts
  } = ref.stats;
  const warnings: string[] = [];
  if (counts.duplicateKeysOld > 0)
    warnings.push(
      expect.stringContaining(
        `(first at line ${firstOfDuplicateLineOld}, repeated at line ${firstDuplicateLineOld})`,
      ),
    );
  if (counts.duplicateKeysNew > 0)
    warnings.push(
      expect.stringContaining(
        `(first at line ${firstOfDuplicateLineNew}, repeated at line ${firstDuplicateLineNew})`,
      ),
    );
  return { counts, warnings };
}

/** Diffs two texts and checks output, deleted rows, counts and warnings against the reference. */
export async function expectReferenceResult(
  oldText: string,
  newText: string,
  mode: Mode,
  spec: DiffSpec,
): Promise<DiffStats> {
  const ref = referenceDiff(oldText, newText, spec);
  const got = await diff(oldText, newText, mode, spec);
  expect(got.out).toBe(ref.out);
  expect(got.deleted).toBe(ref.deleted);
  const { counts, warnings } = expectedStats(ref);
  expect(got.stats).toMatchObject(counts);
  expect(got.stats.warnings).toEqual(warnings);
  rmSync(got.dir, { recursive: true, force: true });
  return got.stats;
}
