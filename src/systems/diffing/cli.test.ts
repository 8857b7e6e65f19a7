import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { C_REVENUE_HEADER, REVENUE_HEADER, csvText, writeCsv } from '../../../test/support/diffing.js';
import { buildCli } from '../../main.js';
import { parseCsvReference } from '../../platform/csv/testing/reference-parser.js';
import { METRICS } from './metric-definitions.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'quintet-diff-cli-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
afterEach(() => vi.restoreAllMocks());

/** Runs `quintet …` in this process; returns what it wrote to stdout and stderr. */
async function quintet(...args: string[]): Promise<{ stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  vi.spyOn(console, 'log').mockImplementation(
    (...parts: unknown[]) => void (stdout += `${parts.join(' ')}\n`),
  );
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  });
  try {
    await buildCli().parseAsync(['node', 'quintet', ...args]);
  } finally {
    vi.restoreAllMocks();
  }
  return { stdout, stderr };
}

/** Runs `node --import tsx src/main.ts …` as a child process (with `env` added to the environment). */
async function spawnQuintet(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return spawnQuintetWith({}, ...args);
}

async function spawnQuintetWith(
  env: Record<string, string>,
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', 'src/main.ts', ...args],
      { cwd: ROOT, timeout: 20_000, env: { ...process.env, ...env } },
    );
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout: string; stderr: string };
    if (typeof e.code !== 'number') throw err;
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

// A revenue pair; each row states what a correct diff makes of it.
const same = '2020-01-01,,,,,revenue,100';
const closeOld = '2020-01-05,,,,,revenue,0.1';
const closeNew = '2020-01-05,,,,,revenue,0.10000000000000001'; // isclose: unchanged
const changedOld = '2020-01-02,,,,,revenue,200';
const changedNew = '2020-01-02,,,,,revenue,"200.5"';
const gone = '2020-01-03,,,,,revenue,300';
const added = '2020-01-04,segment,segments,"Name with ""quotes""",s1,revenue,4';
const OLD = [REVENUE_HEADER, same, closeOld, changedOld, gone];
const NEW = [REVENUE_HEADER, added, closeNew, same, changedNew];

function pair(name: string, oldLines: readonly string[], newLines: readonly string[]) {
  const at = path.join(dir, name);
  return { old: writeCsv(at, 'old.csv', oldLines), new: writeCsv(at, 'new.csv', newLines), dir: at };
}

/** Data rows of a CSV file (records after the header). */
function dataRows(file: string): number {
  return parseCsvReference(fs.readFileSync(file, 'utf8')).records.length - 1;
}

describe('quintet diff', () => {
  it('writes the new header and the new and changed rows to --out, the old-only rows to --deleted, and the figures to stderr', async () => {
    const files = pair('metric', OLD, NEW);
    const out = path.join(files.dir, 'diff.csv');
    const deleted = path.join(files.dir, 'deleted.csv');
    const { stdout, stderr } = await quintet(
      'diff',
      files.old,
      files.new,
      '--metric',
      'revenue',
      '--out',
      out,
      '--deleted',
      deleted,
    );

    expect(fs.readFileSync(out, 'utf8')).toBe(csvText([REVENUE_HEADER, added, changedNew]));
    expect(fs.readFileSync(deleted, 'utf8')).toBe(csvText([REVENUE_HEADER, gone]));
    expect(stdout).toBe('');
    expect(stderr).toContain(
      'rows read: old 4, new 4; rows out 2 (new 1, changed 1); unchanged 2; deleted 1',
    );
    expect(stderr).toContain('duplicate keys: old 0, new 0');
  });

  it('accepts a metric alias and diffs on the c-revenue keys', async () => {
    const lifetime = '2015-07-01,15,2015-07-01,,,,,,c-revenue-pc,75.12679951100245';
    const month = (nth: number, value: string) => `2015-07-01,15,2015-08-01,${nth},,,,,c-revenue,${value}`;
    const files = pair(
      'c-revenue',
      [C_REVENUE_HEADER, lifetime, month(1, '10')],
      [C_REVENUE_HEADER, lifetime, month(1, '11'), month(2, '5')],
    );
    const out = path.join(files.dir, 'diff.csv');
    await quintet('diff', files.old, files.new, '--metric', 'cohort_revenue', '--out', out);
    expect(fs.readFileSync(out, 'utf8')).toBe(csvText([C_REVENUE_HEADER, month(1, '11'), month(2, '5')]));
  });

  it('warns on stderr about duplicate keys and keeps the last occurrence', async () => {
    const first = '2020-01-02,,,,,revenue,1';
    const files = pair('duplicates', OLD, [REVENUE_HEADER, first, changedNew]);
    const out = path.join(files.dir, 'diff.csv');
    const { stderr } = await quintet(
      'diff',
      files.old,
      files.new,
      '--keys',
      'date,segment_field,segment_value_id,stat',
      '--value',
      'value',
      '--out',
      out,
    );
    expect(stderr).toMatch(
      /^warning: new file: 1 duplicate key, last occurrence kept \(first at line 2, repeated at line 3\)$/m,
    );
    expect(fs.readFileSync(out, 'utf8')).toBe(csvText([REVENUE_HEADER, changedNew]));
  });
});

