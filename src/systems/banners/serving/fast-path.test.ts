// The campaign page answered before Fastify (routes.ts, platform/http/fast-path.ts), through real
// listening servers: byte for byte what the Fastify route sends for the same request, cookies
// that work across both paths, and everything unusual left to Fastify.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { afterEach, expect, it } from 'vitest';
import { bannersPlatform, impressionsOf, writeDataset } from '../../../../test/support/banners.js';
import type { TestPlatform } from '../../../../test/support/platform.js';
import { buildApp } from '../../../app.js';
import { fixedClock } from '../../../platform/clock.js';
import { registerErrorHandling } from '../../../platform/http/errors.js';
import { createFastPath } from '../../../platform/http/fast-path.js';
import { RequestSeries } from '../../../platform/http/metrics.js';
import { securityPlugin } from '../../../platform/http/security.js';
import { seededRandom } from '../../../platform/random.js';
import type { ServedCollection } from './ports.js';
import { registerBannerServing, ROTATION_COOKIE, type BannerServing } from './routes.js';
import { rotationViolation, type Shown } from './rotation-rule.js';

const SECRET = 'a-test-secret-of-at-least-32-characters';
const COLLECTIONS: ServedCollection[] = [
  { campaignId: 1, quarter: 1, bannerIds: [101, 102, 103, 104, 105, 106, 107] },
  { campaignId: 1, quarter: 2, bannerIds: [104, 111, 102] },
  { campaignId: 2, quarter: 1, bannerIds: [201, 202, 203, 204, 205] },
];

interface Answer {
  status: number;
  /** As sent, in order, without Date (the second it was sent). */
  raw: string[];
  body: string;
  cookie: string | undefined;
}

function get(port: number, url: string, headers: Record<string, string> = {}, method = 'GET') {
  return new Promise<Answer>((resolve, reject) => {
    http
      .request({ port, host: '127.0.0.1', path: url, method, headers }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => {
          const raw: string[] = [];
          for (let i = 0; i < res.rawHeaders.length; i += 2)
            if (res.rawHeaders[i] !== 'Date') raw.push(`${res.rawHeaders[i]}: ${res.rawHeaders[i + 1]}`);
          const set = res.headers['set-cookie']?.[0];
          resolve({ status: res.statusCode!, raw, body, cookie: set?.slice(0, set.indexOf(';')) });
        });
      })
      .on('error', reject)
      .end();
  });
}

const bannerOf = (body: string) => Number(/<img src="\/banners\/image_(\d+)\.png"/.exec(body)?.[1]);

const apps: FastifyInstance[] = [];
const platforms: TestPlatform[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((a) => a.close()));
  await Promise.all(platforms.splice(0).map((p) => p.dispose()));
});

