// `quintet import|seed|report uptime`: what they print and write, and bad input as one line with
// exit code 2. Most runs are in this process (run() is what bin/quintet calls); one is spawned to
// show the real exit code.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { spawnQuintetWith } from '../../../test/support/cli.js';
import { V1, V2, writeLines } from '../../../test/support/uptime.js';
import { REPORT_CSV_HEADER } from './report.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'quintet-uptime-cli-'));
const env = { DATA_DIR: path.join(dir, 'data'), LOG_LEVEL: 'silent', SYSTEMS: 'uptime' };
const saved = { ...process.env };
Object.assign(process.env, env); // main.ts parses the environment once, on first use
afterAll(() => {
  process.env = saved;
  fs.rmSync(dir, { recursive: true, force: true });
});
afterEach(() => {
  vi.restoreAllMocks();
  process.exitCode = undefined;
});

/** Runs `quintet …` in this process as bin/quintet does; returns its output and exit code. */
async function quintet(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const { run } = await import('../../main.js');
  let stdout = '';
  let stderr = '';
  vi.spyOn(console, 'log').mockImplementation(
    (...parts: unknown[]) => void (stdout += `${parts.join(' ')}\n`),
  );
  vi.spyOn(console, 'error').mockImplementation(
    (...parts: unknown[]) => void (stderr += `${parts.join(' ')}\n`),
  );
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  });
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  });
  try {
    await run(['node', 'quintet', ...args]);
  } finally {
    vi.restoreAllMocks();
  }
  const code = Number(process.exitCode ?? 0);
  process.exitCode = undefined;
  return { code, stdout, stderr };
}

const oneLine = (text: string) => text.trim().split('\n');