describe.concurrent('quintet diff as a command', () => {
  it('prints the diff on stdout without --out, and only the diff (the figures go to stderr), exiting 0', async () => {
    const header = 'id,kind,amount';
    const files = pair('stdout', [header, '1,a,1', '2,a,2'], [header, '2,a,3', '1,a,1', '3,b,0']);
    const result = await spawnQuintet(
      'diff',
      files.old,
      files.new,
      '--keys',
      'id, kind ',
      '--value',
      'amount',
    );
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(csvText([header, '2,a,3', '3,b,0']));
    expect(result.stderr).toMatch(/rows out 2 \(new 1, changed 1\)/);
  });

  it.each([
    ['the metric is unknown', ['--metric', 'profit'], /^quintet: unknown metric "profit" \(known: (.+)\)$/],
    [
      'neither --metric nor --keys and --value is given',
      [],
      /^quintet: give --metric, or --keys and --value$/,
    ],
    [
      '--keys comes without --value',
      ['--keys', 'date,stat'],
      /^quintet: give --metric, or --keys and --value$/,
    ],
    [
      '--memory-mb is not a positive whole number',
      ['--metric', 'revenue', '--memory-mb', '0'],
      /^quintet: --memory-mb must be a whole number of at least 1, got "0"$/,
    ],
  ])('exits 2 with one line saying so when %s', async (_condition, options, message) => {
    const files = pair(`bad-${options.join('-') || 'none'}`, OLD, NEW);
    const result = await spawnQuintet('diff', files.old, files.new, ...options);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr.trimEnd().split('\n')).toEqual([expect.stringMatching(message)]);
    const known = message.exec(result.stderr.trimEnd())?.[1];
    if (known) expect(known.split(', ').sort()).toEqual(METRICS.flatMap((m) => [m.id, ...m.aliases]).sort());
  });

  it('takes its memory budget from DIFF_MEMORY_MB unless --memory-mb is given, and names a bad value', async () => {
    // 60,000 rows: a key table of ~1.4 MB, more than a 1 MB budget.
    const rows = Array.from({ length: 60_000 }, (_, i) => `2020-01-01,seg,name,v${i},s${i},revenue,${i}`);
    const files = pair('budget', [REVENUE_HEADER, ...rows], [REVENUE_HEADER, ...rows.slice(1), added]);
    const out = path.join(files.dir, 'out.csv');
    const run = (env: Record<string, string>, ...extra: string[]) =>
      spawnQuintetWith(env, 'diff', files.old, files.new, '--metric', 'revenue', '--out', out, ...extra);
    const partitions = (stderr: string) => Number(/partitions (\d+)/.exec(stderr)?.[1]);
    const small = await run({ DIFF_MEMORY_MB: '1' });
    expect(small.code).toBe(0);
    expect(partitions(small.stderr)).toBeGreaterThan(1);
    const smallOut = fs.readFileSync(out, 'utf8');
    const flag = await run({ DIFF_MEMORY_MB: '1' }, '--memory-mb', '256');
    expect(partitions(flag.stderr)).toBe(1);
    expect(fs.readFileSync(out, 'utf8')).toBe(smallOut);
    expect(smallOut.split('\n').slice(1, -1)).toEqual([added]);
    const bad = await run({ DIFF_MEMORY_MB: 'lots' });
    expect(bad.code).toBe(2);
    expect(bad.stderr.trimEnd().split('\n')).toEqual([
      'quintet: DIFF_MEMORY_MB must be a whole number of at least 1, got "lots"',
    ]);
  });

  it('exits 2 with a line naming the file, the line and the reason when a row is ragged', async () => {
    const files = pair('ragged', OLD, [REVENUE_HEADER, added, '2020-01-02,,,revenue,1', same]);
    const result = await spawnQuintet('diff', files.old, files.new, '--metric', 'revenue');
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    const errors = result.stderr.split('\n').filter((l) => l.startsWith('quintet:'));
    expect(errors).toEqual([
      `quintet: new file ${files.new}, line 3: wrong number of fields: expected 7 (as in the header), got 5`,
    ]);
    expect(result.stderr).not.toMatch(/^\s+at /m); // no stack trace
  });

  it('exits 2 naming the file when an input file does not exist', async () => {
    const files = pair('missing', OLD, NEW);
    const missing = path.join(files.dir, 'nope.csv');
    const result = await spawnQuintet('diff', files.old, missing, '--metric', 'revenue');
    expect(result.code).toBe(2);
    expect(result.stderr.trimEnd().split('\n')).toEqual([
      expect.stringMatching(new RegExp(`^quintet: new file ${missing}: cannot open file`)),
    ]);
  });
});

