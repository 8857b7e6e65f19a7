/**
 * Deterministic generator of old/new CSV export pairs for the diffing system
 * (test fixtures and benchmarks).
 *
 * The files follow the real export formats:
 *   revenue:   date,segment_field,segment_name,segment_value,segment_value_id,stat,value
 *   c-revenue: cohort,cohort_id,month_date,month_nth,segment_field,segment_name,segment_value,segment_value_id,stat,value
 *
 * Both files of a pair are produced in a single pass over an ordered "key
 * universe"; for every key the generator decides whether it is present in the
 * old file, the new file or both, and (if both) whether the new value is
 * identical, numerically equal with another spelling, perturbed below the
 * tolerance (relative 1e-12 / 1e-10 -> unchanged) or above it (relative 1e-8 /
 * 1e-6 / large -> changed). The returned `expected` counts are tallied while
 * generating, with the same math.isclose(rel_tol=1e-9) test applied to the
 * exact strings written, so they are what a correct diff must report.
 *
 * What a pair contains:
 *  - segmented and unsegmented rows (empty segment_* columns),
 *  - segment values that need CSV quoting (commas, doubled quotes, non-ASCII),
 *    a segment with a value but an empty segment_value_id,
 *  - c-revenue "lifetime" rows with an empty month_nth,
 *  - shifted windows: revenue drops the oldest dates and adds newer ones;
 *    c-revenue drops the oldest cohort, adds a new month to every cohort and a
 *    new cohort (-> deleted and added rows at the window edges),
 *  - scattered deletions/additions in the middle,
 *  - "hot" rows (latest days / in-progress month / lifetime values) that are
 *    restated much more often.
 * Keys are unique within each file by construction.
 */
import { createReadStream } from 'node:fs';
import { mkdir, open, readFile, rename, rm, type FileHandle } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { csvField } from '../../platform/csv/csv-writer.js';
import { seededRandom, type Random } from '../../platform/random.js';
import { metricOrThrow } from './diff-spec.js';
import { isClose } from './engine/index.js';
import { METRICS, metricFileStem, metricFiles } from './metric-definitions.js';

export type GeneratedMetric = 'revenue' | 'c-revenue';

export interface MetricLayout {
  /** file stem used for `<stem>_old.csv` / `<stem>_new.csv` */
  stem: string;
  columns: readonly string[];
  keys: readonly string[];
  value: string;
}

function layoutOf(id: GeneratedMetric): MetricLayout {
  const m = METRICS.find((d) => d.id === id);
  if (!m) throw new Error(`no metric definition for ${id}`);
  return { stem: metricFileStem(m), columns: m.columns, keys: m.keys, value: m.value };
}

/** The generated metrics' layouts, as metric-definitions.ts declares them. */
export const METRIC_LAYOUTS: Readonly<Record<GeneratedMetric, MetricLayout>> = {
  revenue: layoutOf('revenue'),
  'c-revenue': layoutOf('c-revenue'),
};

export interface GenerateDiffPairOptions {
  metric: GeneratedMetric;
  /** Approximate number of rows of the old file (the new file has about as many). */
  rows: number;
  outDir: string;
  seed?: number;
  /**
   * Share (0..1) of the rows present in both files, and otherwise equal, whose new value differs
   * only by float noise far below the tolerance (one to three ulps, printed shortest round-trip:
   * `75.12679951100245` -> `75.12679951100246`), as a re-export of recomputed aggregates. 0 (the
   * default) leaves the pair as before.
   */
  noiseShare?: number;
  /**
   * Write the new file's rows in another order than the old file's (a seeded random permutation,
   * the header first): an export sorted differently. The rows and the expected diff are those of
   * the same pair unshuffled.
   */
  shuffle?: boolean;
  onProgress?: (fraction: number) => void;
}

export interface ExpectedDiff {
  added: number;
  changed: number;
  deleted: number;
  /** keys present in both files whose values are equal within tolerance */
  unchanged: number;
}

