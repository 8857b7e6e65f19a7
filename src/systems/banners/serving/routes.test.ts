import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Fastify, { type FastifyInstance, type LightMyRequestResponse } from 'fastify';
import { pino } from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fixedClock } from '../../../platform/clock.js';
import { registerErrorHandling } from '../../../platform/http/errors.js';
import { securityPlugin } from '../../../platform/http/security.js';
import { seededRandom } from '../../../platform/random.js';
import type { Quarter, ServedCollection } from './ports.js';
import {
  registerBannerServing,
  ROTATION_COOKIE,
  type BannerServing,
  type BannerServingOptions,
} from './routes.js';
import { rotationViolation, type Shown } from './rotation-rule.js';

const SECRET = 'a-test-secret-of-at-least-32-characters';
const Q1 = '2026-03-02T10:05:00.000Z';
const Q2 = '2026-03-02T10:20:00.000Z';

/** Campaign 1: ten banners in quarter 1, six (four of them shared) in quarter 2; campaign 2: five, quarter 1 only. */
const COLLECTIONS: ServedCollection[] = [
  { campaignId: 1, quarter: 1, bannerIds: [101, 102, 103, 104, 105, 106, 107, 108, 109, 110] },
  { campaignId: 1, quarter: 2, bannerIds: [104, 111, 102, 112, 106, 108] },
  { campaignId: 1, quarter: 3, bannerIds: [120] },
  { campaignId: 1, quarter: 4, bannerIds: [121, 122] },
  { campaignId: 2, quarter: 1, bannerIds: [201, 202, 203, 204, 205] },
];

function fakeSource(initial: ServedCollection[]) {
  const state = { version: 1, collections: initial, failLoad: false, loads: 0 };
  return {
    state,
    source: {
      version: () => Promise.resolve(state.version),
      load: () => {
        state.loads++;
        return state.failLoad
          ? Promise.reject(new Error('database away'))
          : Promise.resolve(state.collections);
      },
    },
  };
}

function fakeSink() {
  const batches: Map<string, number>[] = [];
  const sink = {
    failures: 0,
    record: (counts: Map<string, number>) => {
      if (sink.failures > 0) {
        sink.failures--;
        return Promise.reject(new Error('database away'));
      }
      batches.push(new Map(counts));
      return Promise.resolve();
    },
  };
  const total = () => {
    const sum = new Map<string, number>();
    for (const b of batches) for (const [k, n] of b) sum.set(k, (sum.get(k) ?? 0) + n);
    return sum;
  };
  return { sink, batches, total };
}

const apps: FastifyInstance[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((a) => a.close()));
});

async function start(
  overrides: Partial<BannerServingOptions> = {},
  collections = COLLECTIONS,
  secret = SECRET,
) {
  const clock = fixedClock(Q1);
  const { source, state } = fakeSource(collections);
  const sink = fakeSink();
  const app = Fastify();
  registerErrorHandling(app);
  await app.register(securityPlugin, { secret, cookieSecure: false, publicWriteRateLimit: 100 });
  let serving: BannerServing | undefined;
  await app.register(async (scope) => {
    serving = await registerBannerServing(scope, {
      source,
      sink: sink.sink,
      clock,
      log: pino({ level: 'silent' }),
      imagesDir: undefined,
      clickUrlTemplate: 'https://ads.example/go?c={campaign_id}&b={banner_id}',
      cookieSecure: false,
      flushIntervalMs: 3_600_000,
      random: seededRandom(11),
      ...overrides,
    });
  });
  await app.ready();
  apps.push(app);
  return { app, clock, state, sink, serving: serving! };
}

/** The banner a campaign page shows. */
function bannerOf(res: LightMyRequestResponse): number {
  const m = /<img src="\/banners\/image_(\d+)\.png"/.exec(res.body);
  if (!m) throw new Error(`no banner in ${res.statusCode} ${res.body}`);
  return Number(m[1]);
}

/** A browser's cookie jar for the rotation cookie, honouring its Path. */
class Jar {
  private cookies = new Map<string, string>();
  header(url: string): Record<string, string> {
    const sent = [...this.cookies].filter(([p]) => url === p || url.startsWith(`${p}/`));
    return sent.length ? { cookie: sent.map(([, v]) => `${ROTATION_COOKIE}=${v}`).join('; ') } : {};
  }
  take(res: LightMyRequestResponse): void {
    for (const c of res.cookies as { name: string; value: string; path?: string }[]) {
      if (c.name === ROTATION_COOKIE) this.cookies.set(c.path ?? '/', c.value);
    }
  }
  async get(app: FastifyInstance, url: string): Promise<LightMyRequestResponse> {
    const res = await app.inject({ url, headers: this.header(url) });
    this.take(res);
    return res;
  }
}

