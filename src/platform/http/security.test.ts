import Fastify, { type FastifyInstance, type LightMyRequestResponse } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { TestClient } from '../../../test/support/client.js';
import { createTestPlatform, type TestPlatform } from '../../../test/support/platform.js';
import { buildApp } from '../../app.js';
import { registerErrorHandling } from './errors.js';
import { securityHeaders as headersOfProfile } from './security-headers.js';
import { securityPlugin } from './security.js';

const disposables: { close(): Promise<unknown> }[] = [];
afterEach(async () => {
  while (disposables.length) await disposables.pop()!.close();
});

async function app(env: Record<string, string> = {}): Promise<FastifyInstance> {
  const platform: TestPlatform = await createTestPlatform('sqlite', { env });
  disposables.push({ close: () => platform.dispose() });
  const built = await buildApp(platform, { systems: [] });
  disposables.push(built);
  return built;
}

/** Headers that say what the response is rather than how a browser may use it. */
const NOT_SECURITY = new Set([
  'content-type',
  'content-length',
  'cache-control',
  'date',
  'connection',
  'keep-alive',
  'set-cookie',
  'location',
]);

function securityHeaders(res: LightMyRequestResponse): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(res.headers).filter(
      ([name]) => !NOT_SECURITY.has(name) && !name.startsWith('x-ratelimit-'),
    ),
  );
}

/** Exactly what @fastify/helmet sent with our options, captured from it before it was replaced. */
export const STRICT_HEADERS = {
  'content-security-policy':
    "default-src 'self';base-uri 'self';font-src 'self' https: data:;form-action 'self';frame-ancestors 'none';img-src 'self' data: blob:;object-src 'none';script-src 'self';script-src-attr 'none';style-src 'self' 'unsafe-inline';connect-src 'self'",
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'origin-agent-cluster': '?1',
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'x-dns-prefetch-control': 'off',
  'x-download-options': 'noopen',
  'x-frame-options': 'SAMEORIGIN',
  'x-permitted-cross-domain-policies': 'none',
  'x-xss-protection': '0',
};

/** @fastify/swagger-ui's staticCSP, which it sets on its own routes. */
describe('security headers', () => {
  it('sends the full strict set on a route, a 404, a CSRF refusal, a validation error and a 401', async () => {
    const server = await app();
    const client = new TestClient(server);
    const responses = [
      await server.inject('/api/ping'),
      await server.inject('/no/such/page'),
      await server.inject({ method: 'POST', url: '/api/admin/login', payload: { password: 'x' } }),
      await client.post('/api/admin/login', { password: '' }),
      await client.post('/api/admin/login', { password: 'wrong-password' }),
    ];
    expect(responses.map((r) => r.statusCode)).toEqual([200, 404, 403, 400, 401]);
    for (const res of responses) expect(securityHeaders(res)).toEqual(STRICT_HEADERS);
  });

  it('keeps the strict set, CSP included, on the OpenAPI UI', async () => {
    const server = await app();
    for (const url of ['/docs', '/docs/static/index.html']) {
      const res = await server.inject(url);
      expect(res.statusCode).toBeLessThan(400);
      expect(securityHeaders(res)).toEqual(STRICT_HEADERS);
    }
  });

  it('adds HSTS, and nothing else, when cookies are marked Secure', async () => {
    const server = await app({ COOKIE_SECURE: 'true' });
    const res = await server.inject('/api/ping');
    expect(securityHeaders(res)).toEqual({
      ...STRICT_HEADERS,
      'strict-transport-security': 'max-age=31536000; includeSubDomains',
    });
  });
});

