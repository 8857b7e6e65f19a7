import fs from 'node:fs';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { bannersPlatform, impressionsOf, writeDataset } from '../../../../test/support/banners.js';
import { describeEachDb, type TestPlatform } from '../../../../test/support/platform.js';
import { collectionsVersion, loadCollections } from '../collections.js';
import type { BannersService } from '../service.js';

const platforms: TestPlatform[] = [];
afterEach(async () => {
  while (platforms.length) await platforms.pop()!.dispose();
});

describeEachDb('banners import', (kind) => {
  async function setup() {
    const s = await bannersPlatform(kind);
    platforms.push(s.platform);
    return { ...s, dir: (name: string) => path.join(s.platform.dataDir, name) };
  }

  const load = async (service: BannersService, quarter: 1 | 2 | 3 | 4, files: string[]) =>
    service.importQuarter(quarter, await service.quarterFiles(files));

  it('loads a quarter, rebuilds its collections with exact revenue sums and bumps the version once', async () => {
    const { platform, service, dir } = await setup();
    const files = writeDataset(dir('q1'), 1, {
      impressions: [...impressionsOf(7, [1, 2, 3, 4, 5, 6], 2)],
      clicks: ['10,1,7', '11,1,7', '12,2,7', '13,3,7', '14,4,7', '15,5,7', '16,6,7'],
      // banner 1: 0.1 + 0.2 = 0.3 exactly; banner 2: 0.30002, 0.00002 more.
      conversions: [
        '100,10,0.1',
        '101,11,0.2',
        '102,12,0.30002',
        '103,13,0.000001',
        '104,14,1',
        '105,15,0.5',
      ],
    });
    expect(await collectionsVersion(platform.db)).toBe(0);
    const summary = await load(service, 1, files);
    expect(summary.files.map((f) => [f.kind, f.status, f.rowsLoaded])).toEqual([
      ['impressions', 'loaded', 12],
      ['clicks', 'loaded', 7],
      ['conversions', 'loaded', 6],
    ]);
    expect(summary.collections).toMatchObject({ campaigns: 1, version: 1, rules: { revenue_top_x: 1 } });
    expect(await collectionsVersion(platform.db)).toBe(1);
    const [c] = await loadCollections(platform.db);
    expect(c).toMatchObject({ campaignId: 7, quarter: 1, rule: 'revenue_top_x' });
    expect(c!.banners.map((b) => [b.bannerId, b.revenueMicros, b.conversions, b.clicks])).toEqual([
      [4, 1_000_000, 1, 1],
      [5, 500_000, 1, 1],
      [2, 300_020, 1, 1],
      [1, 300_000, 2, 2],
      [3, 1, 1, 1],
    ]);
  });

  it('rejects a file whose content was already imported, lists it, and leaves the collections alone', async () => {
    const { platform, service, dir } = await setup();
    const files = writeDataset(dir('q2'), 2, {
      impressions: impressionsOf(1, [1, 2, 3]),
      clicks: ['1,1,1', '2,2,1'],
    });
    await load(service, 2, files);
    // The same bytes under another name, given again.
    const copy = path.join(dir('elsewhere'), 'renamed_clicks.csv');
    fs.mkdirSync(path.dirname(copy), { recursive: true });
    fs.copyFileSync(files[1]!, copy);
    const again = await load(service, 2, [...files, copy]);
    expect(again.files.map((f) => f.status)).toEqual(['duplicate', 'duplicate', 'duplicate']);
    expect(again.files[0]!.error).toMatch(
      /^was already imported for quarter 2 as impressions_2.csv \(import #\d+\): not loaded again$/,
    );
    expect(again.files.some((f) => /same content as clicks_2\.csv in this import/.test(f.error ?? ''))).toBe(
      true,
    );
    expect(again.collections).toBeNull();
    expect(await collectionsVersion(platform.db)).toBe(1);
    // Impressions were not counted twice.
    const overview = await service.adminOverview();
    expect(overview.imports.filter((i) => i.status === 'duplicate')).toHaveLength(3);
    const [c] = await loadCollections(platform.db);
    expect(c!.banners.map((b) => b.clicks).slice(0, 2)).toEqual([1, 1]);
  });

  it('skips and counts rows whose click_id or conversion_id was already imported or repeats in the file', async () => {
    const { platform, service, dir } = await setup();
    await load(
      service,
      3,
      writeDataset(dir('a'), 3, {
        impressions: impressionsOf(1, [1, 2]),
        clicks: ['1,1,1', '2,2,1'],
        conversions: ['50,1,1.5'],
      }),
    );
    const second = await load(
      service,
      3,
      writeDataset(dir('b'), 3, {
        clicks: ['2,2,1', '3,2,1', '3,2,1', '4,1,1'],
        conversions: ['50,1,9.99', '51,3,2.25', '51,3,2.25'],
      }),
    );
    const [clicks, conversions] = second.files;
    expect(clicks).toMatchObject({ rowsRead: 4, rowsLoaded: 2, rowsSkipped: 2, rowsRejected: 0 });
    expect(conversions).toMatchObject({ rowsRead: 3, rowsLoaded: 1, rowsSkipped: 2, rowsRejected: 0 });
    expect(second.collections?.version).toBe(2);
    const [c] = await loadCollections(platform.db);
    // Banner 2: clicks 2 and 3, conversion 51 (2.25) beats banner 1's 1.5 (the repeated 50 was skipped, not summed).
    expect(c!.banners.slice(0, 2).map((b) => [b.bannerId, b.revenueMicros, b.clicks])).toEqual([
      [2, 2_250_000, 2],
      [1, 1_500_000, 2],
    ]);
  });

  it('rejects bad rows with their line and reason and loads the rest; warns of clicks without impressions', async () => {
    const { service, dir } = await setup();
    const summary = await load(
      service,
      4,
      writeDataset(dir('bad'), 4, {
        impressions: ['1,9', 'x,9', '2', '', '3,9', '4,9,extra'],
        clicks: ['10,1,9', '11,abc,9', '12,2,9', '13,3,9'],
        conversions: ['1,10,0.5', '2,999,1.0', '3,12,-4', '4,13,lots', '5,12,', '6,13,0.1234567', '7,13,2'],
      }),
    );
    const [impressions, clicks, conversions] = summary.files;
    expect(impressions).toMatchObject({ rowsRead: 5, rowsLoaded: 2, rowsRejected: 3 });
    expect(impressions!.rejectedExamples).toEqual([
      { line: 3, reason: 'banner_id "x" is not a whole number' },
      { line: 4, reason: 'missing column campaign_id' },
      { line: 7, reason: "more fields than the header's 2" },
    ]);
    expect(clicks).toMatchObject({ rowsRead: 4, rowsLoaded: 3, rowsRejected: 1, warnings: 1 });
    expect(clicks!.rejectedExamples).toEqual([{ line: 3, reason: 'banner_id "abc" is not a whole number' }]);
    expect(clicks!.warningExamples).toEqual([
      { line: 4, reason: 'click 12: banner 2 has no impression in campaign 9 in quarter 4 (kept)' },
    ]);
    expect(conversions).toMatchObject({ rowsRead: 7, rowsLoaded: 2, rowsRejected: 5 });
    expect(conversions!.rejectedExamples).toEqual([
      { line: 3, reason: "conversion 2: click 999 is not in quarter 4's clicks" },
      { line: 4, reason: 'revenue "-4" is negative' },
      { line: 5, reason: 'revenue "lots" is not a number' },
      { line: 6, reason: 'revenue is empty' },
      { line: 7, reason: 'revenue "0.1234567" has more than 6 decimals' },
    ]);
    const collection = await service.collection(9, 4);
    expect(collection.rule).toBe('revenue_then_clicks');
    // The click kept despite its warning counts: banner 2 is in by clicks.
    expect(collection.banners.map((b) => [b.banner_id, b.pick])).toEqual([
      [3, 'revenue'],
      [1, 'revenue'],
      [2, 'clicks'],
    ]);
  });

  it('refuses a whole file with a missing column or no header, naming it, and loads the others', async () => {
    const { service, dir } = await setup();
    const d = dir('cols');
    fs.mkdirSync(d, { recursive: true });
    fs.writeFileSync(path.join(d, 'clicks_1.csv'), 'click_id,banner_id\n1,2\n');
    fs.writeFileSync(path.join(d, 'conversions_1.csv'), '');
    fs.writeFileSync(path.join(d, 'other.csv'), 'a,b\n1,2\n');
    writeDataset(d, 1, { impressions: impressionsOf(1, [1, 2]) });
    const summary = await load(service, 1, [d]);
    const byName = Object.fromEntries(summary.files.map((f) => [f.fileName, f]));
    expect(byName['clicks_1.csv']).toMatchObject({
      status: 'failed',
      error: 'missing column campaign_id (clicks need click_id,banner_id,campaign_id)',
    });
    expect(byName['conversions_1.csv']).toMatchObject({
      status: 'failed',
      error: 'is empty (no header line)',
    });
    expect(byName['other.csv']!.status).toBe('failed');
    expect(byName['other.csv']!.error).toMatch(/^is not a dataset file/);
    expect(byName['impressions_1.csv']).toMatchObject({ status: 'loaded', rowsLoaded: 2 });
    // Nothing but impressions: the campaign's collection is random banners of it.
    expect((await service.collection(1, 1)).banners.map((b) => b.pick)).toEqual(['random', 'random']);
  });

  it('recomputes only the re-imported quarter, atomically: other quarters keep their rows', async () => {
    const { platform, service, dir } = await setup();
    await load(
      service,
      1,
      writeDataset(dir('q1'), 1, { impressions: impressionsOf(1, [1]), clicks: ['1,1,1'] }),
    );
    await load(
      service,
      2,
      writeDataset(dir('q2'), 2, { impressions: impressionsOf(1, [5]), clicks: ['1,5,1'] }),
    );
    const before = await loadCollections(platform.db);
    const summary = await load(service, 2, writeDataset(dir('q2b'), 2, { clicks: ['2,6,1', '3,6,1'] }));
    expect(summary.files[0]!.warnings).toBe(2); // banner 6 has no impressions in quarter 2
    const after = await loadCollections(platform.db);
    expect(after.find((c) => c.quarter === 1)).toEqual(before.find((c) => c.quarter === 1));
    expect(after.find((c) => c.quarter === 2)!.banners.map((b) => b.bannerId)).toEqual([6, 5]);
    expect(await collectionsVersion(platform.db)).toBe(3);
  });

  it('never lets a reader see a half-rebuilt quarter while a re-import commits', async () => {
    const { platform, service, dir } = await setup();
    const banners = Array.from({ length: 30 }, (_, i) => i + 1);
    const campaigns = Array.from({ length: 40 }, (_, i) => i + 1);
    await load(
      service,
      1,
      writeDataset(dir('a'), 1, {
        impressions: campaigns.flatMap((c) => impressionsOf(c, banners)),
        clicks: campaigns.flatMap((c, i) => banners.map((b, j) => `${i * 100 + j},${b},${c}`)),
      }),
    );
    const before = JSON.stringify(await loadCollections(platform.db));
    const reimport = load(
      service,
      1,
      writeDataset(dir('b'), 1, {
        clicks: campaigns.flatMap((c, i) => banners.map((b, j) => `${10_000 + i * 100 + j},${31 - b},${c}`)),
        conversions: campaigns.map((_, i) => `${i},${i * 100 + 7},1.5`),
      }),
    );
    const seen = new Set<string>();
    let done = false;
    void reimport.finally(() => (done = true));
    while (!done) {
      seen.add(JSON.stringify(await loadCollections(platform.db)));
      await new Promise((resolve) => setImmediate(resolve)); // let the import's file reads in
    }
    await reimport;
    const after = JSON.stringify(await loadCollections(platform.db));
    expect(after).not.toBe(before);
    for (const state of seen) expect([before, after]).toContain(state);
  });

  it("replaces a quarter's dataset with --replace: nothing of the old data remains, the same files load again", async () => {
    const { platform, service, dir } = await setup();
    const a = writeDataset(dir('a'), 1, {
      impressions: impressionsOf(1, [1, 2, 3]),
      clicks: ['1,1,1', '2,2,1'],
    });
    const b = writeDataset(dir('b'), 1, {
      impressions: impressionsOf(1, [7, 8]),
      clicks: ['1,8,1', '5,7,1', '6,7,1'],
    });
    await load(service, 1, a);
    const first = await loadCollections(platform.db);
    await load(service, 2, writeDataset(dir('q2'), 2, { impressions: impressionsOf(1, [4]) }));
    const replaced = await service.importQuarter(1, await service.quarterFiles(b), { replace: true });
    expect(replaced.files.map((f) => f.status)).toEqual(['loaded', 'loaded']);
    const q1 = (await loadCollections(platform.db)).find((c) => c.quarter === 1)!;
    expect(q1.banners.map((x) => [x.bannerId, x.clicks])).toEqual([
      [7, 2],
      [8, 1],
    ]);
    // Click 1 of the old data did not block click 1 of the new: the old rows are gone.
    expect(replaced.files[1]).toMatchObject({ rowsLoaded: 3, rowsSkipped: 0 });
    const back = await service.importQuarter(1, await service.quarterFiles(a), { replace: true });
    expect(back.files.map((f) => f.status)).toEqual(['loaded', 'loaded']);
    expect((await loadCollections(platform.db)).find((c) => c.quarter === 1)).toEqual(first[0]);
  });

  it('reads real-world CSV: a BOM, CRLF line ends, quoted fields, columns in another order, no final newline', async () => {
    const { service, dir } = await setup();
    const d = dir('crlf');
    fs.mkdirSync(d, { recursive: true });
    fs.writeFileSync(path.join(d, 'impressions.csv'), '\ufeffcampaign_id,banner_id\r\n4,1\r\n"4","2"\r\n4,3');
    fs.writeFileSync(path.join(d, 'clicks.csv'), 'campaign_id,banner_id,click_id\r\n4,2,77\r\n');
    fs.writeFileSync(path.join(d, 'conversions.csv'), 'revenue,click_id,conversion_id\r\n"0.5",77,1\r\n');
    const summary = await load(service, 1, [d]);
    expect(summary.files.map((f) => [f.kind, f.rowsLoaded, f.rowsRejected, f.warnings])).toEqual([
      ['impressions', 3, 0, 0],
      ['clicks', 1, 0, 0],
      ['conversions', 1, 0, 0],
    ]);
    const c = await service.collection(4, 1);
    expect(c.banners[0]).toEqual({ banner_id: 2, revenue: 0.5, conversions: 1, clicks: 1, pick: 'revenue' });
  });

  it('fails a file that is not valid CSV, naming the line, and does not count its uncommitted clicks as known', async () => {
    const { service, dir } = await setup();
    const d = dir('broken');
    writeDataset(d, 2, { impressions: impressionsOf(1, [1]), conversions: ['1,5,1.0', '2,6,1.0'] });
    fs.writeFileSync(path.join(d, 'clicks_2.csv'), 'click_id,banner_id,campaign_id\n5,1,1\n6,1,"1\n');
    const summary = await load(service, 2, [d]);
    const clicks = summary.files.find((f) => f.kind === 'clicks')!;
    expect(clicks.status).toBe('failed');
    expect(clicks.error).toMatch(/^is not valid CSV: line 3: /);
    const conversions = summary.files.find((f) => f.kind === 'conversions')!;
    expect(conversions).toMatchObject({ rowsLoaded: 0, rowsRejected: 2 });
    expect(conversions.rejectedExamples[0]!.reason).toBe(
      "conversion 1: click 5 is not in quarter 2's clicks",
    );
  });

  it('loads a file once when two imports of it run at the same time', async () => {
    const { service, dir } = await setup();
    const [impressions, clicks] = writeDataset(dir('race'), 3, {
      impressions: impressionsOf(6, [1, 2, 3], 3),
      clicks: ['1,1,6', '2,1,6', '3,2,6'],
    });
    const results = await Promise.all([
      load(service, 3, [impressions!, clicks!]),
      load(service, 3, [impressions!, clicks!]),
    ]);
    const statuses = results.flatMap((r) => r.files.map((f) => `${f.kind}:${f.status}`)).sort();
    expect(statuses).toEqual([
      'clicks:duplicate',
      'clicks:loaded',
      'impressions:duplicate',
      'impressions:loaded',
    ]);
    const overview = await service.adminOverview();
    expect(
      overview.imports
        .filter((i) => i.status === 'loaded')
        .map((i) => i.rows_loaded)
        .sort(),
    ).toEqual([3, 9]);
    const c = await service.collection(6, 3);
    expect(c.banners.map((b) => [b.banner_id, b.clicks])).toEqual([
      [1, 2],
      [2, 1],
      [3, 0],
    ]);
  });
});
