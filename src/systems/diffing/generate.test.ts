import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  METRIC_LAYOUTS,
  generateAllPairs,
  generateDiffPair,
  mulberry32,
  type GeneratedMetric,
  type GeneratedPair,
} from './generate.js';
import { findMetric, metricFileStem } from './metric-definitions.js';
import { csvField } from '../../platform/csv/csv-writer.js';
import { isClose, runDiff } from './engine/index.js';

// ---------------------------------------------------------------------------
// Tiny, obviously-correct reference implementation used to check `expected`.

/** RFC 4180 parser (quoted fields, doubled quotes, commas/newlines in quotes). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let i = 0;
  let quoted = false;
  while (i < text.length) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
      } else field += ch;
      i++;
      continue;
    }
    if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else if (ch !== '\r') field += ch;
    i++;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

interface Table {
  header: string[];
  rows: string[][];
}

async function readTable(path: string): Promise<Table> {
  const [header, ...rows] = parseCsv(await readFile(path, 'utf8'));
  return { header: header!, rows };
}

function keyed(t: Table, metric: GeneratedMetric): Map<string, string[]> {
  const layout = METRIC_LAYOUTS[metric];
  const keyIdx = layout.keys.map((k) => t.header.indexOf(k));
  const map = new Map<string, string[]>();
  for (const r of t.rows) {
    const k = JSON.stringify(keyIdx.map((i) => r[i]));
    if (map.has(k)) throw new Error(`duplicate key ${k}`);
    map.set(k, r);
  }
  return map;
}

function referenceDiff(oldT: Table, newT: Table, metric: GeneratedMetric) {
  const vOld = oldT.header.indexOf('value');
  const vNew = newT.header.indexOf('value');
  const oldMap = keyed(oldT, metric);
  const newMap = keyed(newT, metric);
  let added = 0;
  let changed = 0;
  let unchanged = 0;
  let noise = 0; // spelled differently but equal within tolerance
  let smallChanges = 0; // changed by a relative amount below 1e-5
  for (const [k, nr] of newMap) {
    const or = oldMap.get(k);
    if (!or) {
      added++;
      continue;
    }
    const a = Number(or[vOld]);
    const b = Number(nr[vNew]);
    expect(Number.isFinite(a) && Number.isFinite(b)).toBe(true);
    if (isClose(a, b)) {
      unchanged++;
      if (or[vOld] !== nr[vNew]) noise++;
    } else {
      changed++;
      if (Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b)) < 1e-5) smallChanges++;
    }
  }
  let deleted = 0;
  for (const k of oldMap.keys()) if (!newMap.has(k)) deleted++;
  return { counts: { added, changed, deleted, unchanged }, noise, smallChanges };
}

/** runDiff on a generated pair, outputs and scratch in `dir`. */
function diffGenerated(pair: GeneratedPair, metric: GeneratedMetric, dir: string, forcePartitions?: number) {
  const layout = METRIC_LAYOUTS[metric];
  return runDiff({
    oldPath: pair.oldPath,
    newPath: pair.newPath,
    outPath: join(dir, 'out.csv'),
    deletedPath: join(dir, 'deleted.csv'),
    spec: { keys: [...layout.keys], value: layout.value },
    tmpDir: dir,
    ...(forcePartitions !== undefined ? { forcePartitions } : {}),
  });
}

// ---------------------------------------------------------------------------

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'quintet-gen-test-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('helpers', () => {
  it('layouts agree with the metric definitions of the engine', () => {
    for (const id of ['revenue', 'c-revenue'] as const) {
      const m = findMetric(id);
      expect(m).toBeDefined();
      expect([...METRIC_LAYOUTS[id].keys]).toEqual(m!.keys);
      expect(METRIC_LAYOUTS[id].value).toBe(m!.value);
      expect(METRIC_LAYOUTS[id].stem).toBe(metricFileStem(m!));
      for (const k of m!.keys) expect(METRIC_LAYOUTS[id].columns).toContain(k);
    }
  });

  it('isClose follows math.isclose(rel_tol=1e-9)', () => {
    expect(isClose(1, 1 + 1e-12)).toBe(true);
    expect(isClose(100, 100 * (1 + 1e-10))).toBe(true);
    expect(isClose(1, 1 + 1e-8)).toBe(false);
    expect(isClose(0, 1e-300)).toBe(false); // abs_tol = 0
    expect(isClose(0, 0)).toBe(true);
    expect(isClose(-5, -5 * (1 + 1e-6))).toBe(false);
  });

  it('mulberry32 is deterministic per seed and in [0, 1)', () => {
    const a = mulberry32(1);
    const b = mulberry32(1);
    const c = mulberry32(2);
    const xs = Array.from({ length: 1000 }, () => a());
    expect(Array.from({ length: 1000 }, () => b())).toEqual(xs);
    expect(Array.from({ length: 1000 }, () => c())).not.toEqual(xs);
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
  });

  it('csvField quotes only when needed', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('Paris, "Île-de-France"')).toBe('"Paris, ""Île-de-France"""');
    expect(parseCsv(`${csvField('a,"b"')},x\n`)).toEqual([['a,"b"', 'x']]);
  });
});

