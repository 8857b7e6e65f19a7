import { afterEach, expect, it } from 'vitest';
import path from 'node:path';
import { bannersPlatform, impressionsOf, writeDataset } from '../../../test/support/banners.js';
import { describeEachDb, type TestPlatform } from '../../../test/support/platform.js';
import { createPlatform } from '../../platform/platform.js';
import { createBannersService } from './service.js';
import { bannersSettings } from './settings.js';
import { collectionsVersion, loadCollections, recordServed, servedKey } from './collections.js';
import { replaceCollections, servedRows } from './repository.js';

const platforms: TestPlatform[] = [];
afterEach(async () => {
  while (platforms.length) await platforms.pop()!.dispose();
});

describeEachDb('banners collections module', (kind) => {
  async function setup() {
    const s = await bannersPlatform(kind);
    platforms.push(s.platform);
    return s.platform;
  }

  it('adds served impressions to what is stored, in batches larger than one statement', async () => {
    const platform = await setup();
    const many = new Map<string, number>();
    for (let c = 1; c <= 30; c++) for (let b = 1; b <= 40; b++) many.set(servedKey(c, b), c * b);
    await recordServed(platform.db, many);
    await recordServed(
      platform.db,
      new Map([
        [servedKey(30, 40), 1],
        [servedKey(99, 1), 0],
        [servedKey(2, 3), 10],
      ]),
    );
    const rows = await servedRows(platform.db);
    expect(rows).toHaveLength(1200); // a zero count writes nothing
    expect(rows.find((r) => r.campaignId === 30 && r.bannerId === 40)!.served).toBe(1201);
    expect(rows.find((r) => r.campaignId === 2 && r.bannerId === 3)!.served).toBe(16);
    expect(rows.reduce((s, r) => s + r.served, 0)).toBe(((30 * 31) / 2) * ((40 * 41) / 2) + 11);
  });

  it('refuses a malformed key or count and writes nothing of that batch', async () => {
    const platform = await setup();
    await expect(recordServed(platform.db, new Map([['1-2', 3]]))).rejects.toThrow(
      '"1-2" is not "campaign:banner"',
    );
    await expect(
      recordServed(
        platform.db,
        new Map([
          [servedKey(1, 1), 2],
          [servedKey(1, 2), -1],
        ]),
      ),
    ).rejects.toThrow('bad count -1');
    expect(await servedRows(platform.db)).toEqual([]);
  });

  it('loads collections by campaign and quarter in rank order, and bumps the version per rebuild', async () => {
    const platform = await setup();
    const row = (campaign_id: number, quarter: number, rank: number, banner_id: number) => ({
      campaign_id,
      quarter,
      rank,
      banner_id,
      rule: 'clicks_top5',
      pick: 'clicks',
      revenue_micros: 0,
      conversions: 0,
      clicks: 5 - rank,
    });
    expect(
      await replaceCollections(platform.db, 2, [row(9, 2, 1, 4), row(9, 2, 0, 7), row(1, 2, 0, 3)]),
    ).toBe(1);
    expect(await replaceCollections(platform.db, 1, [row(9, 1, 0, 8)])).toBe(2);
    expect(await collectionsVersion(platform.db)).toBe(2);
    const loaded = await loadCollections(platform.db);
    expect(loaded.map((c) => [c.campaignId, c.quarter, c.banners.map((b) => b.bannerId)])).toEqual([
      [1, 2, [3]],
      [9, 1, [8]],
      [9, 2, [7, 4]],
    ]);
    // A rebuild replaces its quarter only.
    await replaceCollections(platform.db, 2, [row(1, 2, 0, 5)]);
    expect((await loadCollections(platform.db)).map((c) => [c.campaignId, c.quarter])).toEqual([
      [1, 2],
      [9, 1],
    ]);
  });

  it('shows a second instance on the same database the new version and collections once an import commits', async () => {
    const platform = await setup();
    const other = createPlatform(platform.config); // another app instance: its own connections
    try {
      const before = await collectionsVersion(other.db);
      const service = createBannersService(platform, bannersSettings(platform.config));
      const files = writeDataset(path.join(platform.dataDir, 'in'), 4, {
        impressions: impressionsOf(2, [1, 2]),
        clicks: ['1,2,2'],
      });
      await service.importQuarter(4, await service.quarterFiles(files));
      expect(await collectionsVersion(other.db)).toBe(before + 1);
      expect(await loadCollections(other.db)).toEqual(await loadCollections(platform.db));
    } finally {
      await other.close();
    }
  });
});