/** A bare app with the security plugin and routes like the coming systems' (banner, survey). */
async function profiledApp(publicWriteRateLimit = 2): Promise<FastifyInstance> {
  const server = Fastify();
  registerErrorHandling(server);
  await server.register(securityPlugin, {
    secret: 'x'.repeat(32),
    cookieSecure: false,
    publicWriteRateLimit,
  });
  const ok = async () => ({ ok: true });
  server.get('/page', ok);
  server.get('/banner', { config: { security: 'embeddable' } }, ok);
  server.get('/partner', { config: { security: { frameAncestors: ['https://partner.example'] } } }, ok);
  server.get('/own-frames', { config: { security: { frameAncestors: ["'self'"] } } }, ok);
  server.post('/form', ok);
  server.post('/survey/answer', { config: { rateLimit: { max: 5, timeWindow: '1 minute' } } }, ok);
  server.post('/machine', { config: { csrf: false, rateLimit: false } }, ok);
  disposables.push(server);
  return server;
}

const STRICT_CSP = STRICT_HEADERS['content-security-policy'];
const { 'x-frame-options': _xfo, ...STRICT_WITHOUT_XFO } = STRICT_HEADERS;

describe('per-route security profiles', () => {
  it('lets any site frame a route with the embeddable profile: frame-ancestors *, no X-Frame-Options', async () => {
    const server = await profiledApp();
    const res = await server.inject('/banner');
    expect(securityHeaders(res)).toEqual({
      ...STRICT_WITHOUT_XFO,
      'content-security-policy': STRICT_CSP.replace("frame-ancestors 'none'", 'frame-ancestors *'),
    });
  });

  it('keeps the strict set on routes that declare no profile, on the same app', async () => {
    const server = await profiledApp();
    expect(securityHeaders(await server.inject('/page'))).toEqual(STRICT_HEADERS);
    expect(securityHeaders(await server.inject('/nowhere'))).toEqual(STRICT_HEADERS);
  });

  it('replaces only the directives a route declares, and drops X-Frame-Options when it cannot say the same', async () => {
    const server = await profiledApp();
    expect(securityHeaders(await server.inject('/partner'))).toEqual({
      ...STRICT_WITHOUT_XFO,
      'content-security-policy': STRICT_CSP.replace(
        "frame-ancestors 'none'",
        'frame-ancestors https://partner.example',
      ),
    });
    expect(securityHeaders(await server.inject('/own-frames'))).toEqual({
      ...STRICT_HEADERS,
      'content-security-policy': STRICT_CSP.replace("frame-ancestors 'none'", "frame-ancestors 'self'"),
    });
  });

  it('refuses an unknown profile or directive at registration, naming it', () => {
    expect(() => headersOfProfile('framed' as 'strict', { hsts: false })).toThrow(
      /unknown security profile "framed"/,
    );
    expect(() => headersOfProfile({ frameAncestor: ['*'] } as never, { hsts: false })).toThrow(
      /unknown CSP directive "frameAncestor"/,
    );
    expect(() => headersOfProfile({ imgSrc: [] }, { hsts: false })).toThrow(/"imgSrc" has no sources/);
  });

  it("applies a route's own rate limit instead of the public-write default", async () => {
    const server = await profiledApp(2);
    const client = new TestClient(server);
    const statuses = async (url: string, n: number) => {
      const out: number[] = [];
      for (let i = 0; i < n; i++) out.push((await client.post(url, {})).statusCode);
      return out;
    };
    expect(await statuses('/survey/answer', 6)).toEqual([200, 200, 200, 200, 200, 429]);
    expect(await statuses('/form', 3)).toEqual([200, 200, 429]);
    expect(await statuses('/machine', 6)).toEqual([200, 200, 200, 200, 200, 200]);
  });

  it('checks CSRF on every state-changing route unless it opts out, whatever its rate limit', async () => {
    const server = await profiledApp(100);
    const client = new TestClient(server);
    for (const url of ['/form', '/survey/answer']) {
      const refused = await client.post(url, {}, { csrf: false });
      expect(refused.statusCode).toBe(403);
      expect(refused.json().error).toMatch(/csrf/i);
      expect((await client.post(url, {})).statusCode).toBe(200);
    }
    expect((await client.post('/machine', {}, { csrf: false })).statusCode).toBe(200);
  });
});
