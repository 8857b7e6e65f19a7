/**
 * Diffing benchmark: our streaming diff engine vs DuckDB on generated
 * c-revenue export pairs.
 *
 *   npm run bench:diffing -- [--quick] [--rows 1100000,10000000] [--threads 2]
 *                            [--data-dir /tmp/quintet-bench/diffing] [--seed 42]
 *                            [--memory-budget <bytes>] [--regen] [--keep-output]
 *                            [--repeat N] [--only engine|duckdb] [--noise-share 0.2]
 *                            [--shuffle] [--whole]
 *
 * Each pair is generated once and cached (with a manifest) under --data-dir
 * (default: <os tmpdir>/quintet-bench/diffing, never inside the repo). Every
 * run happens in its own child process (bench/diffing-child.ts) so the peak RSS
 * (process.resourceUsage().maxRSS) belongs to that run alone. Results go to
 * bench/results/diffing[-whole][-noise<share>][-shuffled].json (by kind of run and input shape).
 *
 * With --whole, each run is instead a whole process as a user would start it: `node bin/quintet.js
 * diff` (the compiled CLI) against plain `node` running the same DuckDB query (no tsx), each under
 * /usr/bin/time for its peak RSS; the time is the process's, start-up included.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import cliProgress from 'cli-progress';
import {
  DEFAULT_SEED,
  METRIC_LAYOUTS,
  generateDiffPair,
  type GeneratedPair,
} from '../src/systems/diffing/generate.js';
import type { ChildJob, ChildResult } from './diffing-child.js';
import { duckdbDiffSql } from './duckdb-diff-sql.js';

const RESULT_MARKER = '@@RESULT '; // keep in sync with bench/diffing-child.ts
const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = dirname(HERE);
const CHILD = join(HERE, 'diffing-child.ts');
const MIB = 1024 * 1024;

interface Args {
  sizes: number[];
  threads: number;
  dataDir: string;
  seed: number;
  memoryBudgetBytes?: number;
  regen: boolean;
  keepOutput: boolean;
  repeat: number;
  only?: 'engine' | 'duckdb';
  /** generateDiffPair's noiseShare: the re-export shape whose overlapping rows differ by float noise */
  noiseShare: number;
  /** generateDiffPair's shuffle: the new file's rows in another order than the old file's */
  shuffle: boolean;
  /** whole processes (quintet diff vs node + DuckDB), see the top of this file */
  whole: boolean;
}

function parseArgs(argv: string[]): Args {
  const args: Args = {
    sizes: [1_100_000, 10_000_000],
    threads: os.cpus().length,
    dataDir: join(os.tmpdir(), 'quintet-bench', 'diffing'),
    seed: DEFAULT_SEED,
    regen: false,
    keepOutput: false,
    repeat: 1,
    noiseShare: 0,
    shuffle: false,
    whole: false,
  };
  let quick = false;
  let rows: number[] | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const next = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`missing value for ${a}`);
      return v;
    };
    const int = (v: string): number => {
      const n = Number(v.replace(/_/g, ''));
      if (!Number.isFinite(n) || n <= 0) throw new Error(`bad number for ${a}: ${v}`);
      return Math.floor(n);
    };
    if (a === '--quick') quick = true;
    else if (a === '--rows') rows = next().split(',').map(int);
    else if (a === '--threads') args.threads = int(next());
    else if (a === '--data-dir') args.dataDir = next();
    else if (a === '--seed') args.seed = int(next());
    else if (a === '--memory-budget') args.memoryBudgetBytes = int(next());
    else if (a === '--regen') args.regen = true;
    else if (a === '--keep-output') args.keepOutput = true;
    else if (a === '--repeat') args.repeat = int(next());
    else if (a === '--shuffle') args.shuffle = true;
    else if (a === '--whole') args.whole = true;
    else if (a === '--noise-share') {
      args.noiseShare = Number(next());
      if (!(args.noiseShare >= 0 && args.noiseShare <= 1)) throw new Error('--noise-share takes 0..1');
    } else if (a === '--only') {
      const v = next();
      if (v !== 'engine' && v !== 'duckdb') throw new Error('--only takes engine|duckdb');
      args.only = v;
    } else if (a === '--help' || a === '-h') {
      console.log(
        'usage: npm run bench:diffing -- [--quick] [--rows N[,N...]] [--threads N] [--data-dir DIR] ' +
          '[--seed N] [--memory-budget BYTES] [--regen] [--keep-output] [--repeat N] [--only engine|duckdb] ' +
          '[--noise-share 0..1] [--shuffle] [--whole]',
      );
      process.exit(0);
    } else throw new Error(`unknown argument: ${a}`);
  }
  if (rows) args.sizes = rows;
  else if (quick) args.sizes = [1_100_000];
  return args;
}