export interface GeneratedPair {
  oldPath: string;
  newPath: string;
  rowsOld: number;
  rowsNew: number;
  bytesOld: number;
  bytesNew: number;
  expected: ExpectedDiff;
}

export const DEFAULT_SEED = 42;

/** The platform's seeded PRNG (mulberry32), under the name the tests know. */
export const mulberry32 = seededRandom;

// ---------------------------------------------------------------------------
// Buffered writer: rows are encoded straight into a reusable multi-MB Buffer
// (short-lived row strings only, no big string ever reaches the old GC
// generation) which is written out whenever it is nearly full.

const CHUNK_BYTES = 8 * 1024 * 1024;
/** flush once less than this is free (a whole key group must fit; it can also grow) */
const HEADROOM_BYTES = 1024 * 1024;

class ChunkWriter {
  private buf = Buffer.allocUnsafe(CHUNK_BYTES);
  /** second buffer: being written to disk while `buf` is filled (double buffering) */
  private spare = Buffer.allocUnsafe(CHUNK_BYTES);
  private pending: Promise<void> = Promise.resolve();
  private failure: { error: unknown } | undefined;
  private pos = 0;
  bytes = 0;
  private constructor(private readonly fh: FileHandle) {}

  static async open(path: string): Promise<ChunkWriter> {
    return new ChunkWriter(await open(path, 'w'));
  }

  write(s: string): void {
    // utf-8 needs at most 3 bytes per UTF-16 code unit
    if (this.pos + s.length * 3 > this.buf.length) {
      const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + s.length * 3));
      this.buf.copy(bigger, 0, 0, this.pos);
      this.buf = bigger;
    }
    this.pos += this.buf.write(s, this.pos);
  }

  get nearlyFull(): boolean {
    return this.buf.length - this.pos < HEADROOM_BYTES;
  }

  private async writeAll(buf: Buffer, n: number): Promise<void> {
    let off = 0;
    while (off < n) off += (await this.fh.write(buf, off, n - off)).bytesWritten;
  }

  /** Hand the filled buffer to the disk and continue in the other one. */
  async flush(): Promise<void> {
    await this.pending; // the spare buffer is free again
    if (this.failure) throw this.failure.error;
    if (this.pos === 0) return;
    const full = this.buf;
    const n = this.pos;
    this.buf = this.spare;
    this.spare = full;
    this.pos = 0;
    this.bytes += n;
    // never left rejected-and-unobserved: the error is rethrown by the next flush/close
    this.pending = this.writeAll(full, n).catch((error: unknown) => {
      this.failure = { error };
    });
  }

  async close(): Promise<void> {
    try {
      await this.flush();
      await this.pending;
      if (this.failure) throw this.failure.error;
    } finally {
      await this.fh.close();
    }
  }
}

// ---------------------------------------------------------------------------
// Segments

interface Segment {
  /** `segment_field,segment_name,segment_value,segment_value_id` already CSV-escaped */
  csv: string;
  unsegmented: boolean;
}

const SPECIAL_SEGMENTS: readonly (readonly [string, string, string, string])[] = [
  ['shipping_province', 'states', 'Western Australia', 'Western Australia'],
  ['shipping_city', 'cities', 'Paris, "Île-de-France"', 'Paris, "Île-de-France"'],
  ['customer_tag', 'tags', 'VIP, "gold"', 'vip-gold'],
  ['product_title', 'products', '12" Vinyl, Limited', '12" Vinyl, Limited'],
  ['shipping_country', 'countries', "Côte d'Ivoire", 'CI'],
  ['shipping_province', 'states', '(unknown)', ''],
];

const SYNTHETIC_FIELDS: readonly (readonly [string, string, string])[] = [
  ['shipping_province', 'states', 'Province'],
  ['shipping_country', 'countries', 'Country'],
  ['product_type', 'product types', 'Type'],
  ['shipping_city', 'cities', 'City'],
  ['channel', 'channels', 'Channel'],
  ['customer_tag', 'tags', 'Tag'],
];

