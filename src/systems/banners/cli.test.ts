// `quintet import banners` as a user runs it: a child process on a fresh data folder.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { impressionsOf, writeDataset } from '../../../test/support/banners.js';
import { spawnQuintetWith } from '../../../test/support/cli.js';
import { ADMIN_PASSWORD } from '../../../test/support/platform.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'quintet-banners-cli-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describe('quintet import banners', () => {
  const dataDir = path.join(root, 'data');
  const env = { DATA_DIR: dataDir, SYSTEMS: 'banners', ADMIN_PASSWORD, LOG_LEVEL: 'silent' };
  const run = (...args: string[]) => spawnQuintetWith(env, 'import', 'banners', ...args);

  it('imports a folder with subfolders 1–4 and the images, then refuses the same files again', async () => {
    const input = path.join(root, 'in');
    writeDataset(path.join(input, '1'), 1, {
      impressions: impressionsOf(5, [1, 2, 3]),
      clicks: ['1,1,5', '2,2,5', 'oops,2,5'],
      conversions: ['1,1,0.25'],
    });
    writeDataset(path.join(input, '3'), 3, { impressions: impressionsOf(5, [1, 2]), clicks: ['1,2,5'] });
    const images = path.join(root, 'images');
    fs.mkdirSync(images);
    fs.writeFileSync(path.join(images, 'image_1.png'), 'not really a png');
    fs.writeFileSync(path.join(images, 'notes.txt'), 'ignored');

    const first = await run(input, '--images', images);
    expect(first.code).toBe(0);
    expect(first.stdout).toContain(
      'quarter 1 clicks clicks_1.csv: loaded: read 3 rows, loaded 2, skipped 0 already imported, rejected 1, warnings 0',
    );
    expect(first.stdout).toContain('  rejected line 4: click_id "oops" is not a whole number');
    expect(first.stdout).toMatch(
      /quarter 1: 1 collections rebuilt \(revenue_then_clicks 1\); collections version 1/,
    );
    expect(first.stdout).toMatch(/quarter 3: 1 collections rebuilt \(clicks_top5 1\); collections version 2/);
    expect(first.stdout).toContain(
      `images: copied 1 to ${path.join(dataDir, 'banners', 'images')} (1 other files ignored)`,
    );
    expect(fs.readFileSync(path.join(dataDir, 'banners', 'images', 'image_1.png'), 'utf8')).toBe(
      'not really a png',
    );

    const again = await run('--quarter', '3', path.join(input, '3', 'clicks_3.csv'));
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(
      /quarter 3 clicks clicks_3.csv: duplicate: was already imported for quarter 3 as clicks_3.csv/,
    );
    expect(again.stdout).toContain('quarter 3: nothing new, collections unchanged');
  }, 60_000);

  it('stops with one line naming what is wrong', async () => {
    const cases: [string[], RegExp][] = [
      [[], /give the dataset files or folder, or --images DIR/],
      [['--quarter', '5', root], /--quarter must be 1, 2, 3 or 4, got "5"/],
      [[path.join(root, 'missing')], /missing does not exist/],
      [[dataDir], /has no subfolders 1, 2, 3 or 4/],
      [['a.csv', 'b.csv'], /give --quarter N to import several files/],
    ];
    for (const [args, message] of cases) {
      const r = await run(...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(message);
    }
  }, 60_000);

  it('exits with 1 when a file failed', async () => {
    const bad = path.join(root, 'bad');
    fs.mkdirSync(bad);
    fs.writeFileSync(path.join(bad, 'clicks_2.csv'), 'click_id,campaign_id\n1,2\n');
    const r = await run('--quarter', '2', bad);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(
      'quarter 2 clicks clicks_2.csv: failed: missing column banner_id (clicks need click_id,banner_id,campaign_id)',
    );
  }, 30_000);
});