describe.each(['revenue', 'c-revenue'] as const)('generateDiffPair(%s)', (metric) => {
  let pair: GeneratedPair;
  let oldT: Table;
  let newT: Table;
  let oldText: string;

  beforeAll(async () => {
    pair = await generateDiffPair({ metric, rows: 20_000, outDir: join(dir, metric), seed: 7 });
    oldT = await readTable(pair.oldPath);
    newT = await readTable(pair.newPath);
    oldText = await readFile(pair.oldPath, 'utf8');
  });

  it('writes the export header and well-formed rows', () => {
    const cols = [...METRIC_LAYOUTS[metric].columns];
    expect(oldT.header).toEqual(cols);
    expect(newT.header).toEqual(cols);
    const badRows = [...oldT.rows, ...newT.rows].filter((r) => r.length !== cols.length);
    expect(badRows).toEqual([]);
    expect(oldT.rows).toHaveLength(pair.rowsOld);
    expect(newT.rows).toHaveLength(pair.rowsNew);
    expect(pair.bytesOld).toBe(Buffer.byteLength(oldText));
    expect(pair.oldPath.endsWith(`${METRIC_LAYOUTS[metric].stem}_old.csv`)).toBe(true);
    expect(pair.newPath.endsWith(`${METRIC_LAYOUTS[metric].stem}_new.csv`)).toBe(true);
  });

  it('produces roughly the requested number of rows', () => {
    expect(pair.rowsOld).toBeGreaterThan(20_000 * 0.8);
    expect(pair.rowsOld).toBeLessThan(20_000 * 1.25);
    expect(Math.abs(pair.rowsNew - pair.rowsOld) / pair.rowsOld).toBeLessThan(0.2);
  });

  it('reports exactly what a reference diff finds (keys unique in each file)', () => {
    const ref = referenceDiff(oldT, newT, metric);
    expect(ref.counts).toEqual(pair.expected);
    expect(pair.expected.added + pair.expected.changed + pair.expected.unchanged).toBe(pair.rowsNew);
    expect(pair.expected.deleted + pair.expected.changed + pair.expected.unchanged).toBe(pair.rowsOld);
    for (const n of [ref.counts.added, ref.counts.changed, ref.counts.deleted]) expect(n).toBeGreaterThan(0);
    // float noise below the tolerance that must count as unchanged ...
    expect(ref.noise).toBeGreaterThan(10);
    // ... and small relative changes above it
    expect(ref.smallChanges).toBeGreaterThan(10);
  });

  it('contains unsegmented rows and quoted segment values', () => {
    const sf = oldT.header.indexOf('segment_field');
    const sv = oldT.header.indexOf('segment_value');
    const sid = oldT.header.indexOf('segment_value_id');
    expect(oldT.rows.some((r) => r[sf] === '' && r[sv] === '' && r[sid] === '')).toBe(true);
    expect(oldT.rows.some((r) => r[sv] === 'Paris, "Île-de-France"' && r[sid] === r[sv])).toBe(true);
    expect(oldT.rows.some((r) => r[sv] !== '' && r[sid] === '')).toBe(true);
    expect(oldText).toContain('"Paris, ""Île-de-France"""');
  });

  it('shifts the time window: oldest dates deleted, newer dates added', () => {
    const timeCol = metric === 'revenue' ? 'date' : 'month_date';
    const ti = oldT.header.indexOf(timeCol);
    const oldDates = oldT.rows.map((r) => r[ti]!).sort();
    const newDates = newT.rows.map((r) => r[ti]!).sort();
    expect(newDates[0]! > oldDates[0]!).toBe(true);
    expect(newDates.at(-1)! > oldDates.at(-1)!).toBe(true);
    if (metric === 'revenue') {
      const di = newT.header.indexOf('date');
      const newSet = new Set(newT.rows.map((r) => r[di]));
      expect(newSet.has(oldDates[0])).toBe(false);
      expect(new Set(oldT.rows.map((r) => r[di])).has(newDates.at(-1))).toBe(false);
    } else {
      // the oldest cohort is gone from the new export, a new cohort appears
      const ci = oldT.header.indexOf('cohort');
      const oldCohorts = new Set(oldT.rows.map((r) => r[ci]));
      const newCohorts = new Set(newT.rows.map((r) => r[ci]));
      expect([...oldCohorts].some((c) => !newCohorts.has(c))).toBe(true);
      expect([...newCohorts].some((c) => !oldCohorts.has(c))).toBe(true);
    }
  });

  if (metric === 'c-revenue') {
    it('has lifetime rows with an empty month_nth', () => {
      const ni = oldT.header.indexOf('month_nth');
      const ci = oldT.header.indexOf('cohort');
      const mi = oldT.header.indexOf('month_date');
      const lifetime = oldT.rows.filter((r) => r[ni] === '');
      expect(lifetime.length).toBeGreaterThan(0);
      expect(lifetime.filter((r) => r[mi] !== r[ci])).toEqual([]);
      expect(oldT.rows.some((r) => r[ni] === '1')).toBe(true);
    });
  }

  it('is deterministic for a seed and varies with it', async () => {
    const again = await generateDiffPair({
      metric,
      rows: 20_000,
      outDir: join(dir, `${metric}-again`),
      seed: 7,
    });
    expect(await readFile(again.oldPath, 'utf8')).toBe(oldText);
    expect((await readFile(again.newPath)).equals(await readFile(pair.newPath))).toBe(true);
    expect(again.expected).toEqual(pair.expected);
    const other = await generateDiffPair({
      metric,
      rows: 20_000,
      outDir: join(dir, `${metric}-other`),
      seed: 8,
    });
    expect(await readFile(other.oldPath, 'utf8')).not.toBe(oldText);
  });
});

