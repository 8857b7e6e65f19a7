/**
 * Quick local perf harness for the diff engine (not part of the test suite).
 *
 *   npx tsx bench/diff-engine-quick.ts gen 1100000 /tmp/qdiff
 *   npx tsx bench/diff-engine-quick.ts run /tmp/qdiff [forcePartitions] [budgetMiB]
 *
 * `gen` writes c-revenue-like old.csv/new.csv (~100 bytes/row, 10 columns) into the given directory
 * (use /tmp, never the repo): 1% changed values, 2% sub-1e-9 numeric noise written differently,
 * 0.5% deleted rows, ~0.5% added rows. `run` diffs them and prints wall time and peak RSS of this
 * process (process.resourceUsage().maxRSS). For RSS without the tsx loader, bundle first:
 *   npx esbuild bench/diff-engine-quick.ts --bundle --platform=node \
 *     --format=esm --outfile=/tmp/qdiff-bench.mjs && node /tmp/qdiff-bench.mjs run /tmp/qdiff
 */
import { seededRandom } from '../src/platform/random.js';
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { runDiff } from '../src/systems/diffing/engine/index.js';
import { findMetric } from '../src/systems/diffing/metric-definitions.js';

const FIELDS: [string, string, string[]][] = [
  [
    'shipping_province',
    'states',
    ['Western Australia', 'New South Wales', 'Victoria', 'Queensland', 'Tasmania'],
  ],
  ['shipping_country', 'countries', ['Australia', 'New Zealand', 'United States', 'Canada', 'Germany']],
  ['channel', 'channels', ['online_store', 'pos', 'wholesale', 'marketplace']],
  ['product_type', 'types', ['Shoes', 'Shirts', 'Hats', 'Bags', 'Socks', 'Jackets']],
  ['customer_tag', 'tags', ['vip', 'newsletter', 'b2b', 'returning']],
];

const rng = seededRandom;

function gen(rows: number, dir: string): void {
  mkdirSync(dir, { recursive: true });
  const header =
    'cohort,cohort_id,month,month_nth,segment_field,segment_group,segment_value_id,segment_value_name,stat,value\n';
  const oldFd = openSync(join(dir, 'old.csv'), 'w');
  const newFd = openSync(join(dir, 'new.csv'), 'w');
  writeSync(oldFd, header);
  writeSync(newFd, header);
  const rand = rng(42);
  const stats = ['c-revenue', 'c-orders', 'c-customers'];
  let oldBuf = '';
  let newBuf = '';
  let n = 0;
  const values: string[] = [];
  for (const [, , vs] of FIELDS) for (const v of vs) values.push(v);
  outer: for (let cohort = 0; ; cohort++) {
    const cy = 2015 + Math.floor(cohort / 12);
    const cm = (cohort % 12) + 1;
    const cohortDate = `${cy}-${String(cm).padStart(2, '0')}-01`;
    for (let m = 0; m < 48; m++) {
      const mm = cohort + m;
      const monthDate = `${2015 + Math.floor(mm / 12)}-${String((mm % 12) + 1).padStart(2, '0')}-01`;
      for (const [field, group, vals] of FIELDS) {
        for (const v of vals) {
          for (const stat of stats) {
            if (n >= rows) break outer;
            n++;
            const value = rand() * 20000;
            const prefix = `${cohortDate},${cohort + 1},${monthDate},${m},${field},${group},${v},${v},${stat},`;
            const line = prefix + String(value) + '\n';
            const r = rand();
            if (r < 0.005) {
              oldBuf += line; // deleted
            } else if (r < 0.015) {
              oldBuf += line;
              newBuf += prefix + String(value * 1.01) + '\n'; // changed
            } else if (r < 0.035) {
              oldBuf += line;
              newBuf += prefix + (value * (1 + 1e-12)).toPrecision(15) + '\n'; // noise, unchanged
            } else {
              oldBuf += line;
              newBuf += line;
            }
            if (r > 0.995)
              newBuf += `${cohortDate},${cohort + 1},${monthDate},${m},${field},${group},${v},${v},c-refunds,${value / 10}\n`;
            if (oldBuf.length > 1 << 20) {
              writeSync(oldFd, oldBuf);
              oldBuf = '';
            }
            if (newBuf.length > 1 << 20) {
              writeSync(newFd, newBuf);
              newBuf = '';
            }
          }
        }
      }
    }
  }
  writeSync(oldFd, oldBuf);
  writeSync(newFd, newBuf);
  closeSync(oldFd);
  closeSync(newFd);
  console.log(`wrote ${n} rows to ${dir}/old.csv and ${dir}/new.csv (values: ${values.length})`);
}

async function run(dir: string, force?: number, budgetMiB?: number): Promise<void> {
  const metric = findMetric('c-revenue');
  if (!metric) throw new Error('metric missing');
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  let calls = 0;
  const stats = await runDiff({
    oldPath: join(dir, 'old.csv'),
    newPath: join(dir, 'new.csv'),
    outPath: join(dir, 'diff.csv'),
    deletedPath: join(dir, 'deleted.csv'),
    spec: { keys: metric.keys, value: metric.value },
    forcePartitions: force,
    memoryBudgetBytes: budgetMiB ? budgetMiB * 1024 * 1024 : undefined,
    onProgress: () => calls++,
  });
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const rss = process.resourceUsage().maxRSS / 1024;
  const cpuMs = Math.round((cpu.user + cpu.system) / 1000);
  console.log(
    JSON.stringify({ ms: Math.round(ms), cpuMs, maxRssMiB: Math.round(rss), progressCalls: calls, ...stats }),
  );
}

const [cmd, a, b, c] = process.argv.slice(2);
if (cmd === 'gen') gen(Number(a ?? 1_100_000), b ?? '/tmp/qdiff');
else if (cmd === 'run') await run(a ?? '/tmp/qdiff', b ? Number(b) : undefined, c ? Number(c) : undefined);
else console.error('usage: diff-engine-quick.ts gen <rows> <dir> | run <dir> [forcePartitions] [budgetMiB]');