describe('quintet seed diffing', () => {
  it("writes both metrics' export pairs, whose diffs have the new, changed and deleted rows it prints", async () => {
    const out = path.join(dir, 'seeded');
    const { stdout } = await quintet('seed', 'diffing', '--rows', '200', '--out', out, '--seed', '7');
    expect(fs.readdirSync(out).sort()).toEqual([
      'c_revenue_new.csv',
      'c_revenue_old.csv',
      'revenue_new.csv',
      'revenue_old.csv',
    ]);

    const lines = stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    const pattern =
      /^(\S+) \((\d+) rows\), (\S+) \((\d+) rows\): expect (\d+) new, (\d+) changed, (\d+) deleted$/;
    for (const line of lines) {
      const m = pattern.exec(line);
      expect(m, line).not.toBeNull();
      const [, oldPath, rowsOld, newPath, rowsNew, added, changed, deleted] = m!;
      expect(path.dirname(oldPath!)).toBe(out);
      expect(dataRows(oldPath!)).toBe(Number(rowsOld));
      expect(dataRows(newPath!)).toBe(Number(rowsNew));
      expect(Number(rowsOld)).toBeGreaterThanOrEqual(100);
      expect(Number(added) + Number(changed) + Number(deleted)).toBeGreaterThan(0);

      const metric = path.basename(oldPath!) === 'revenue_old.csv' ? 'revenue' : 'c-revenue';
      const diffFile = path.join(dir, `seeded-${metric}-diff.csv`);
      const deletedFile = path.join(dir, `seeded-${metric}-deleted.csv`);
      const { stderr } = await quintet(
        'diff',
        oldPath!,
        newPath!,
        '--metric',
        metric,
        '--out',
        diffFile,
        '--deleted',
        deletedFile,
      );
      expect(dataRows(diffFile), `${metric} new + changed`).toBe(Number(added) + Number(changed));
      expect(dataRows(deletedFile), `${metric} deleted`).toBe(Number(deleted));
      expect(stderr).toContain(`(new ${added}, changed ${changed})`);
    }
  });

  it('--shuffle writes the new rows in another order, with the same expected diff', async () => {
    const plain = path.join(dir, 'seed-plain');
    const shuffled = path.join(dir, 'seed-shuffled');
    const a = await quintet('seed', 'diffing', '--rows', '2000', '--out', plain, '--seed', '3');
    const b = await quintet(
      'seed',
      'diffing',
      '--rows',
      '2000',
      '--out',
      shuffled,
      '--seed',
      '3',
      '--shuffle',
    );
    expect(b.stdout.replaceAll(shuffled, plain)).toBe(a.stdout);
    for (const file of ['revenue_new.csv', 'c_revenue_new.csv']) {
      const before = fs.readFileSync(path.join(plain, file), 'utf8');
      const after = fs.readFileSync(path.join(shuffled, file), 'utf8');
      expect(after).not.toBe(before);
      expect(after.split('\n').sort()).toEqual(before.split('\n').sort());
    }
  });
});