/** The serving routes in an app listening on a port, with the fast path (as app.ts builds it) or without. */
async function start(fast: boolean) {
  const log = pino({ level: 'silent' });
  const requests = new RequestSeries();
  const fastPath = createFastPath(log, requests);
  const app = Fastify(fast ? { serverFactory: fastPath.serverFactory } : {});
  if (fast) fastPath.attach(app);
  registerErrorHandling(app);
  await app.register(securityPlugin, { secret: SECRET, cookieSecure: false, publicWriteRateLimit: 100 });
  const batches: Map<string, number>[] = [];
  let serving: BannerServing | undefined;
  await app.register(async (scope) => {
    serving = await registerBannerServing(scope, {
      source: { version: () => Promise.resolve(1), load: () => Promise.resolve(COLLECTIONS) },
      sink: { record: (counts) => Promise.resolve(void batches.push(new Map(counts))) },
      clock: fixedClock('2026-03-02T10:05:00.000Z'),
      log,
      imagesDir: undefined,
      clickUrlTemplate: 'https://ads.example/go?c={campaign_id}&b={banner_id}',
      cookieSecure: false,
      flushIntervalMs: 3_600_000,
      random: seededRandom(5),
    });
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  apps.push(app);
  const port = (app.server.address() as AddressInfo).port;
  return { app, port, requests, batches, serving: serving! };
}

it('sends byte for byte what the Fastify route sends for the same requests', async () => {
  const [fast, plain] = await Promise.all([start(true), start(false)]);
  // The same visitors on both (same random sequence): new, returning, on the slash URL, with
  // other cookies beside theirs, with a tampered cookie, and the URLs the fast path leaves alone.
  let cookie = '';
  const visits: [string, Record<string, string>, string?][] = [
    ['/campaigns/1', {}],
    ['/campaigns/2/', {}],
  ];
  const seen: Answer[] = [];
  for (let i = 0; i < 12; i++) {
    const [url, headers, method] = visits[i] ?? [
      i % 3 ? '/campaigns/1' : '/campaigns/1/',
      { cookie: i % 4 === 0 ? `quintet_csrf=abc; ${cookie}` : cookie },
    ];
    const [a, b] = [await get(fast.port, url, headers, method), await get(plain.port, url, headers, method)];
    expect(a).toEqual(b);
    if (a.cookie) cookie = a.cookie;
    seen.push(a);
  }
  for (const [url, headers, method] of [
    ['/campaigns/1', { cookie: `${cookie.slice(0, -2)}xx` }],
    ['/campaigns/1', { cookie: `${ROTATION_COOKIE}="${cookie.slice(ROTATION_COOKIE.length + 1)}"` }],
    ['/campaigns/1', { cookie: `${cookie}; theme=dark` }],
    ['/campaigns/1', { cookie: `${cookie};` }],
    ['/campaigns/2', { cookie }],
    ['/campaigns/1?utm=x', { cookie }],
    ['/campaigns/99', {}],
    ['/campaigns/0', {}],
    ['/campaigns/%31', {}],
    ['/campaigns/1//', {}],
    ['/campaigns/', {}],
    ['/campaigns/1', {}, 'HEAD'],
  ] as [string, Record<string, string>, string?][]) {
    expect(await get(fast.port, url, headers, method)).toEqual(await get(plain.port, url, headers, method));
  }
  expect(seen[0]!.raw.find((h) => h.startsWith('content-security-policy'))).toContain('frame-ancestors *');
  expect(seen.every((a) => a.status === 200)).toBe(true);
  // The fast path did answer them, under the Fastify routes' names.
  const counted = Object.fromEntries(fast.requests.series.map((s) => [s.labels.route, s.count]));
  expect(counted['/campaigns/:campaign_id']).toBeGreaterThanOrEqual(8);
  expect(counted['/campaigns/:campaign_id/']).toBeGreaterThanOrEqual(4);
  // Impressions are counted on both paths alike.
  await Promise.all([fast.serving.flushImpressions(), plain.serving.flushImpressions()]);
  expect(fast.batches).toEqual(plain.batches);
  // 12 visits, the tampered, quoted, followed and foreign cookies, the query string, and %31
  // (Fastify decodes it).
  expect([...fast.batches[0]!.values()].reduce((a, b) => a + b)).toBe(19);
});

it('keeps one rotation across requests answered by the fast path and by Fastify', async () => {
  const s = await start(true);
  let cookie = '';
  const shown: Shown[] = [];
  const collection = COLLECTIONS[0]!.bannerIds;
  for (let i = 0; i < collection.length * 4; i++) {
    // Odd requests through Fastify itself (inject never reaches the server's fast path).
    const headers: Record<string, string> = cookie ? { cookie } : {};
    let body: string;
    if (i % 2) {
      const res = await s.app.inject({ url: '/campaigns/1', headers });
      body = res.body;
      const c = res.cookies.find((x) => x.name === ROTATION_COOKIE)!;
      cookie = `${ROTATION_COOKIE}=${c.value}`;
    } else {
      const res = await get(s.port, '/campaigns/1', headers);
      body = res.body;
      cookie = res.cookie!;
    }
    shown.push({ collection, banner: bannerOf(body) });
  }
  expect(rotationViolation(shown)).toBeUndefined();
  expect(s.requests.series[0]!.count).toBe(collection.length * 2);
});

it('answers the campaign page of the built app before Fastify, with its metrics', async () => {
  const clock = fixedClock('2026-12-03T10:05:00.000Z');
  const b = await bannersPlatform('sqlite', { clock });
  platforms.push(b.platform);
  const files = writeDataset(path.join(b.platform.dataDir, 'd', '1'), 1, {
    impressions: impressionsOf(3, [31, 32, 33]),
    clicks: ['c1,31,3', 'c2,32,3'],
  });
  await b.service.importQuarter(1, await b.service.quarterFiles(files));
  const app = await buildApp(b.platform);
  apps.push(app);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const port = (app.server.address() as AddressInfo).port;

  const viaFastify = await app.inject('/campaigns/3');
  const viaFast = await get(port, '/campaigns/3');
  // What node adds to any response (light-my-request adds its own) aside.
  const connection = new Set(['date', 'connection', 'keep-alive']);
  const names = viaFast.raw.map((h) => h.slice(0, h.indexOf(':')).toLowerCase());
  expect(names.filter((n) => !connection.has(n))).toEqual(
    Object.keys(viaFastify.headers).filter((n) => !connection.has(n)),
  );
  for (const h of viaFast.raw.slice(0, -2)) {
    const [name, value] = [h.slice(0, h.indexOf(': ')), h.slice(h.indexOf(': ') + 2)];
    if (name !== 'set-cookie') expect(value).toBe(String(viaFastify.headers[name]));
  }
  // A cookie of either path is good on the other: the same banner is not shown twice in a row.
  const next = await app.inject({ url: '/campaigns/3', headers: { cookie: viaFast.cookie! } });
  expect(bannerOf(next.body)).not.toBe(bannerOf(viaFast.body));
  expect((await get(port, '/campaigns/4')).status).toBe(404);

  const metrics = (await app.inject('/metrics')).body;
  expect(metrics).toMatch(
    /http_requests_total\{method="GET",route="\/campaigns\/:campaign_id",status="200"\} 3/,
  );
  expect(metrics).toMatch(
    /http_requests_total\{method="GET",route="\/campaigns\/:campaign_id",status="404"\} 1/,
  );
});