/** The input shape in names: '', '-noise0.2', '-shuffled', '-noise0.2-shuffled'. */
function shapeSuffix(args: Args): string {
  return `${args.noiseShare > 0 ? `-noise${args.noiseShare}` : ''}${args.shuffle ? '-shuffled' : ''}`;
}

/** Generate (or reuse a cached) c-revenue pair of about `rows` rows per file. */
async function ensurePair(args: Args, rows: number): Promise<GeneratedPair> {
  const shape = shapeSuffix(args);
  const dir = join(args.dataDir, `c_revenue-${rows}-s${args.seed}${shape}`);
  const manifestPath = join(dir, 'manifest.json');
  if (!args.regen) {
    try {
      const m = JSON.parse(await readFile(manifestPath, 'utf8')) as GeneratedPair;
      const [so, sn] = await Promise.all([stat(m.oldPath), stat(m.newPath)]);
      if (so.size === m.bytesOld && sn.size === m.bytesNew) {
        console.log(`using cached pair ${dir}`);
        return m;
      }
    } catch {
      // not cached (or stale): generate
    }
  }
  await rm(dir, { recursive: true, force: true });
  const bar = new cliProgress.SingleBar(
    {
      format: `generating c-revenue ${rows.toLocaleString('en-US')} rows [{bar}] {percentage}% | {duration}s`,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(1000, 0);
  const t0 = performance.now();
  const pair = await generateDiffPair({
    metric: 'c-revenue',
    rows,
    outDir: dir,
    seed: args.seed,
    noiseShare: args.noiseShare,
    shuffle: args.shuffle,
    onProgress: (f) => bar.update(Math.round(f * 1000)),
  });
  bar.stop();
  const s = (performance.now() - t0) / 1000;
  console.log(
    `generated ${pair.rowsOld.toLocaleString('en-US')} + ${pair.rowsNew.toLocaleString('en-US')} rows, ` +
      `${((pair.bytesOld + pair.bytesNew) / MIB).toFixed(0)} MiB in ${s.toFixed(1)} s ` +
      `(${((pair.rowsOld + pair.rowsNew) / s / 1e6).toFixed(2)} M rows/s)`,
  );
  await writeFile(manifestPath, JSON.stringify(pair, null, 2));
  return pair;
}

async function runChild(job: ChildJob): Promise<ChildResult & { processWallMs: number }> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, JSON.stringify(job)], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d: string) => {
      out += d;
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const processWallMs = performance.now() - t0;
      const line = out.split('\n').find((l) => l.startsWith(RESULT_MARKER));
      if (code !== 0 || !line) {
        reject(new Error(`${job.tool} child failed (code ${code}, signal ${signal}):\n${out.slice(-2000)}`));
        return;
      }
      resolve({ ...(JSON.parse(line.slice(RESULT_MARKER.length)) as ChildResult), processWallMs });
    });
  });
}