/** How many banners the round in a response's rotation cookie holds. */
function roundSize(res: LightMyRequestResponse): number {
  const value = (res.cookies as { name: string; value: string }[]).find(
    (c) => c.name === ROTATION_COOKIE,
  )!.value;
  return Number.parseInt(value.split('.')[2]!, 36).toString(2).replace(/0/g, '').length;
}

const collectionOf = (campaignId: number, quarter: Quarter) =>
  COLLECTIONS.find((c) => c.campaignId === campaignId && c.quarter === quarter)!.bannerIds;

describe('GET /campaigns/:campaign_id', () => {
  it('sends a small page with one banner of the quarter: image with alt text and size, click-through link', async () => {
    const { app } = await start();
    const res = await app.inject('/campaigns/2');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers['cache-control']).toBe('no-store');
    const banner = bannerOf(res);
    expect(collectionOf(2, 1)).toContain(banner);
    expect(res.body).toContain(`alt="Banner ${banner} of campaign 2" width="300" height="250"`);
    expect(res.body).toContain(`<a href="https://ads.example/go?c=2&amp;b=${banner}"`);
    expect(res.body.length).toBeLessThan(600);
  });

  it('may be framed by any site (the embeddable profile) and sets an HttpOnly cookie scoped to the campaign', async () => {
    const { app } = await start();
    const res = await app.inject('/campaigns/2');
    expect(res.headers['content-security-policy']).toContain('frame-ancestors *');
    expect(res.headers['x-frame-options']).toBeUndefined();
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    const cookie = res.cookies.find((c) => c.name === ROTATION_COOKIE)!;
    expect(cookie).toMatchObject({
      path: '/campaigns/2',
      httpOnly: true,
      sameSite: 'Lax',
      maxAge: 30 * 24 * 3600,
    });
    expect(cookie.value.length).toBeLessThan(80);
  });

  it('marks the cookie SameSite=None; Secure under COOKIE_SECURE, so an embedded page keeps its rotation', async () => {
    const { app } = await start({ cookieSecure: true });
    const cookie = (await app.inject('/campaigns/2')).cookies.find((c) => c.name === ROTATION_COOKIE)!;
    expect(cookie).toMatchObject({ sameSite: 'None', secure: true });
  });

  it('rotates a visitor through the whole collection before any repeat, never twice in a row', async () => {
    const { app } = await start();
    const jar = new Jar();
    const shown: Shown[] = [];
    for (let i = 0; i < 200; i++) {
      shown.push({ collection: collectionOf(1, 1), banner: bannerOf(await jar.get(app, '/campaigns/1')) });
    }
    expect(rotationViolation(shown)).toBeUndefined();
    // Each run of ten is a full round.
    for (let r = 0; r < 20; r++) {
      expect(new Set(shown.slice(r * 10, r * 10 + 10).map((s) => s.banner)).size).toBe(10);
    }
    expect(new Set(shown.slice(0, 100).map((s) => s.banner)).size).toBe(10);
  });

  it('keeps the rule across quarter changes, and serves only the current quarter', async () => {
    const { app, clock } = await start();
    const jar = new Jar();
    const shown: Shown[] = [];
    const at = (iso: string) => clock.set(iso);
    // Quarters 1 → 2 → 3 → 4 → 1 …, a few requests each (rounds cut mid-way), over several hours.
    for (let hour = 10; hour < 16; hour++) {
      for (const [minute, quarter, requests] of [
        [3, 1, 4],
        [17, 2, 3],
        [31, 3, 2],
        [50, 4, 3],
        [14, 1, 7],
      ] as const) {
        at(`2026-03-02T${hour}:${String(minute).padStart(2, '0')}:00.000Z`);
        for (let i = 0; i < requests; i++) {
          const banner = bannerOf(await jar.get(app, i % 2 ? '/campaigns/1/' : '/campaigns/1'));
          shown.push({ collection: collectionOf(1, quarter), banner });
        }
      }
    }
    expect(rotationViolation(shown)).toBeUndefined();
  });

  it('keeps a separate rotation per campaign', async () => {
    const { app } = await start();
    const jar = new Jar();
    const one: Shown[] = [];
    const two: Shown[] = [];
    for (let i = 0; i < 30; i++) {
      one.push({ collection: collectionOf(1, 1), banner: bannerOf(await jar.get(app, '/campaigns/1')) });
      two.push({ collection: collectionOf(2, 1), banner: bannerOf(await jar.get(app, '/campaigns/2/')) });
    }
    expect(rotationViolation(one)).toBeUndefined();
    expect(rotationViolation(two)).toBeUndefined();
  });

  it('answers the same with and without a trailing slash', async () => {
    const { app } = await start();
    const jar = new Jar();
    const shown: Shown[] = [];
    for (let i = 0; i < 12; i++) {
      const res = await jar.get(app, i % 3 ? '/campaigns/2/' : '/campaigns/2');
      expect(res.statusCode).toBe(200);
      shown.push({ collection: collectionOf(2, 1), banner: bannerOf(res) });
    }
    expect(rotationViolation(shown)).toBeUndefined();
    expect((await app.inject('/campaigns/99/')).statusCode).toBe(404);
  });

  it('treats a tampered, foreign or garbage cookie as a new visitor, never an error', async () => {
    const { app } = await start();
    const first = await app.inject('/campaigns/1');
    const value = first.cookies.find((c) => c.name === ROTATION_COOKIE)!.value;
    const state = value.slice(0, value.lastIndexOf('.'));
    const signature = value.slice(value.lastIndexOf('.') + 1);
    const forged = state.replace(/\.[0-9a-z]+\.([0-9a-z]+)$/, '.0.$1'); // round emptied, signature kept
    const otherCampaign = (await app.inject('/campaigns/2')).cookies.find(
      (c) => c.name === ROTATION_COOKIE,
    )!.value;
    for (const bad of [
      `${forged}.${signature}`,
      `${state}.${signature.slice(1)}x`,
      state,
      otherCampaign,
      'garbage',
      '',
      '%E0%A4%A',
      `${'9'.repeat(300)}.${signature}`,
    ]) {
      const res = await app.inject({ url: '/campaigns/1', headers: { cookie: `${ROTATION_COOKIE}=${bad}` } });
      expect(res.statusCode, bad).toBe(200);
      const fresh = res.cookies.find((c) => c.name === ROTATION_COOKIE)!.value;
      expect(fresh.split('.')[2], `${bad}: a new round holds one banner`).toMatch(/^[0-9a-z]+$/);
      expect(Number.parseInt(fresh.split('.')[2]!, 36).toString(2).replace(/0/g, '')).toBe('1');
    }
  });

  it('ignores a cookie an instance with another platform secret signed', async () => {
    const { app } = await start();
    const other = await start({}, COLLECTIONS, 'another-secret-of-at-least-32-characters');
    const jar = new Jar();
    for (let i = 0; i < 5; i++) await jar.get(other.app, '/campaigns/1');
    const res = await jar.get(other.app, '/campaigns/1');
    expect(roundSize(res)).toBe(6);
    const foreign = await app.inject({ url: '/campaigns/1', headers: jar.header('/campaigns/1') });
    expect(foreign.statusCode).toBe(200);
    expect(roundSize(foreign)).toBe(1);
    // While an instance with the same secret carries the round on.
    const twin = await start();
    const own = new Jar();
    for (let i = 0; i < 3; i++) await own.get(app, '/campaigns/1');
    expect(roundSize(await own.get(twin.app, '/campaigns/1'))).toBe(4);
  });

  it('sends a small HTML 404 page for unknown or malformed ids and for a campaign with nothing this quarter', async () => {
    const { app, clock } = await start();
    for (const url of [
      '/campaigns/99',
      '/campaigns/0',
      '/campaigns/01',
      '/campaigns/-1',
      '/campaigns/1.5',
      '/campaigns/abc',
      '/campaigns/%3Cscript%3E',
      `/campaigns/${'1'.repeat(40)}`,
    ]) {
      const res = await app.inject(url);
      expect(res.statusCode, url).toBe(404);
      expect(res.headers['content-type'], url).toBe('text/html; charset=utf-8');
      expect(res.body).toContain('Campaign not found');
      expect(res.body).not.toContain('<script>');
      expect(res.cookies).toEqual([]);
    }
    clock.set(Q2); // campaign 2 has a collection in quarter 1 only
    expect((await app.inject('/campaigns/2')).statusCode).toBe(404);
    expect((await app.inject('/campaigns/1')).statusCode).toBe(200);
  });

  it('serves a collection of one banner on every request', async () => {
    const { app, clock } = await start();
    clock.set('2026-03-02T10:40:00.000Z');
    const jar = new Jar();
    for (let i = 0; i < 3; i++) expect(bannerOf(await jar.get(app, '/campaigns/1'))).toBe(120);
  });
});