describe('edge sizes and generateAllPairs', () => {
  it.each(['revenue', 'c-revenue'] as const)('handles tiny row counts (%s)', async (metric) => {
    for (const rows of [1, 10, 200]) {
      const pair = await generateDiffPair({
        metric,
        rows,
        outDir: join(dir, `tiny-${metric}-${rows}`),
        seed: 3,
      });
      const ref = referenceDiff(await readTable(pair.oldPath), await readTable(pair.newPath), metric);
      expect(ref.counts).toEqual(pair.expected);
      expect(pair.rowsOld).toBeGreaterThan(0);
      expect(pair.rowsNew).toBeGreaterThan(0);
    }
  });

  it('rejects when the output directory cannot be used', async () => {
    const file = join(dir, 'not-a-dir');
    await writeFile(file, 'x');
    await expect(
      generateDiffPair({ metric: 'revenue', rows: 100, outDir: join(file, 'sub') }),
    ).rejects.toThrow();
  });

  it('writes the four files and reports monotonic progress ending at 1', async () => {
    const out = join(dir, 'all');
    const seen: Record<GeneratedMetric, number[]> = { revenue: [], 'c-revenue': [] };
    const res = await generateAllPairs({
      rows: { revenue: 150_000, 'c-revenue': 150_000 },
      outDir: out,
      seed: 11,
      onProgress: (f, m) => seen[m].push(f),
    });
    expect((await readdir(out)).sort()).toEqual([
      'c_revenue_new.csv',
      'c_revenue_old.csv',
      'revenue_new.csv',
      'revenue_old.csv',
    ]);
    expect(res.revenue.oldPath).toBe(join(out, 'revenue_old.csv'));
    expect(res['c-revenue'].newPath).toBe(join(out, 'c_revenue_new.csv'));
    for (const m of ['revenue', 'c-revenue'] as const) {
      const fs = seen[m];
      expect(fs.length).toBeGreaterThan(2);
      expect(fs.at(-1)).toBe(1);
      for (let i = 1; i < fs.length; i++) expect(fs[i]!).toBeGreaterThanOrEqual(fs[i - 1]!);
    }
  });
});

describe('generated pairs through the diff engine', () => {
  it.each([
    ['revenue', undefined],
    ['c-revenue', undefined],
    ['c-revenue', 3],
  ] as const)('runDiff(%s, forcePartitions=%s) reports the expected counts', async (metric, parts) => {
    const out = join(dir, `engine-${metric}-${parts ?? 'mem'}`);
    const pair = await generateDiffPair({ metric, rows: 30_000, outDir: out, seed: 5 });
    const layout = METRIC_LAYOUTS[metric];
    const stats = await diffGenerated(pair, metric, out, parts);
    expect({
      added: stats.added,
      changed: stats.changed,
      deleted: stats.deleted,
      unchanged: stats.unchanged,
      rowsOld: stats.rowsOld,
      rowsNew: stats.rowsNew,
      rowsOut: stats.rowsOut,
      duplicateKeysOld: stats.duplicateKeysOld,
      duplicateKeysNew: stats.duplicateKeysNew,
    }).toEqual({
      ...pair.expected,
      rowsOld: pair.rowsOld,
      rowsNew: pair.rowsNew,
      rowsOut: pair.expected.added + pair.expected.changed,
      duplicateKeysOld: 0,
      duplicateKeysNew: 0,
    });
    const outT = await readTable(join(out, 'out.csv'));
    expect(outT.header).toEqual([...layout.columns]);
    expect(outT.rows).toHaveLength(pair.expected.added + pair.expected.changed);
    // every output row is a row of the new file, verbatim after parsing
    const newRows = new Set((await readTable(pair.newPath)).rows.map((r) => JSON.stringify(r)));
    expect(outT.rows.filter((r) => !newRows.has(JSON.stringify(r)))).toEqual([]);
  });
});