/** Runs `argv` under /usr/bin/time (for the process's max RSS); stdout is ignored, stderr kept for errors. */
async function timedProcess(
  argv: string[],
): Promise<{ wallMs: number; peakRssMiB: number; cpuS: number; stderr: string }> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn('/usr/bin/time', ['-f', '@@MAXRSS %M %U %S', ...argv], {
      cwd: ROOT,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d: string) => {
      err += d;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      const wallMs = performance.now() - t0;
      const m = /@@MAXRSS (\d+) ([\d.]+) ([\d.]+)/.exec(err);
      if (code !== 0 || !m) {
        reject(new Error(`${argv.join(' ')} failed (code ${code}):\n${err.slice(-2000)}`));
        return;
      }
      const cpuS = Number(m[2]) + Number(m[3]);
      resolve({ wallMs, peakRssMiB: Number(m[1]) / 1024, cpuS, stderr: err });
    });
  });
}

/** One whole-process run (--whole): the quintet CLI, or plain node running DuckDB's query. */
async function runWhole(job: ChildJob): Promise<ChildResult & { processWallMs: number }> {
  if (job.tool === 'engine') {
    const argv = [process.execPath, join(ROOT, 'bin', 'quintet.js'), 'diff', job.oldPath, job.newPath];
    argv.push('--keys', job.spec.keys.join(','), '--value', job.spec.value, '--out', job.outPath);
    argv.push('--deleted', job.deletedPath);
    if (job.memoryBudgetBytes !== undefined)
      argv.push('--memory-mb', String(Math.round(job.memoryBudgetBytes / MIB)));
    const r = await timedProcess(argv);
    return {
      tool: 'engine',
      wallMs: r.wallMs,
      processWallMs: r.wallMs,
      peakRssMiB: r.peakRssMiB,
      rowsOut: null,
      details: { cpuS: r.cpuS },
    };
  }
  if (job.tool !== 'duckdb') throw new Error('--whole runs the engine and DuckDB only');
  await mkdir(job.tmpDir, { recursive: true });
  const config = { threads: String(job.threads), temp_directory: job.tmpDir };
  // Resolved from the repository (cwd): the same @duckdb/node-api the in-child runs use.
  const script = [
    "import { DuckDBInstance } from '@duckdb/node-api';",
    `const instance = await DuckDBInstance.create(':memory:', ${JSON.stringify(config)});`,
    'const conn = await instance.connect();',
    `await conn.run(${JSON.stringify(duckdbDiffSql(job.oldPath, job.newPath, job.outPath, job.spec))});`,
    'conn.closeSync();',
    'instance.closeSync();',
  ].join('\n');
  const r = await timedProcess([process.execPath, '--input-type=module', '-e', script]);
  return {
    tool: 'duckdb',
    wallMs: r.wallMs,
    processWallMs: r.wallMs,
    peakRssMiB: r.peakRssMiB,
    rowsOut: null,
    details: { cpuS: r.cpuS },
  };
}

