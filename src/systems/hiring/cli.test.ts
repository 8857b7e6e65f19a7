import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { spawnQuintetWith } from '../../../test/support/cli.js';
import { legacyRows, tempDir, writeLegacyFile } from '../../../test/support/hiring-legacy.js';
import { importReport } from './cli.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

describe('quintet import hiring: the report', () => {
  const summary = (warnings: number, examples: number) => ({
    read: 20,
    imported: 19,
    rejected: [{ id: 20, reason: 'no email' }],
    warnings,
    warningExamples: Array.from({ length: examples }, (_, i) => `id ${i + 1}: no phone`),
  });

  it('says how many rows with warnings it did not list', () => {
    const lines = importReport(summary(17, 10), 1.25);
    expect(lines[0]).toBe('rejected id 20: no email');
    expect(lines.filter((l) => l.startsWith('warning id '))).toHaveLength(10);
    expect(lines).toContain('warning … and 7 more rows with warnings, not listed');
    expect(lines.at(-1)).toMatch(/^read 20 rows in 1\.3 s: imported 19, rejected 1, kept with warnings 17 /);
  });

  it('says nothing more when every row with warnings is listed, and counts one in the singular', () => {
    expect(importReport(summary(3, 3), 1).some((l) => l.includes('more'))).toBe(false);
    expect(importReport(summary(11, 10), 1)).toContain('warning … and 1 more row with warnings, not listed');
  });

  it('prints it from the command line, after the first examples', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const file = writeLegacyFile(path.join(dir, 'legacy.sqlite3'), [...legacyRows(25, 'historical')]);
    const env = { DATA_DIR: path.join(dir, 'data'), SYSTEMS: 'hiring', LOG_LEVEL: 'warn' };
    expect((await spawnQuintetWith(env, 'migrate')).code).toBe(0);
    const run = await spawnQuintetWith(env, 'import', 'hiring', file);
    expect(run.stderr).not.toMatch(/Error/);
    expect(run.code).toBe(0);
    const lines = run.stdout.split('\n');
    expect(
      lines.filter((l) => /^warning id \d+: phone "\d+-000-\d+" would be refused today$/.test(l)),
    ).toHaveLength(10);
    expect(lines).toContain('warning … and 15 more rows with warnings, not listed');
    expect(run.stdout).toMatch(/imported 25, rejected 0, kept with warnings 25 /);
  }, 60_000);
});