describe('impressions', () => {
  it('counts served banners in memory and hands them over in one batch per flush', async () => {
    const { app, sink, serving } = await start();
    const jar = new Jar();
    const served = new Map<string, number>();
    for (let i = 0; i < 25; i++) {
      const banner = bannerOf(await jar.get(app, '/campaigns/1'));
      served.set(`1:${banner}`, (served.get(`1:${banner}`) ?? 0) + 1);
    }
    await app.inject('/campaigns/99');
    expect(sink.batches).toEqual([]);
    await serving.flushImpressions();
    expect(sink.batches).toEqual([served]);
    await serving.flushImpressions(); // nothing new: no empty batch
    expect(sink.batches).toHaveLength(1);
  });

  it('flushes every interval while serving', async () => {
    const { app, sink } = await start({ flushIntervalMs: 30 });
    await app.inject('/campaigns/2');
    await vi.waitFor(() => expect(sink.batches).toHaveLength(1));
    await app.inject('/campaigns/2');
    await app.inject('/campaigns/2');
    await vi.waitFor(() => expect(sink.total().size).toBeGreaterThan(0));
    await vi.waitFor(() => expect([...sink.total().values()].reduce((a, b) => a + b, 0)).toBe(3));
  });

  it('flushes what is left when the app closes', async () => {
    const { app, sink } = await start();
    for (let i = 0; i < 7; i++) await app.inject('/campaigns/2');
    await app.close();
    expect([...sink.total().values()].reduce((a, b) => a + b, 0)).toBe(7);
  });

  it('keeps the counts of a failed flush for the next one', async () => {
    const { app, sink, serving } = await start();
    for (let i = 0; i < 4; i++) await app.inject('/campaigns/2');
    sink.sink.failures = 1;
    await serving.flushImpressions();
    expect(sink.batches).toEqual([]);
    await app.inject('/campaigns/2');
    await serving.flushImpressions();
    expect([...sink.total().values()].reduce((a, b) => a + b, 0)).toBe(5);
  });
});

