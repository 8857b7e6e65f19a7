/**
 * Child process of `bench/diffing.ts`: runs ONE diff (our engine or DuckDB) so
 * that the process' peak RSS belongs to that run alone.
 *
 *   node --import tsx bench/diffing-child.ts '<json job>'
 *
 * Prints one line `@@RESULT <json>` on stdout (see ChildResult).
 */
import { mkdir } from 'node:fs/promises';
import { duckdbDiffSql, type DiffSpecArg } from './duckdb-diff-sql.js';

export type { DiffSpecArg };

export type ChildJob =
  | { tool: 'baseline' }
  | {
      tool: 'engine';
      oldPath: string;
      newPath: string;
      outPath: string;
      deletedPath: string;
      tmpDir: string;
      spec: DiffSpecArg;
      memoryBudgetBytes?: number;
    }
  | {
      tool: 'duckdb';
      oldPath: string;
      newPath: string;
      outPath: string;
      tmpDir: string;
      spec: DiffSpecArg;
      threads: number;
      memoryLimit?: string;
    };

export interface ChildResult {
  tool: ChildJob['tool'];
  wallMs: number;
  /** process.resourceUsage().maxRSS, in MiB (whole child process: node + tsx + work) */
  peakRssMiB: number;
  rowsOut: number | null;
  details?: Record<string, unknown>;
}

/** keep in sync with bench/diffing.ts */
const RESULT_MARKER = '@@RESULT ';

async function runEngine(
  job: Extract<ChildJob, { tool: 'engine' }>,
): Promise<Omit<ChildResult, 'peakRssMiB'>> {
  // The compiled engine (dist/, as `quintet` runs it; `npm run bench:diffing` builds it first):
  // from sources, its worker thread would compile TypeScript with tsx at every start.
  const engine = '../dist/systems/diffing/engine/index.js';
  const { runDiff } = (await import(engine)) as typeof import('../src/systems/diffing/engine/index.js');
  await mkdir(job.tmpDir, { recursive: true });
  const t0 = performance.now();
  const stats = await runDiff({
    oldPath: job.oldPath,
    newPath: job.newPath,
    outPath: job.outPath,
    deletedPath: job.deletedPath,
    spec: job.spec,
    tmpDir: job.tmpDir,
    ...(job.memoryBudgetBytes !== undefined ? { memoryBudgetBytes: job.memoryBudgetBytes } : {}),
  });
  const wallMs = performance.now() - t0;
  return { tool: 'engine', wallMs, rowsOut: stats.rowsOut, details: { ...stats } };
}

async function runDuckdb(
  job: Extract<ChildJob, { tool: 'duckdb' }>,
): Promise<Omit<ChildResult, 'peakRssMiB'>> {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  await mkdir(job.tmpDir, { recursive: true });
  const config: Record<string, string> = { threads: String(job.threads), temp_directory: job.tmpDir };
  if (job.memoryLimit) config.memory_limit = job.memoryLimit;
  const t0 = performance.now();
  const instance = await DuckDBInstance.create(':memory:', config);
  const conn = await instance.connect();
  const sql = duckdbDiffSql(job.oldPath, job.newPath, job.outPath, job.spec);
  const res = await conn.run(sql);
  // COPY ... TO returns the number of rows written
  const rowsOut = res.rowsChanged;
  const wallMs = performance.now() - t0;
  const settings = await (
    await conn.run(
      "SELECT name, value FROM duckdb_settings() WHERE name IN ('threads', 'memory_limit', 'preserve_insertion_order')",
    )
  ).getRowObjectsJS();
  const version = await (await conn.run('SELECT version() AS v')).getRowObjectsJS();
  conn.closeSync();
  instance.closeSync();
  return {
    tool: 'duckdb',
    wallMs,
    rowsOut,
    details: {
      version: version[0]?.v,
      settings: Object.fromEntries(settings.map((r) => [String(r.name), String(r.value)])),
    },
  };
}

async function main(): Promise<void> {
  const arg = process.argv[2];
  if (!arg) throw new Error('usage: diffing-child.ts <json job>');
  const job = JSON.parse(arg) as ChildJob;
  let res: Omit<ChildResult, 'peakRssMiB'>;
  if (job.tool === 'engine') res = await runEngine(job);
  else if (job.tool === 'duckdb') res = await runDuckdb(job);
  else res = { tool: 'baseline', wallMs: 0, rowsOut: null };
  const out: ChildResult = { ...res, peakRssMiB: process.resourceUsage().maxRSS / 1024 };
  process.stdout.write(`${RESULT_MARKER}${JSON.stringify(out)}\n`);
}

// The parent only imports types from this module (erased), so this always runs
// in the child.
main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