describe('quintet report|import|seed uptime', () => {
  it('refuses a report with nothing to report on, in one line with exit code 2 (spawned)', async () => {
    const out = path.join(dir, 'empty-report.csv');
    const run = await spawnQuintetWith(env, 'report', 'uptime', '--out', out);
    expect(run.code).toBe(2);
    expect(oneLine(run.stderr).at(-1)).toBe(
      'quintet: there are no polls: import some first (quintet import uptime)',
    );
    expect(fs.existsSync(out)).toBe(false);
  });

  it('says what is wrong with the arguments in one line, exit code 2', async () => {
    const cases: [string[], string][] = [
      [['import', 'uptime'], 'quintet: give at least one of --status, --hours, --timezones'],
      [
        ['import', 'uptime', '--status', path.join(dir, 'missing.csv')],
        'quintet: status file missing.csv does not exist',
      ],
      [
        [
          'import',
          'uptime',
          '--hours',
          writeLines(dir, 'bad-hours.csv', ['store_id,weekday,start,end', 'a,1,x,y']),
        ],
        'quintet: hours file bad-hours.csv: missing columns dayOfWeek or day, start_time_local, end_time_local (expected store_id,dayOfWeek,start_time_local,end_time_local)',
      ],
      [
        ['report', 'uptime', '--now', 'soon'],
        expect.stringMatching(/^quintet: --now: 'soon' is not a timestamp/) as never,
      ],
      [
        ['report', 'uptime', '--out', path.join(dir, 'no-such-dir', 'r.csv')],
        `quintet: --out ${path.join(dir, 'no-such-dir', 'r.csv')}: no such directory`,
      ],
      [
        ['seed', 'uptime', '--days', '2', '--out', path.join(dir, 'x.csv')],
        expect.stringContaining('give --hours or --timezones') as never,
      ],
      [
        ['seed', 'uptime', '--hours', path.join(V2, 'menu_hours.csv'), '--days', '0', '--out', 'x.csv'],
        'quintet: --days must be a whole number of at least 1, got "0"',
      ],
      [
        [
          'seed',
          'uptime',
          '--hours',
          path.join(V2, 'menu_hours.csv'),
          '--days',
          '1',
          '--out',
          'x.csv',
          '--end',
          'later',
        ],
        expect.stringMatching(/^quintet: --end: 'later' is not a timestamp/) as never,
      ],
    ];
    for (const [args, message] of cases) {
      const result = await quintet(...args);
      expect(result.code, args.join(' ')).toBe(2);
      expect(oneLine(result.stderr).at(-1), args.join(' ')).toEqual(message);
    }
  });

  it('imports the real files, seeds polls for their stores and reports with the same engine as the job', async () => {
    const imported = await quintet(
      'import',
      'uptime',
      '--status',
      path.join(V1, 'store_status_first10k_rows.csv'),
      '--timezones',
      path.join(V1, 'timezones.csv'),
    );
    expect(imported.code).toBe(0);
    expect(imported.stdout).toContain(
      'timezones timezones.csv: read 13559 rows of 13559 stores: loaded 13559, rejected 0',
    );
    expect(imported.stdout).toContain(
      'status store_status_first10k_rows.csv: read 9999 rows of 6424 stores: loaded 9999, 0 already stored, rejected 0',
    );
    expect(imported.stderr).toContain('importing');

    const out = path.join(dir, 'report.csv');
    const report = await quintet('report', 'uptime', '--now', '2023-01-25 18:13:22 UTC', '--out', out);
    expect(report.code).toBe(0);
    expect(report.stderr).toMatch(/report at 2023-01-25T18:13:22\.000Z: 6424 stores, \d+ polls read/);
    const lines = fs.readFileSync(out, 'utf8').split('\n');
    expect(lines[0] + '\n').toBe(REPORT_CSV_HEADER);
    expect(lines.filter(Boolean)).toHaveLength(1 + 6424);
    const ids = lines.slice(1, -1).map((l) => l.split(',')[0]!);
    expect(ids).toEqual([...ids].sort());
    const toStdout = await quintet('report', 'uptime', '--now', '2023-01-25 18:13:22 UTC');
    expect(toStdout.stdout).toBe(fs.readFileSync(out, 'utf8'));

    const seeded = path.join(dir, 'seeded.csv');
    const seed = await quintet(
      'seed',
      'uptime',
      '--hours',
      path.join(V2, 'menu_hours.csv'),
      '--timezones',
      path.join(V2, 'timezones.csv'),
      '--days',
      '1',
      '--max-stores',
      '20',
      '--end',
      '2024-10-15 00:00:00 UTC',
      '--out',
      seeded,
    );
    expect(seed.code).toBe(0);
    const rows = fs.readFileSync(seeded, 'utf8').trim().split('\n');
    expect(rows[0]).toBe('store_id,status,timestamp_utc');
    expect(seed.stdout).toContain(`wrote ${rows.length - 1} polls of 20 stores`);
    expect(new Set(rows.slice(1).map((r) => r.split(',')[0])).size).toBeLessThanOrEqual(20);
    expect(
      rows
        .slice(1)
        .every((r) => /^[0-9a-f-]{36},(active|inactive),2024-10-1[45] \d\d:\d\d:\d\d(\.\d+)? UTC$/.test(r)),
    ).toBe(true);
    const again = await quintet('import', 'uptime', '--status', seeded);
    expect(again.stdout).toContain(`loaded ${rows.length - 1}, 0 already stored, rejected 0`);

    // One of each is said as one.
    const single = path.join(dir, 'single.csv');
    fs.writeFileSync(single, 'store_id,status,timestamp_utc\nlone-store,active,2030-01-01 00:00:00 UTC\n');
    const one = await quintet('import', 'uptime', '--status', single);
    expect(one.stdout).toContain('status single.csv: read 1 row of 1 store: loaded 1, 0 already stored');
    const latest = await quintet('report', 'uptime', '--now', '2021-01-01 00:00:00 UTC', '--out', out);
    expect(latest.stderr).toMatch(/: 0 stores, 0 polls read, /);
  });
});
