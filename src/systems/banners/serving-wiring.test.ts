// The serving hot path on the system's real tables: what an import computes is what the campaign
// page rotates through, in every app instance on the database within a second, and the
// impressions served land in the table in batches.
import path from 'node:path';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterEach, expect, it, vi } from 'vitest';
import { bannersPlatform, impressionsOf, writeDataset } from '../../../test/support/banners.js';
import { describeEachDb, type TestPlatform } from '../../../test/support/platform.js';
import { buildApp } from '../../app.js';
import { fixedClock } from '../../platform/clock.js';
import { servedRows } from './repository.js';
import { ROTATION_COOKIE } from './serving/routes.js';

const platforms: TestPlatform[] = [];
const apps: FastifyInstance[] = [];
afterEach(async () => {
  while (apps.length) await apps.pop()!.close();
  while (platforms.length) await platforms.pop()!.dispose();
});

const bannerOf = (res: LightMyRequestResponse) => Number(/image_(\d+)\.png/.exec(res.body)?.[1]);
const cookieOf = (res: LightMyRequestResponse) => {
  const c = (res.cookies as { name: string; value: string }[]).find((x) => x.name === ROTATION_COOKIE);
  return c ? `${ROTATION_COOKIE}=${c.value}` : '';
};

describeEachDb('banners serving on the tables', (kind) => {
  async function setup() {
    const clock = fixedClock('2026-12-03T10:05:00.000Z');
    const s = await bannersPlatform(kind, { clock, env: { BANNER_SERVED_FLUSH_MS: '100' } });
    platforms.push(s.platform);
    // Two app instances on one database, as behind a load balancer.
    const one = await buildApp(s.platform);
    const two = await buildApp(s.platform);
    apps.push(one, two);
    return { ...s, one, two };
  }

  async function importQuarter1(s: Awaited<ReturnType<typeof setup>>, name: string, banners: number[]) {
    const files = writeDataset(path.join(s.platform.dataDir, name, '1'), 1, {
      impressions: impressionsOf(3, banners),
      clicks: banners.map((b, i) => `${name}${i},${b},3`),
    });
    await s.service.importQuarter(1, await s.service.quarterFiles(files));
  }

  it('serves an import in every instance within a second, and carries a visitor between instances', async () => {
    const s = await setup();
    expect((await s.one.inject('/campaigns/3')).statusCode).toBe(404);
    await importQuarter1(s, '1', [31, 32, 33]);
    for (const app of [s.one, s.two]) {
      await vi.waitFor(async () => expect((await app.inject('/campaigns/3')).statusCode).toBe(200), {
        timeout: 1000,
        interval: 50,
      });
    }
    // One visitor, alternating instances: the whole collection before any repeat.
    let cookie = '';
    const shown: number[] = [];
    for (let i = 0; i < 6; i++) {
      const res = await (i % 2 ? s.two : s.one).inject({ url: '/campaigns/3', headers: { cookie } });
      cookie = cookieOf(res);
      shown.push(bannerOf(res));
    }
    expect(new Set(shown.slice(0, 3))).toEqual(new Set([31, 32, 33]));
    expect(new Set(shown.slice(3))).toEqual(new Set([31, 32, 33]));
    expect(shown[3]).not.toBe(shown[2]);

    // A re-import of the quarter (new rows) changes the collection everywhere, without a restart.
    await importQuarter1(s, '2', [34, 34, 34, 35]);
    for (const app of [s.one, s.two]) {
      await vi.waitFor(async () => expect([34, 35]).toContain(bannerOf(await app.inject('/campaigns/3'))), {
        timeout: 1000,
        interval: 50,
      });
    }
  });

  it('adds the impressions served to the table in batches', async () => {
    const s = await setup();
    await importQuarter1(s, '1', [31, 32]);
    const counts = new Map<number, number>();
    const count = (res: LightMyRequestResponse) => {
      expect(res.statusCode).toBe(200);
      counts.set(bannerOf(res), (counts.get(bannerOf(res)) ?? 0) + 1);
    };
    // Each instance serves the import once its poll has seen it; 404s count nothing.
    for (const app of [s.one, s.two]) {
      await vi.waitFor(
        async () => {
          const res = await app.inject('/campaigns/3');
          expect(res.statusCode).toBe(200);
          count(res);
        },
        { timeout: 1000, interval: 50 },
      );
    }
    for (let i = 0; i < 10; i++) count(await (i % 2 ? s.two : s.one).inject('/campaigns/3'));
    const total = (rows: { served: number }[]) => rows.reduce((n, r) => n + r.served, 0);
    // Flushed every 100 ms (BANNER_SERVED_FLUSH_MS), not per request.
    await vi.waitFor(async () => expect(total(await servedRows(s.platform.db))).toBe(12), { timeout: 2000 });
    count(await s.two.inject('/campaigns/3'));
    await s.two.close(); // flushes what is left
    apps.splice(apps.indexOf(s.two), 1);
    const rows = await servedRows(s.platform.db);
    expect(new Map(rows.map((r) => [r.bannerId, r.served]))).toEqual(counts);
    expect(rows.every((r) => r.campaignId === 3)).toBe(true);
  });
});
