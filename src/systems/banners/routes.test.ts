import fs from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { bannersPlatform, HEADERS, impressionsOf, writeDataset } from '../../../test/support/banners.js';
import { TestClient } from '../../../test/support/client.js';
import { filesUnder, multipart } from '../../../test/support/diffing.js';
import { describeEachDb, type TestPlatform } from '../../../test/support/platform.js';
import { buildApp } from '../../app.js';
import { fixedClock } from '../../platform/clock.js';
import { collectionsVersion, recordServed, servedKey } from './collections.js';
import { bannersRuntime } from './runtime.js';
import type { AdminOverviewView, CollectionView, QuarterImportView } from './views.js';

const platforms: TestPlatform[] = [];
const apps: FastifyInstance[] = [];
afterEach(async () => {
  while (apps.length) await apps.pop()!.close();
  while (platforms.length) await platforms.pop()!.dispose();
});

describeEachDb('banners API', (kind) => {
  async function setup(env?: Record<string, string>) {
    const clock = fixedClock('2026-12-03T10:14:59.999Z');
    const s = await bannersPlatform(kind, { clock, env });
    platforms.push(s.platform);
    const app = await buildApp(s.platform);
    apps.push(app);
    return { ...s, clock, app, client: new TestClient(app) };
  }

  /** Quarter 1: campaign 3 picks by clicks; quarter 2: campaign 3 by revenue of banner 2. */
  async function withTwoQuarters(s: Awaited<ReturnType<typeof setup>>) {
    const dir = path.join(s.platform.dataDir, 'in');
    const q1 = writeDataset(path.join(dir, '1'), 1, {
      impressions: impressionsOf(3, [1, 2]),
      clicks: ['1,1,3', '2,1,3', '3,2,3'],
    });
    const q2 = writeDataset(path.join(dir, '2'), 2, {
      impressions: impressionsOf(3, [1, 2], 2),
      clicks: ['1,2,3'],
      conversions: ['9,1,0.000002'],
    });
    await s.service.importQuarter(1, await s.service.quarterFiles(q1));
    await s.service.importQuarter(2, await s.service.quarterFiles(q2));
  }

  it("answers the current quarter's collection by the injected clock: 14:59.999 is quarter 1, 15:00 quarter 2", async () => {
    const s = await setup();
    await withTwoQuarters(s);
    const first = await s.app.inject({ url: '/api/banners/campaigns/3/collection' });
    expect(first.statusCode).toBe(200);
    expect(first.json<CollectionView>()).toEqual({
      campaign_id: 3,
      quarter: 1,
      rule: 'clicks_top5',
      banners: [
        { banner_id: 1, revenue: 0, conversions: 0, clicks: 2, pick: 'clicks' },
        { banner_id: 2, revenue: 0, conversions: 0, clicks: 1, pick: 'clicks' },
      ],
    });
    s.clock.set('2026-12-03T10:15:00.000Z');
    const second = (
      await s.app.inject({ url: '/api/banners/campaigns/3/collection' })
    ).json<CollectionView>();
    expect(second.quarter).toBe(2);
    expect(second.rule).toBe('revenue_then_clicks');
    expect(second.banners[0]).toEqual({
      banner_id: 2,
      revenue: 0.000002,
      conversions: 1,
      clicks: 1,
      pick: 'revenue',
    });
    const explicit = await s.app.inject({ url: '/api/banners/campaigns/3/collection?quarter=1' });
    expect(explicit.json<CollectionView>().quarter).toBe(1);
  });

  it('answers 404 for an unknown campaign or a quarter without a collection, 400 for malformed ids and quarters', async () => {
    const s = await setup();
    await withTwoQuarters(s);
    const get = (url: string) => s.app.inject({ url });
    expect((await get('/api/banners/campaigns/99/collection')).statusCode).toBe(404);
    expect((await get('/api/banners/campaigns/99/collection')).json()).toEqual({
      error: 'campaign 99 not found',
    });
    const noQ3 = await get('/api/banners/campaigns/3/collection?quarter=3');
    expect(noQ3.statusCode).toBe(404);
    expect(noQ3.json()).toEqual({ error: 'campaign 3 has no collection in quarter 3' });
    const badId = await get('/api/banners/campaigns/abc/collection');
    expect(badId.statusCode).toBe(400);
    expect(badId.json()).toEqual({ error: 'campaign id must be a whole number, got "abc"' });
    for (const q of ['5', '0', 'x', '']) {
      const r = await get(`/api/banners/campaigns/3/collection?quarter=${q}`);
      expect(r.statusCode, q).toBe(400);
      expect(r.json<{ error: string }>().error).toMatch(/^quarter must be 1, 2, 3 or 4/);
    }
  });

  it('documents its routes in the OpenAPI document', async () => {
    const s = await setup();
    const paths = Object.keys((await s.app.inject({ url: '/docs/json' })).json<{ paths: object }>().paths);
    for (const p of [
      '/api/banners/campaigns',
      '/api/banners/campaigns/{id}/collection',
      '/api/banners/import',
    ])
      expect(paths).toContain(p);
  });

  it('lists campaigns with their quarters', async () => {
    const s = await setup();
    await withTwoQuarters(s);
    const r = await s.app.inject({ url: '/api/banners/campaigns' });
    expect(r.json()).toEqual({
      campaigns: [
        {
          campaign_id: 3,
          quarters: [
            { quarter: 1, banners: 2 },
            { quarter: 2, banners: 2 },
          ],
        },
      ],
    });
  });

  it('imports an uploaded quarter for the admin only, with CSRF, and refuses a duplicate upload', async () => {
    const s = await setup();
    const form = await multipart({
      quarter: '4',
      // The field says the kind, whatever the file is called.
      impressions: { filename: 'impressions.csv', content: `${HEADERS.impressions}\n1,8\n2,8\n` },
      clicks: { filename: 'export (3).csv', content: `${HEADERS.clicks}\n1,1,8\nx,1,8\n` },
    });
    const anonymous = new TestClient(s.app);
    const refused = await anonymous.post('/api/banners/import', form.body, { headers: form.headers });
    expect(refused.statusCode).toBe(401);
    await s.client.loginAsAdmin();
    const noCsrf = await s.client.post('/api/banners/import', form.body, {
      headers: form.headers,
      csrf: false,
    });
    expect(noCsrf.statusCode).toBe(403);
    const ok = await s.client.post('/api/banners/import', form.body, { headers: form.headers });
    expect(ok.statusCode).toBe(200);
    const body = ok.json<QuarterImportView>();
    expect(body.files.map((f) => [f.file, f.kind, f.status, f.rows_loaded, f.rows_rejected])).toEqual([
      ['impressions.csv', 'impressions', 'loaded', 2, 0],
      ['export (3).csv', 'clicks', 'loaded', 1, 1],
    ]);
    expect(body.files[1]!.rejected_examples).toEqual([
      { line: 3, reason: 'click_id "x" is not a whole number' },
    ]);
    expect(body.collections).toMatchObject({ campaigns: 1, version: 1 });
    const again = (
      await s.client.post('/api/banners/import', form.body, { headers: form.headers })
    ).json<QuarterImportView>();
    expect(again.files.map((f) => f.status)).toEqual(['duplicate', 'duplicate']);
    expect(again.collections).toBeNull();
    // Nothing of the uploads is left in the artifact store.
    expect(filesUnder(path.join(s.platform.config.artifactDir, 'banners'))).toEqual([]);
  });

  it('names what is wrong with an upload: no quarter, a bad quarter, no files, another field, a file too large', async () => {
    const s = await setup({ BANNER_UPLOAD_MAX_MB: '1' });
    await s.client.loginAsAdmin();
    const send = async (parts: Parameters<typeof multipart>[0]) => {
      const form = await multipart(parts);
      return s.client.post('/api/banners/import', form.body, { headers: form.headers });
    };
    const file = { filename: 'clicks.csv', content: `${HEADERS.clicks}\n1,1,1\n` };
    const hint =
      'send "quarter" (1–4), optionally "replace" (true or false), and the files "impressions", "clicks", "conversions" (any of them)';
    const cases: [Parameters<typeof multipart>[0], number, string][] = [
      [{ clicks: file }, 400, 'missing field "quarter" (1, 2, 3 or 4)'],
      [{ quarter: '9', clicks: file }, 400, 'quarter must be 1, 2, 3 or 4, got "9"'],
      [{ quarter: '1', files: file }, 400, `unexpected file field "files" (${hint})`],
      [{ quarter: '1' }, 400, 'no files: send the quarter\'s "impressions", "clicks" and/or "conversions"'],
      [{ quarter: '1', other: 'x', clicks: file }, 400, `unexpected field "other" (${hint})`],
      [
        { quarter: '1', clicks: { filename: 'big.csv', content: Buffer.alloc(2 ** 20 + 10, 'a') } },
        413,
        'file "clicks" is larger than 1 MB (BANNER_UPLOAD_MAX_MB)',
      ],
    ];
    for (const [parts, status, error] of cases) {
      const r = await send(parts);
      expect(r.statusCode, error).toBe(status);
      expect(r.json()).toEqual({ error });
    }
    const notMultipart = await s.client.post('/api/banners/import', { quarter: 1 });
    expect(notMultipart.statusCode).toBe(400);
  });

  it('shows the admin the collections, imports and served impressions; the page needs the login', async () => {
    const s = await setup();
    await withTwoQuarters(s);
    await recordServed(
      s.platform.db,
      new Map([
        [servedKey(3, 1), 5],
        [servedKey(3, 2), 2],
      ]),
    );
    await recordServed(s.platform.db, new Map([[servedKey(3, 1), 4]]));
    expect((await s.app.inject({ url: '/api/banners/admin/overview' })).statusCode).toBe(401);
    const page = await s.app.inject({ url: '/banners/admin' });
    expect(page.statusCode).toBe(302);
    expect(page.headers.location).toBe('/admin/login?next=%2Fbanners%2Fadmin');
    await s.client.loginAsAdmin();
    const overview = (await s.client.get('/api/banners/admin/overview')).json<AdminOverviewView>();
    expect(overview.version).toBe(await collectionsVersion(s.platform.db));
    expect(overview.current_quarter).toBe(1);
    expect(overview.collections.map((c) => [c.campaign_id, c.quarter, c.rule])).toEqual([
      [3, 1, 'clicks_top5'],
      [3, 2, 'revenue_then_clicks'],
    ]);
    expect(overview.imports.map((i) => [i.quarter, i.kind, i.status])).toEqual([
      [2, 'conversions', 'loaded'],
      [2, 'clicks', 'loaded'],
      [2, 'impressions', 'loaded'],
      [1, 'clicks', 'loaded'],
      [1, 'impressions', 'loaded'],
    ]);
    expect(overview.served).toEqual([
      { campaign_id: 3, banner_id: 1, served: 9 },
      { campaign_id: 3, banner_id: 2, served: 2 },
    ]);
  });
});