describe('collections updates', () => {
  it('serves new collections once the source version changes, without a restart', async () => {
    const { app, state } = await start({ pollIntervalMs: 20 });
    expect(collectionOf(2, 1)).toContain(bannerOf(await app.inject('/campaigns/2')));
    state.collections = [
      { campaignId: 2, quarter: 1, bannerIds: [901, 902] },
      { campaignId: 3, quarter: 1, bannerIds: [301] },
    ];
    // The same data under the same version is not reloaded.
    const loads = state.loads;
    await new Promise((r) => setTimeout(r, 60));
    expect(state.loads).toBe(loads);
    state.version = 2;
    await vi.waitFor(async () => expect((await app.inject('/campaigns/3')).statusCode).toBe(200));
    expect([901, 902]).toContain(bannerOf(await app.inject('/campaigns/2')));
    expect((await app.inject('/campaigns/1')).statusCode).toBe(404);
  });

  it('keeps serving the old index while the source fails or sends collections it cannot serve', async () => {
    const { app, state, serving } = await start();
    state.version = 2;
    state.failLoad = true;
    await expect(serving.index.refresh()).rejects.toThrow('database away');
    state.failLoad = false;
    state.collections = [...COLLECTIONS, { campaignId: 2, quarter: 1, bannerIds: [1] }];
    await expect(serving.index.refresh()).rejects.toThrow('campaign 2, quarter 1 is listed twice');
    expect(serving.index.current.version).toBe(1);
    expect((await app.inject('/campaigns/2')).statusCode).toBe(200);
  });

  it("voids a visitor's round after a re-import changed the campaign's banners, but never repeats the last one", async () => {
    const { app, state, serving } = await start();
    const jar = new Jar();
    let res: LightMyRequestResponse | undefined;
    for (let i = 0; i < 4; i++) res = await jar.get(app, '/campaigns/2');
    expect(roundSize(res!)).toBe(4);
    const last = bannerOf(res!);
    state.collections = [{ campaignId: 2, quarter: 1, bannerIds: [last, 250, 251, 252, 253] }];
    state.version = 2;
    await serving.index.refresh();
    res = await jar.get(app, '/campaigns/2');
    // The old round's bits mean nothing over the new banners: a round of one (plus the last, known by id).
    expect(bannerOf(res)).not.toBe(last);
    expect(roundSize(res)).toBe(2);
    const shown = [bannerOf(res)];
    for (let i = 0; i < 3; i++) shown.push(bannerOf(await jar.get(app, '/campaigns/2')));
    expect(new Set(shown)).toEqual(new Set([250, 251, 252, 253]));
  });
});

