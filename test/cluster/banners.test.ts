// Campaign banners across the cluster: a re-import on one instance changes what the other serves
// within a second (each instance polls the collections version), and a visitor's rotation (a
// signed cookie) holds when its requests alternate between the instances.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeDataset, type DatasetLines } from '../support/banners.js';
import { HttpSession, hasNginx, startCluster, type Cluster } from '../support/cluster.js';
import { hasPostgres, hasRedis } from '../support/platform.js';

const CAMPAIGN = 7;
const QUARTERS = [1, 2, 3, 4] as const;

/**
 * One quarter's dataset for CAMPAIGN: ten converting banners (so its collection is exactly those
 * ten, `revenue_top10`) and two that were only shown. Ids differ per quarter, so no two files
 * have the same bytes (a repeated file is refused as a duplicate).
 */
function dataset(quarter: number, converting: readonly number[], shownOnly: readonly number[]): DatasetLines {
  const base = quarter * 100_000 + converting[0]! * 100;
  return {
    impressions: [...converting, ...shownOnly].map((b) => `${b},${CAMPAIGN}`),
    clicks: converting.map((b, i) => `${base + i},${b},${CAMPAIGN}`),
    conversions: converting.map((_b, i) => `${base + i},${base + i},${(10 + i).toFixed(2)}`),
  };
}

const FIRST = Array.from({ length: 10 }, (_, i) => 101 + i);
const SECOND = Array.from({ length: 10 }, (_, i) => 201 + i);

const bannerOf = (html: string) => Number(/\/banners\/image_(\d+)\.png/.exec(html)?.[1]);

describe.skipIf(!hasPostgres() || !hasRedis() || !hasNginx())(
  'cluster: banners served by every instance after a re-import on one, rotation across instances',
  () => {
    let cluster: Cluster;
    let a: string;
    let b: string;
    let dir: string;

    beforeAll(async () => {
      cluster = await startCluster({ systems: 'hiring,diffing,uptime,banners,surveys' });
      [a, b] = cluster.instances as [string, string];
      dir = path.join(cluster.env.DATA_DIR!, 'banners-test');
      for (const q of QUARTERS)
        writeDataset(path.join(dir, 'first', String(q)), q, dataset(q, FIRST, [111, 112]));
      const imported = await cluster.run(['import', 'banners', path.join(dir, 'first')]);
      expect(imported.code, imported.output).toBe(0);
    }, 120_000);

    afterAll(async () => {
      await cluster?.stop();
    });

    /** The banner a new visitor (no cookie) is shown on `base`. */
    const served = async (base: string) => {
      const res = await fetch(`${base}/campaigns/${CAMPAIGN}`);
      if (res.status !== 200) throw new Error(`${base}/campaigns/${CAMPAIGN}: ${res.status}`);
      return bannerOf(await res.text());
    };

    it('serves a re-import made on A from B within a second', async () => {
      // Both instances serve the first collection (loaded at start or by the version poll).
      for (const base of [a, b]) {
        const deadline = Date.now() + 5000;
        while (!FIRST.includes(await served(base).catch(() => NaN))) {
          if (Date.now() > deadline) throw new Error(`${base} never served the first import`);
          await new Promise((r) => setTimeout(r, 50));
        }
      }

      const admin = new HttpSession();
      expect((await admin.post(a, '/api/admin/login', { password: 'cluster-password' })).status).toBe(200);
      // The current quarter last, so that its import is the one B has to catch up with.
      const current = Math.floor(new Date().getUTCMinutes() / 15) + 1;
      const order = [...QUARTERS.filter((q) => q !== current), current];
      let importedAt = 0;
      for (const q of order) {
        const files = writeDataset(path.join(dir, 'second', String(q)), q, dataset(q, SECOND, []));
        const form = new FormData();
        form.set('quarter', String(q));
        form.set('replace', 'true');
        for (const file of files) {
          const kind = path.basename(file).split('_')[0]!;
          form.set(kind, new Blob([fs.readFileSync(file)], { type: 'text/csv' }), path.basename(file));
        }
        const res = await admin.post(a, '/api/banners/import', form);
        expect(res.status, await res.clone().text()).toBe(200);
        importedAt = Date.now();
      }

      let seenAt: number | undefined;
      while (seenAt === undefined && Date.now() - importedAt < 3000) {
        const banner = await served(b);
        if (SECOND.includes(banner)) seenAt = Date.now();
        else expect(FIRST).toContain(banner); // the old index or the new one, never anything else
      }
      expect(seenAt, 'B never served the re-import').toBeDefined();
      const lagMs = seenAt! - importedAt;
      expect(lagMs).toBeLessThan(1000);
      // From then on B serves only the new collection; A, polling on its own, within a second too.
      const fromB: number[] = [];
      for (let i = 0; i < 20; i++) fromB.push(await served(b));
      expect(fromB.filter((x) => !SECOND.includes(x))).toEqual([]);
      let aAt: number | undefined;
      while (aAt === undefined && Date.now() - importedAt < 3000)
        if (SECOND.includes(await served(a))) aAt = Date.now();
      expect(aAt! - importedAt, 'A never served its own re-import').toBeLessThan(1000);
      const collection = (await (
        await fetch(`${b}/api/banners/campaigns/${CAMPAIGN}/collection`)
      ).json()) as {
        rule: string;
        banners: { banner_id: number }[];
      };
      expect(collection.rule).toBe('revenue_top10');
      expect(collection.banners.map((x) => x.banner_id).sort()).toEqual(SECOND);
      console.log(`banners re-import on A served by B after ${lagMs} ms, by A after ${aAt! - importedAt} ms`);
    });

    it("keeps a visitor's rotation when its requests alternate between A and B", async () => {
      const visitor = new HttpSession();
      const shown: number[] = [];
      for (let i = 0; i < 2 * SECOND.length; i++) {
        const res = await visitor.get(i % 2 ? b : a, `/campaigns/${CAMPAIGN}`);
        expect(res.status).toBe(200);
        shown.push(bannerOf(await res.text()));
      }
      // Rounds without replacement: the first ten requests show all ten banners, the next ten
      // again, and never one banner twice in a row (across the round's end too). Without the
      // cookie honoured by both instances, ten draws of ten would repeat almost surely.
      expect([...shown.slice(0, 10)].sort()).toEqual(SECOND);
      expect([...shown.slice(10)].sort()).toEqual(SECOND);
      for (let i = 1; i < shown.length; i++) expect(shown[i]).not.toBe(shown[i - 1]);
      expect(cluster.output()).not.toMatch(/"level":50/);
    });
  },
);