describe('the banners demo', () => {
  it('loads 50 campaigns in all four quarters with every rule in every quarter, and an SVG per banner; only once', async () => {
    const s = await bannersPlatform('sqlite');
    platforms.push(s.platform);
    await bannersRuntime.loadDemo!(s.platform, s.settings);
    const campaigns = await s.service.campaigns();
    expect(campaigns).toHaveLength(50);
    for (const c of campaigns) expect(c.quarters.map((q) => q.quarter)).toEqual([1, 2, 3, 4]);
    const overview = await s.service.adminOverview();
    expect(overview.collections).toHaveLength(200);
    for (const quarter of [1, 2, 3, 4]) {
      const here = overview.collections.filter((c) => c.quarter === quarter);
      expect(new Set(here.map((c) => c.rule))).toEqual(
        new Set(['revenue_top10', 'revenue_top_x', 'revenue_then_clicks', 'clicks_top5']),
      );
      // The fallbacks happen too: to clicks, and to random banners.
      const picks = new Set(here.flatMap((c) => c.banners.map((b) => b.pick)));
      expect(picks).toEqual(new Set(['revenue', 'clicks', 'random']));
    }
    const banners = new Set(overview.collections.flatMap((c) => c.banners.map((b) => b.banner_id)));
    expect(banners.size).toBeGreaterThan(200);
    for (const id of banners) {
      const svg = fs.readFileSync(path.join(s.settings.imagesDir, `image_${id}.svg`), 'utf8');
      expect(svg).toContain(`>${id}</text>`);
    }
    const version = overview.version;
    await bannersRuntime.loadDemo!(s.platform, s.settings);
    expect(await collectionsVersion(s.platform.db)).toBe(version);
  });
});