describe('GET /banners/image_:id.png', () => {
  const JPEG = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 1, 2, 3]);
  const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]);
  const SVG =
    '<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="300" height="250"><text>7</text></svg>';

  function imagesDir(): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'banners-images-'));
    fs.writeFileSync(path.join(dir, 'image_5.png'), JPEG);
    fs.writeFileSync(path.join(dir, 'image_6.png'), PNG);
    fs.writeFileSync(path.join(dir, 'image_7.svg'), SVG);
    fs.writeFileSync(path.join(dir, 'image_8.png'), 'not an image');
    fs.writeFileSync(path.join(dir, 'image_9.png'), PNG);
    fs.writeFileSync(path.join(dir, 'image_9.svg'), SVG);
    fs.writeFileSync(path.join(dir, 'image_11.svg'), SVG);
    fs.writeFileSync(path.join(dir, 'image_11.JPG'), JPEG);
    return dir;
  }

  it('sends the content type of the bytes, not of the name', async () => {
    const { app } = await start({ imagesDir: imagesDir() });
    const jpeg = await app.inject('/banners/image_5.png');
    expect(jpeg.statusCode).toBe(200);
    expect(jpeg.headers['content-type']).toBe('image/jpeg');
    expect(jpeg.rawPayload.equals(JPEG)).toBe(true);
    expect((await app.inject('/banners/image_6.png')).headers['content-type']).toBe('image/png');
    const svg = await app.inject('/banners/image_7.png');
    expect(svg.headers['content-type']).toBe('image/svg+xml');
    expect(svg.body).toBe(SVG);
    // A real image wins over a placeholder of the same banner.
    expect((await app.inject('/banners/image_9.png')).headers['content-type']).toBe('image/png');
    expect((await app.inject('/banners/image_11.png')).headers['content-type']).toBe('image/jpeg');
  });

  it('is cached long and revalidated by ETag (304 on If-None-Match)', async () => {
    const { app } = await start({ imagesDir: imagesDir() });
    const res = await app.inject('/banners/image_5.png');
    expect(res.headers['cache-control']).toBe('public, max-age=31536000');
    const etag = res.headers.etag as string;
    expect(etag).toMatch(/^"[\w-]{22}"$/);
    expect((await app.inject('/banners/image_6.png')).headers.etag).not.toBe(etag);
    for (const header of [etag, `W/${etag}`, `"other", ${etag}`, '*']) {
      const again = await app.inject({ url: '/banners/image_5.png', headers: { 'if-none-match': header } });
      expect(again.statusCode, header).toBe(304);
      expect(again.body).toBe('');
      expect(again.headers.etag).toBe(etag);
    }
    const changed = await app.inject({
      url: '/banners/image_5.png',
      headers: { 'if-none-match': '"other"' },
    });
    expect(changed.statusCode).toBe(200);
  });

  it('answers 404 for unknown banners, malformed ids and files that hold no image', async () => {
    const { app } = await start({ imagesDir: imagesDir() });
    for (const url of [
      '/banners/image_4.png',
      '/banners/image_8.png',
      '/banners/image_abc.png',
      '/banners/image_05.png',
    ]) {
      const res = await app.inject(url);
      expect(res.statusCode, url).toBe(404);
      expect(res.json(), url).toHaveProperty('error');
    }
    expect((await app.inject('/banners/image_7.svg')).statusCode).toBe(404);
  });

  it('answers 404 for every image when no images folder is set or it is missing', async () => {
    for (const dir of [undefined, path.join(os.tmpdir(), 'no-such-banners-dir')]) {
      const { app } = await start({ imagesDir: dir });
      expect((await app.inject('/banners/image_5.png')).statusCode).toBe(404);
    }
  });

  it('finds images added to the folder after the next collections update', async () => {
    const dir = imagesDir();
    const { app, state, serving } = await start({ imagesDir: dir });
    expect((await app.inject('/banners/image_10.png')).statusCode).toBe(404);
    fs.writeFileSync(path.join(dir, 'image_10.png'), JPEG);
    state.version = 2;
    await serving.index.refresh();
    await vi.waitFor(async () => expect((await app.inject('/banners/image_10.png')).statusCode).toBe(200));
  });
});
