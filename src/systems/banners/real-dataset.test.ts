// The original assignment's dataset (../shared/data/banners, when present): imported through the
// CLI's path, its 200 collections must equal those an independent reading of the raw CSV files
// gives (test/support/banners-reference.ts).
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bannersPlatform, hasRealData, REAL_DATA } from '../../../test/support/banners.js';
import { referenceCollections, type ReferenceCollection } from '../../../test/support/banners-reference.js';
import { describeEachDb, type TestPlatform } from '../../../test/support/platform.js';
import { loadCollections, type Collection } from './collections.js';
import type { QuarterSummary } from './import/importer.js';
import type { BannersService } from './service.js';

describe.skipIf(!hasRealData())('the real banners dataset', () => {
  describeEachDb('imported', (kind) => {
    let platform: TestPlatform;
    let service: BannersService;
    let summaries: QuarterSummary[];
    let collections: Collection[];
    let reference: ReferenceCollection[];

    beforeAll(async () => {
      ({ platform, service } = await bannersPlatform(kind));
      summaries = [];
      for (const { quarter, files } of await service.allQuarterFiles(path.join(REAL_DATA, 'csv')))
        summaries.push(await service.importQuarter(quarter, files));
      collections = await loadCollections(platform.db);
      reference = [1, 2, 3, 4].flatMap((q) =>
        referenceCollections(path.join(REAL_DATA, 'csv', String(q)), q),
      );
    }, 120_000);
    afterAll(async () => platform?.dispose());

    it('loads every row of the twelve files, with nothing rejected', () => {
      const files = summaries.flatMap((s) => s.files);
      expect(files).toHaveLength(12);
      for (const f of files) {
        expect(f.status).toBe('loaded');
        expect(f.rowsRejected).toBe(0);
        expect(f.rowsLoaded + f.rowsSkipped).toBe(f.rowsRead);
      }
      const impressions = files.filter((f) => f.kind === 'impressions');
      expect(impressions.map((f) => f.rowsLoaded)).toEqual([150_000, 150_000, 150_000, 150_000]);
    });

    it('has the 200 collections the reference computes from the raw files, in rank order', () => {
      expect(reference).toHaveLength(200);
      expect(collections).toHaveLength(200);
      for (const ref of reference) {
        const mine = collections.find((c) => c.campaignId === ref.campaignId && c.quarter === ref.quarter);
        const label = `campaign ${ref.campaignId} quarter ${ref.quarter}`;
        expect(mine, label).toBeDefined();
        expect(mine!.rule, label).toBe(ref.rule);
        expect(mine!.banners.length, label).toBe(ref.ranked.length + ref.randomCount);
        const ranked = mine!.banners.slice(0, ref.ranked.length);
        expect(
          ranked.map((b) => [b.bannerId, BigInt(b.revenueMicros), b.conversions, b.clicks]),
          label,
        ).toEqual(ref.ranked.map((b) => [b.bannerId, b.revenueMicros, b.conversions, b.clicks]));
        for (const b of mine!.banners.slice(ref.ranked.length)) expect(ref.randomPool).toContain(b.bannerId);
      }
    });

    it('answers the API with revenue in currency units at full precision', async () => {
      const ref = reference.find((r) => r.quarter === 2 && r.campaignId === 17)!;
      const view = await service.collection(17, 2);
      expect(view.banners.map((b) => b.revenue)).toEqual(
        ref.ranked.map((b) => Number(b.revenueMicros) / 1e6),
      );
    });
  });
});