function buildSegments(count: number): Segment[] {
  const segs: Segment[] = [{ csv: ',,,', unsegmented: true }];
  for (const s of SPECIAL_SEGMENTS) {
    if (segs.length >= count) break;
    segs.push({ csv: s.map(csvField).join(','), unsegmented: false });
  }
  for (let i = 0; segs.length < count; i++) {
    const [field, name, label] = SYNTHETIC_FIELDS[i % SYNTHETIC_FIELDS.length]!;
    const n = Math.floor(i / SYNTHETIC_FIELDS.length) + 1;
    let value = `${label} ${n}`;
    if (i % 7 === 3) value = `${label} ${n}, North`;
    else if (i % 11 === 5) value = `${label} "${n}"`;
    const id = i % 2 === 0 ? value : `${field.slice(0, 3)}-${n}`;
    segs.push({ csv: [field, name, value, id].map(csvField).join(','), unsegmented: false });
  }
  return segs;
}

// ---------------------------------------------------------------------------
// Values

const enum Kind {
  Money = 0, // integer cents / 100, e.g. 312241.31
  Int = 1, // e.g. 12
  Float = 2, // full double, e.g. 75.12679951100245
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

function monthString(startYear: number, startMonth0: number, offset: number): string {
  const m = startMonth0 + offset;
  const y = startYear + Math.floor(m / 12);
  return `${y}-${pad2((m % 12) + 1)}-01`;
}

function dayString(startMs: number, offset: number): string {
  const d = new Date(startMs + offset * 86_400_000);
  return `${d.getUTCFullYear()}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())}`;
}

/**
 * Single-pass pair builder: `emit` decides presence and values for one key and
 * appends the row(s); tallies the expected diff.
 */
class PairBuilder {
  rowsOld = 0;
  rowsNew = 0;
  added = 0;
  deleted = 0;
  changed = 0;
  unchanged = 0;

  constructor(
    readonly oldW: ChunkWriter,
    readonly newW: ChunkWriter,
    readonly rnd: () => number,
    readonly noiseShare = 0,
  ) {}

  get needsFlush(): boolean {
    return this.oldW.nearlyFull || this.newW.nearlyFull;
  }

  async flush(): Promise<void> {
    await Promise.all([this.oldW.flush(), this.newW.flush()]);
  }

  /**
   * @param prefix all columns before `value`, CSV-escaped, with a trailing comma
   * @param inOld key is inside the old export's window
   * @param inNew key is inside the new export's window
   * @param hot   value is restated often (recent / in-progress / lifetime)
   */
  emit(prefix: string, kind: Kind, inOld: boolean, inNew: boolean, hot: boolean): void {
    if (!inOld && !inNew) throw new Error('generator bug: key outside both windows');
    const rnd = this.rnd;
    const u = rnd();
    // scattered deletions / additions in the middle of the window
    if (inOld && inNew) {
      if (u < 0.003) inNew = false;
      else if (u < 0.006) inOld = false;
    }
    let v: number;
    const r = rnd();
    if (kind === Kind.Money) {
      // ~1% zeros, otherwise 0.01 .. ~1,000,000.00
      v = r < 0.01 ? 0 : Math.floor(r * r * 1e8 + 1) / 100;
    } else if (kind === Kind.Int) {
      v = r < 0.01 ? 0 : Math.floor(r * 2000);
    } else {
      v = r < 0.01 ? 0 : r * 400 + 0.5;
    }
    const oldStr = String(v);
    if (!inNew) {
      this.oldW.write(`${prefix}${oldStr}\n`);
      this.rowsOld++;
      this.deleted++;
      return;
    }
    if (!inOld) {
      this.newW.write(`${prefix}${oldStr}\n`);
      this.rowsNew++;
      this.added++;
      return;
    }

    // present in both: pick what happens to the value
    let newStr = oldStr;
    const c = rnd();
    const pChanged = hot ? 0.5 : 0.015;
    if (c < pChanged) {
      const w = c / pChanged; // uniform in [0, 1)
      if (w < 0.35 && v !== 0) {
        newStr = String(v * (1 + 1e-6)); // just above tolerance
      } else if (w < 0.45 && v !== 0) {
        newStr = String(v * (1 - 1e-8)); // ten times the tolerance
      } else if (kind === Kind.Money) {
        newStr = String((Math.round(v * 100) + 1 + Math.floor(w * 50_000)) / 100);
      } else if (kind === Kind.Int) {
        newStr = String(v + 1 + Math.floor(w * 50));
      } else {
        newStr = String(v * (1.01 + w) + 0.25);
      }
    } else if (c < pChanged + 0.025) {
      // noise below the tolerance -> unchanged
      const w = (c - pChanged) / 0.025;
      const rel = w < 0.6 ? 1e-12 : w < 0.8 ? -3e-12 : 1e-10;
      newStr = String(v * (1 + rel));
    } else if (c < pChanged + 0.03) {
      // same number, different spelling -> unchanged
      if (kind === Kind.Float) newStr = c < pChanged + 0.0275 ? v.toPrecision(17) : v.toExponential();
      else newStr = v.toFixed(kind === Kind.Money ? 3 : 1);
    } else if (this.noiseShare > 0 && v !== 0 && rnd() < this.noiseShare) {
      // ulp noise of a recomputed aggregate -> unchanged
      newStr = String(v * (1 + (1 + Math.floor(rnd() * 3)) * Number.EPSILON));
    }
    this.oldW.write(`${prefix}${oldStr}\n`);
    this.newW.write(`${prefix}${newStr}\n`);
    this.rowsOld++;
    this.rowsNew++;
    if (newStr === oldStr || isClose(Number(oldStr), Number(newStr))) this.unchanged++;
    else this.changed++;
  }
}

const PROGRESS_EVERY = 1 << 16;

async function generateRevenue(b: PairBuilder, rows: number, report: (f: number) => void): Promise<void> {
  const stats: readonly (readonly [string, Kind])[] = [
    ['revenue', Kind.Money],
    ['orders', Kind.Int],
    ['aov', Kind.Float],
    ['customers', Kind.Int],
    ['units', Kind.Int],
  ];
  const presence = 0.85;
  const days = Math.max(2, Math.min(1095, Math.floor(rows / (stats.length * 12))));
  const segCount = Math.max(4, Math.round(rows / (days * stats.length * presence)));
  const segs = buildSegments(segCount);
  const shift = Math.max(1, Math.min(7, Math.floor(days / 10)));
  const startMs = Date.UTC(2019, 0, 1);
  const totalDays = days + shift;
  const rnd = b.rnd;
  let sinceReport = 0;
  for (let d = 0; d < totalDays; d++) {
    const date = `${dayString(startMs, d)},`;
    const inOld = d < days;
    const inNew = d >= shift;
    const hot = inOld && d >= days - 3;
    for (const seg of segs) {
      if (!seg.unsegmented && rnd() >= presence) continue;
      const p = `${date}${seg.csv},`;
      for (const [stat, kind] of stats) b.emit(`${p}${stat},`, kind, inOld, inNew, hot);
      sinceReport += stats.length;
      if (sinceReport >= PROGRESS_EVERY) {
        sinceReport = 0;
        report(d / totalDays);
      }
      if (b.needsFlush) await b.flush();
    }
  }
}

async function generateCRevenue(b: PairBuilder, rows: number, report: (f: number) => void): Promise<void> {
  const stats: readonly (readonly [string, Kind])[] = [
    ['c-revenue', Kind.Money],
    ['c-revenue-pc', Kind.Float],
    ['c-orders', Kind.Int],
  ];
  const cohortIds = ['15', '22'];
  const presence = 0.9;
  // old export: cohorts 0..C-1, month_nth 0..C-1-c; new export (one month later):
  // cohorts 1..C, month_nth 0..C-c
  const perSegment = (c: number) => cohortIds.length * (1 + (stats.length * c * (c + 1)) / 2);
  let C = 3;
  while (C < 60 && perSegment(C + 1) * 12 * presence <= rows) C++;
  const segCount = Math.max(4, Math.round(rows / (perSegment(C) * presence)));
  const segs = buildSegments(segCount);
  const months: string[] = [];
  for (let m = 0; m <= 2 * C + 1; m++) months.push(monthString(2015, 6, m));
  const nths: string[] = [];
  for (let n = 0; n <= C; n++) nths.push(String(n));
  const rnd = b.rnd;
  let sinceReport = 0;
  for (let c = 0; c <= C; c++) {
    const cohort = months[c]!;
    const oldCohort = c <= C - 1;
    const newCohort = c >= 1;
    for (const cohortId of cohortIds) {
      const cohortPart = `${cohort},${cohortId},`;
      for (const seg of segs) {
        if (!seg.unsegmented && rnd() >= presence) continue;
        // lifetime row: empty month_nth, month_date = cohort
        b.emit(`${cohortPart}${cohort},,${seg.csv},c-revenue-pc,`, Kind.Float, oldCohort, newCohort, true);
        const lastNth = newCohort ? C - c : C - 1 - c;
        for (let n = 0; n <= lastNth; n++) {
          const p = `${cohortPart}${months[c + n]!},${nths[n]!},${seg.csv},`;
          const inOld = oldCohort && n <= C - 1 - c;
          const hot = inOld && n === C - 1 - c; // month in progress at the old export
          for (const [stat, kind] of stats) b.emit(`${p}${stat},`, kind, inOld, newCohort, hot);
        }
        sinceReport += 1 + stats.length * (lastNth + 1);
        if (sinceReport >= PROGRESS_EVERY) {
          sinceReport = 0;
          report((C * C - (C - c) * (C - c)) / (C * C));
        }
        if (b.needsFlush) await b.flush();
      }
    }
  }
}

/** Rows shuffled in memory at a time (bytes of one bucket file), so 10M-row files stay bounded. */
const SHUFFLE_BUCKET_BYTES = 64 * 1024 * 1024;

/**
 * Puts the rows of the CSV file at `path` (one line each: generated rows have no line breaks in
 * fields) in a random order, the header line first. Each row goes to a random bucket file, then each
 * bucket is shuffled in memory (Fisher-Yates) and appended: a uniform permutation in bounded memory.
 */
async function shuffleRows(path: string, bytes: number, rnd: Random): Promise<void> {
  const nBuckets = Math.max(1, Math.ceil(bytes / SHUFFLE_BUCKET_BYTES));
  const bucketPath = (i: number): string => `${path}.shuffle-${i}`;
  const buckets = await Promise.all(
    Array.from({ length: nBuckets }, async (_, i) => ({
      fh: await open(bucketPath(i), 'w'),
      parts: [] as string[],
      size: 0,
    })),
  );
  let header: string | undefined;
  try {
    const lines = createInterface({
      input: createReadStream(path, { encoding: 'utf8' }),
      crlfDelay: Infinity,
    });
    for await (const line of lines) {
      if (header === undefined) {
        header = line;
        continue;
      }
      const b = buckets[Math.floor(rnd() * nBuckets)]!;
      b.parts.push(line, '\n');
      b.size += line.length + 1;
      if (b.size >= 1 << 20) {
        await b.fh.write(b.parts.join(''));
        b.parts = [];
        b.size = 0;
      }
    }
    for (const b of buckets) if (b.size > 0) await b.fh.write(b.parts.join(''));
  } finally {
    await Promise.all(buckets.map((b) => b.fh.close()));
  }
  const tmp = `${path}.shuffled`;
  const out = await ChunkWriter.open(tmp);
  try {
    out.write(`${header ?? ''}\n`);
    for (let i = 0; i < nBuckets; i++) {
      const rows = (await readFile(bucketPath(i), 'utf8')).split('\n');
      rows.pop(); // after the last row's terminator
      for (let j = rows.length - 1; j > 0; j--) {
        const k = Math.floor(rnd() * (j + 1));
        const r = rows[j]!;
        rows[j] = rows[k]!;
        rows[k] = r;
      }
      for (const r of rows) {
        out.write(`${r}\n`);
        if (out.nearlyFull) await out.flush();
      }
      await rm(bucketPath(i));
    }
  } finally {
    await out.close();
  }
  await rename(tmp, path);
}

export function pairPaths(metric: GeneratedMetric, outDir: string): { oldPath: string; newPath: string } {
  const files = metricFiles(metricOrThrow(metric), outDir);
  return { oldPath: files.old, newPath: files.new };
}

/** Write `<stem>_old.csv` and `<stem>_new.csv` for one metric into `outDir`. */
export async function generateDiffPair(opts: GenerateDiffPairOptions): Promise<GeneratedPair> {
  const { metric, outDir, onProgress } = opts;
  const rows = Math.max(1, Math.floor(opts.rows));
  const seed = opts.seed ?? DEFAULT_SEED;
  if (!(metric in METRIC_LAYOUTS)) throw new Error(`unknown metric: ${String(metric)}`);
  await mkdir(outDir, { recursive: true });
  const { oldPath, newPath } = pairPaths(metric, outDir);
  const header = `${METRIC_LAYOUTS[metric].columns.join(',')}\n`;
  const oldW = await ChunkWriter.open(oldPath);
  const newW = await ChunkWriter.open(newPath);
  const noiseShare = opts.noiseShare ?? 0;
  if (!(noiseShare >= 0 && noiseShare <= 1)) throw new Error(`noiseShare must be in 0..1: ${noiseShare}`);
  const b = new PairBuilder(oldW, newW, mulberry32(seed), noiseShare);
  oldW.write(header);
  newW.write(header);
  let last = -1;
  const report = (f: number): void => {
    if (!onProgress) return;
    const clamped = Math.min(1, Math.max(0, f));
    if (clamped - last >= 0.001) {
      last = clamped;
      onProgress(clamped);
    }
  };
  try {
    if (metric === 'revenue') await generateRevenue(b, rows, report);
    else await generateCRevenue(b, rows, report);
  } finally {
    await Promise.all([oldW.close(), newW.close()]);
  }
  // Its own random stream: the rows and the expected diff stay those of the unshuffled pair.
  if (opts.shuffle) await shuffleRows(newPath, newW.bytes, mulberry32(seed ^ 0x5f3759df));
  onProgress?.(1);
  return {
    oldPath,
    newPath,
    rowsOld: b.rowsOld,
    rowsNew: b.rowsNew,
    bytesOld: oldW.bytes,
    bytesNew: newW.bytes,
    expected: { added: b.added, changed: b.changed, deleted: b.deleted, unchanged: b.unchanged },
  };
}

export interface GenerateAllPairsOptions {
  /** rows per file; a number applies to both metrics */
  rows: number | { revenue: number; 'c-revenue': number };
  outDir: string;
  seed?: number;
  noiseShare?: number;
  shuffle?: boolean;
  onProgress?: (fraction: number, metric: GeneratedMetric) => void;
}

/**
 * Write revenue_old.csv, revenue_new.csv, c_revenue_old.csv and
 * c_revenue_new.csv into `outDir`.
 */
export async function generateAllPairs(
  opts: GenerateAllPairsOptions,
): Promise<Record<GeneratedMetric, GeneratedPair>> {
  const rowsFor = (m: GeneratedMetric): number => (typeof opts.rows === 'number' ? opts.rows : opts.rows[m]);
  const seed = opts.seed ?? DEFAULT_SEED;
  const revenue = await generateDiffPair({
    metric: 'revenue',
    rows: rowsFor('revenue'),
    outDir: opts.outDir,
    seed,
    noiseShare: opts.noiseShare,
    shuffle: opts.shuffle,
    onProgress: opts.onProgress && ((f) => opts.onProgress?.(f, 'revenue')),
  });
  const cRevenue = await generateDiffPair({
    metric: 'c-revenue',
    rows: rowsFor('c-revenue'),
    outDir: opts.outDir,
    seed: seed + 1,
    noiseShare: opts.noiseShare,
    shuffle: opts.shuffle,
    onProgress: opts.onProgress && ((f) => opts.onProgress?.(f, 'c-revenue')),
  });
  return { revenue, 'c-revenue': cRevenue };
}