/** Split one CSV record (RFC 4180 quoting; our data has no embedded newlines). */
function splitCsvLine(line: string): string[] {
  const out: string[] = [];
  let i = 0;
  for (;;) {
    if (line[i] === '"') {
      let field = '';
      i++;
      for (;;) {
        const q = line.indexOf('"', i);
        if (q === -1) throw new Error(`unterminated quote: ${line}`);
        field += line.slice(i, q);
        if (line[q + 1] === '"') {
          field += '"';
          i = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
      out.push(field);
    } else {
      const c = line.indexOf(',', i);
      out.push(line.slice(i, c === -1 ? line.length : c));
      i = c === -1 ? line.length : c;
    }
    if (i >= line.length) return out;
    i++; // skip the comma
  }
}

interface CsvSummary {
  header: string;
  rows: number;
  /**
   * Order-independent fingerprint of the parsed rows (sums of per-row SHA-1
   * prefixes), so outputs that differ only in row order or quoting style match.
   */
  fingerprint: string;
}

async function summarizeCsv(path: string): Promise<CsvSummary> {
  const rl = createInterface({
    input: createReadStream(path, { encoding: 'utf8', highWaterMark: 4 * MIB }),
    crlfDelay: Infinity,
  });
  const MOD = 2 ** 48;
  let header: string | undefined;
  let rows = 0;
  let sumA = 0;
  let sumB = 0;
  for await (const raw of rl) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (header === undefined) {
      header = splitCsvLine(line).join(',');
      continue;
    }
    if (line === '') continue;
    const digest = createHash('sha1')
      .update(JSON.stringify(splitCsvLine(line)))
      .digest();
    sumA = (sumA + digest.readUIntBE(0, 6)) % MOD;
    sumB = (sumB + digest.readUIntBE(6, 6)) % MOD;
    rows++;
  }
  return { header: header ?? '', rows, fingerprint: `${sumA.toString(16)}:${sumB.toString(16)}` };
}

interface RunRecord {
  tool: 'engine' | 'duckdb';
  /** median over --repeat runs */
  wallS: number;
  wallsS: number[];
  processWallS: number;
  /** max over --repeat runs */
  peakRssMiB: number;
  rowsOut: number | null;
  rowsOutFile: number;
  outputFingerprint: string;
  details?: Record<string, unknown>;
}

interface PairRecord {
  requestedRows: number;
  rowsOld: number;
  rowsNew: number;
  mibOld: number;
  mibNew: number;
  expected: GeneratedPair['expected'];
  expectedRowsOut: number;
  runs: RunRecord[];
  /** engine wall / DuckDB wall, per round (tools alternate within a round) */
  roundRatios?: number[];
  checks: string[];
  ok: boolean;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function fmtTable(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  const line = (r: string[]) =>
    r.map((cell, c) => (c < 2 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ');
  return [line(rows[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)].join('\n');
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const layout = METRIC_LAYOUTS['c-revenue'];
  const spec = { keys: [...layout.keys], value: layout.value };
  await mkdir(args.dataDir, { recursive: true });
  console.log(
    `diffing bench: sizes ${args.sizes.join(', ')}; DuckDB threads ${args.threads}; data in ${args.dataDir}`,
  );

  const baseline = await runChild({ tool: 'baseline' });
  console.log(`baseline child (node + tsx, no work): peak RSS ${baseline.peakRssMiB.toFixed(0)} MiB`);

  const pairs: PairRecord[] = [];
  for (const rows of args.sizes) {
    const pair = await ensurePair(args, rows);
    const runDir = join(args.dataDir, `run-${rows}`);
    await rm(runDir, { recursive: true, force: true });
    await mkdir(runDir, { recursive: true });
    const expectedRowsOut = pair.expected.added + pair.expected.changed;
    const rec: PairRecord = {
      requestedRows: rows,
      rowsOld: pair.rowsOld,
      rowsNew: pair.rowsNew,
      mibOld: pair.bytesOld / MIB,
      mibNew: pair.bytesNew / MIB,
      expected: pair.expected,
      expectedRowsOut,
      runs: [],
      checks: [],
      ok: true,
    };
    const tools = args.only ? [args.only] : (['engine', 'duckdb'] as const);
    const jobFor = (tool: 'engine' | 'duckdb'): ChildJob =>
      tool === 'engine'
        ? {
            tool,
            oldPath: pair.oldPath,
            newPath: pair.newPath,
            outPath: join(runDir, `${tool}_out.csv`),
            deletedPath: join(runDir, 'engine_deleted.csv'),
            tmpDir: join(runDir, 'engine-tmp'),
            spec,
            ...(args.memoryBudgetBytes !== undefined ? { memoryBudgetBytes: args.memoryBudgetBytes } : {}),
          }
        : {
            tool,
            oldPath: pair.oldPath,
            newPath: pair.newPath,
            outPath: join(runDir, `${tool}_out.csv`),
            tmpDir: join(runDir, 'duckdb-tmp'),
            spec,
            threads: args.threads,
          };
    // Rounds: each tool once per round, alternating, so both see the same machine (a shared VM's
    // speed drifts a lot over minutes); the per-round time ratio is reported too.
    const byTool = new Map<string, Awaited<ReturnType<typeof runChild>>[]>(tools.map((t) => [t, []]));
    for (let i = 0; i < args.repeat; i++) {
      const round: string[] = [];
      for (const tool of tools) {
        console.log(
          `running ${tool} on ${rows.toLocaleString('en-US')} rows` +
            (args.repeat > 1 ? ` (${i + 1}/${args.repeat})` : '') +
            ` ... load avg ${os.loadavg()[0]!.toFixed(2)}`,
        );
        const res = args.whole ? await runWhole(jobFor(tool)) : await runChild(jobFor(tool));
        byTool.get(tool)!.push(res);
        const cpu = typeof res.details?.cpuS === 'number' ? ` (CPU ${res.details.cpuS.toFixed(2)} s)` : '';
        round.push(`${tool} ${(res.wallMs / 1000).toFixed(2)} s${cpu}`);
      }
      console.log(`  round ${i + 1}: ${round.join(', ')}`);
    }
    const eng = byTool.get('engine');
    const duck = byTool.get('duckdb');
    if (eng?.length && duck?.length) {
      rec.roundRatios = eng.map((e, i) => e.wallMs / duck[i]!.wallMs);
      console.log(
        `  engine/DuckDB time per round: ${rec.roundRatios.map((x) => x.toFixed(2)).join(', ')} ` +
          `(median ${median(rec.roundRatios).toFixed(2)})`,
      );
    }
    for (const tool of tools) {
      const outPath = join(runDir, `${tool}_out.csv`);
      const results = byTool.get(tool)!;
      const r = results[results.length - 1]!;
      const walls = results.map((x) => x.wallMs / 1000);
      const summary = await summarizeCsv(outPath);
      const rowsOutFile = summary.rows;
      const run: RunRecord = {
        tool,
        wallS: median(walls),
        wallsS: walls,
        processWallS: median(results.map((x) => x.processWallMs / 1000)),
        peakRssMiB: Math.max(...results.map((x) => x.peakRssMiB)),
        rowsOut: r.rowsOut,
        rowsOutFile,
        outputFingerprint: summary.fingerprint,
        ...(r.details ? { details: r.details } : {}),
      };
      rec.runs.push(run);
      console.log(
        `  ${tool}: ${run.wallS.toFixed(2)} s, peak RSS ${run.peakRssMiB.toFixed(0)} MiB, ` +
          `${rowsOutFile.toLocaleString('en-US')} rows out`,
      );
      const check = (ok: boolean, msg: string): void => {
        rec.checks.push(`${ok ? 'OK  ' : 'FAIL'} ${msg}`);
        if (!ok) rec.ok = false;
      };
      check(
        rowsOutFile === expectedRowsOut,
        `${tool} output rows ${rowsOutFile} = expected ${expectedRowsOut}`,
      );
      check(summary.header === layout.columns.join(','), `${tool} output header is the new file's header`);
      if (r.rowsOut !== null && r.rowsOut !== rowsOutFile) {
        check(false, `${tool} reported ${r.rowsOut} rows out but the file has ${rowsOutFile}`);
      }
      if (tool === 'engine') {
        const del = await summarizeCsv(join(runDir, 'engine_deleted.csv'));
        check(
          del.rows === pair.expected.deleted,
          `engine deleted file rows ${del.rows} = expected ${pair.expected.deleted}`,
        );
      }
      if (tool === 'engine' && r.details) {
        const d = r.details;
        for (const k of ['added', 'changed', 'deleted', 'unchanged'] as const) {
          if (typeof d[k] === 'number')
            check(d[k] === pair.expected[k], `engine ${k} ${d[k]} = expected ${pair.expected[k]}`);
        }
        if (typeof d.rowsOld === 'number')
          check(d.rowsOld === pair.rowsOld, `engine rowsOld ${d.rowsOld} = ${pair.rowsOld}`);
        if (typeof d.rowsNew === 'number')
          check(d.rowsNew === pair.rowsNew, `engine rowsNew ${d.rowsNew} = ${pair.rowsNew}`);
      }
    }
    const [a, b] = rec.runs;
    if (a && b) {
      rec.checks.push(
        `${a.rowsOutFile === b.rowsOutFile ? 'OK  ' : 'FAIL'} engine and DuckDB output row counts ` +
          `${a.rowsOutFile === b.rowsOutFile ? 'match' : 'differ'} (${a.rowsOutFile} vs ${b.rowsOutFile})`,
      );
      if (a.rowsOutFile !== b.rowsOutFile) rec.ok = false;
      const same = a.outputFingerprint === b.outputFingerprint;
      rec.checks.push(
        `${same ? 'OK  ' : 'FAIL'} engine and DuckDB outputs hold ${same ? 'the same' : 'DIFFERENT'} rows ` +
          `(order-independent fingerprint of the parsed fields)`,
      );
      if (!same) rec.ok = false;
    }
    pairs.push(rec);
    if (!args.keepOutput) await rm(runDir, { recursive: true, force: true });
  }

  const header = [
    'pair',
    'tool',
    'rows old',
    'rows new',
    'MiB old',
    'MiB new',
    'wall s',
    'peak RSS MiB',
    'rows out',
    'expected',
  ];
  const table: string[][] = [header];
  for (const p of pairs) {
    for (const r of p.runs) {
      table.push([
        `c-revenue ${(p.requestedRows / 1e6).toFixed(1)}M`,
        r.tool === 'engine' ? 'quintet engine' : `duckdb (${args.threads} thr)`,
        p.rowsOld.toLocaleString('en-US'),
        p.rowsNew.toLocaleString('en-US'),
        p.mibOld.toFixed(0),
        p.mibNew.toFixed(0),
        r.wallS.toFixed(2),
        r.peakRssMiB.toFixed(0),
        r.rowsOutFile.toLocaleString('en-US'),
        p.expectedRowsOut.toLocaleString('en-US'),
      ]);
    }
  }
  console.log('');
  console.log(fmtTable(table));
  console.log(
    args.whole
      ? `(wall = whole process, start-up included${args.repeat > 1 ? `, median of ${args.repeat}` : ''}: quintet diff vs node + DuckDB; peak RSS = /usr/bin/time's max RSS`
      : `(wall = time inside the child around the diff call${args.repeat > 1 ? `, median of ${args.repeat}` : ''}; peak RSS = whole child process, ` +
          `node + tsx baseline ${baseline.peakRssMiB.toFixed(0)} MiB)`,
  );
  for (const p of pairs) {
    if (p.roundRatios) {
      console.log(
        `c-revenue ${(p.requestedRows / 1e6).toFixed(1)}M: engine time / DuckDB time, median of the rounds: ` +
          `${median(p.roundRatios).toFixed(2)}`,
      );
    }
  }
  for (const p of pairs) {
    console.log(`\nchecks c-revenue ${p.requestedRows.toLocaleString('en-US')}:`);
    for (const c of p.checks) console.log(`  ${c}`);
  }

  const cpus = os.cpus();
  const result = {
    bench: 'diffing',
    date: new Date().toISOString(),
    machine: {
      cpuModel: cpus[0]?.model ?? 'unknown',
      cores: cpus.length,
      totalMemoryMiB: Math.round(os.totalmem() / MIB),
      platform: `${os.platform()} ${os.release()} ${os.arch()}`,
      node: process.version,
      loadAvgAtEnd: os.loadavg(),
    },
    settings: {
      duckdbThreads: args.threads,
      engineMemoryBudgetBytes: args.memoryBudgetBytes ?? 'default',
      seed: args.seed,
      repeat: args.repeat,
      noiseShare: args.noiseShare,
      shuffle: args.shuffle,
      wholeProcesses: args.whole,
      relTol: 1e-9,
    },
    baselineChildPeakRssMiB: baseline.peakRssMiB,
    pairs,
    table: fmtTable(table),
  };
  const resultsDir = join(HERE, 'results');
  await mkdir(resultsDir, { recursive: true });
  // One file per shape and kind of run, so that each figure the README quotes keeps its evidence.
  const name = `diffing${args.whole ? '-whole' : ''}${shapeSuffix(args)}.json`;
  await writeFile(join(resultsDir, name), `${JSON.stringify(result, null, 2)}\n`);
  console.log(`\nwrote ${join('bench', 'results', name)}`);
  if (!pairs.every((p) => p.ok)) {
    console.error('some checks FAILED');
    process.exitCode = 1;
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