describe('generateDiffPair noiseShare', () => {
  it('makes about that share of the overlapping rows differ by ulp noise only, with the same diff', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gen-noise-'));
    try {
      const base = await generateDiffPair({ metric: 'c-revenue', rows: 20_000, outDir: join(dir, 'a') });
      const noisy = await generateDiffPair({
        metric: 'c-revenue',
        rows: 20_000,
        outDir: join(dir, 'b'),
        noiseShare: 0.2,
      });
      const stats = await diffGenerated(noisy, 'c-revenue', dir);
      expect({ added: stats.added, changed: stats.changed, deleted: stats.deleted }).toEqual({
        added: noisy.expected.added,
        changed: noisy.expected.changed,
        deleted: noisy.expected.deleted,
      });
      const oldLines = (await readFile(noisy.oldPath, 'utf8')).split('\n');
      const newLines = new Set((await readFile(noisy.newPath, 'utf8')).split('\n'));
      const baseNew = new Set((await readFile(base.newPath, 'utf8')).split('\n'));
      const textuallyChanged = oldLines.filter((l) => !newLines.has(l)).length;
      const baseChanged = (await readFile(base.oldPath, 'utf8'))
        .split('\n')
        .filter((l) => !baseNew.has(l)).length;
      const overlap = noisy.expected.changed + noisy.expected.unchanged;
      const noiseRows = textuallyChanged - noisy.expected.changed - noisy.expected.deleted;
      expect(noiseRows / overlap).toBeGreaterThan(0.15);
      expect(noiseRows / overlap).toBeLessThan(0.25);
      expect(baseChanged).toBeLessThan(textuallyChanged);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses a share outside 0..1', async () => {
    await expect(
      generateDiffPair({ metric: 'revenue', rows: 10, outDir: tmpdir(), noiseShare: 2 }),
    ).rejects.toThrow(/noiseShare/);
  });
});

describe('generateDiffPair shuffle', () => {
  it('writes the same new rows in another order, with the same expected diff, which the engine finds', async () => {
    const at = join(dir, 'shuffle-order');
    const base = await generateDiffPair({ metric: 'c-revenue', rows: 20_000, outDir: join(at, 'a') });
    const shuffled = await generateDiffPair({
      metric: 'c-revenue',
      rows: 20_000,
      outDir: join(at, 'b'),
      shuffle: true,
    });
    expect(shuffled.expected).toEqual(base.expected);
    expect(await readFile(shuffled.oldPath, 'utf8')).toBe(await readFile(base.oldPath, 'utf8'));
    const [header, ...rows] = (await readFile(shuffled.newPath, 'utf8')).split('\n');
    const [baseHeader, ...baseRows] = (await readFile(base.newPath, 'utf8')).split('\n');
    expect(header).toBe(baseHeader);
    expect(rows.at(-1)).toBe(''); // the last row keeps its terminator
    expect([...rows].sort()).toEqual([...baseRows].sort());
    // Another order: few rows keep the row after them of the unshuffled file.
    const next = new Map(baseRows.map((r, i) => [r, baseRows[i + 1]]));
    const kept = rows.filter((r, i) => r !== '' && next.get(r) === rows[i + 1]).length;
    expect(kept / rows.length).toBeLessThan(0.01);
    expect((await readdir(join(at, 'b'))).sort()).toEqual(['c_revenue_new.csv', 'c_revenue_old.csv']);

    const stats = await diffGenerated(shuffled, 'c-revenue', at);
    const { added, changed, deleted, unchanged } = stats;
    expect({ added, changed, deleted, unchanged }).toEqual(shuffled.expected);
  });

  it('is deterministic for a seed', async () => {
    const at = join(dir, 'shuffle-seed');
    const a = await generateDiffPair({
      metric: 'revenue',
      rows: 5_000,
      outDir: join(at, 'a'),
      shuffle: true,
    });
    const b = await generateDiffPair({
      metric: 'revenue',
      rows: 5_000,
      outDir: join(at, 'b'),
      shuffle: true,
    });
    const c = await generateDiffPair({
      metric: 'revenue',
      rows: 5_000,
      outDir: join(at, 'c'),
      shuffle: true,
      seed: 9,
    });
    expect(await readFile(a.newPath, 'utf8')).toBe(await readFile(b.newPath, 'utf8'));
    expect(await readFile(c.newPath, 'utf8')).not.toBe(await readFile(a.newPath, 'utf8'));
  });
});
