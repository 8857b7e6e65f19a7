import type { FastifyInstance } from 'fastify';
import { afterEach, expect, it } from 'vitest';
import { TestClient } from '../../../test/support/client.js';
import { createTestPlatform, describeEachDb, type DbKind } from '../../../test/support/platform.js';
import { buildApp } from '../../app.js';
import { fixedClock } from '../clock.js';

const disposables: { close(): Promise<unknown> }[] = [];
afterEach(async () => {
  while (disposables.length) await disposables.pop()!.close();
});

async function appOn(kind: DbKind, clock = fixedClock('2026-12-03T07:00:00.000Z')): Promise<FastifyInstance> {
  const platform = await createTestPlatform(kind, { clock });
  disposables.push({ close: () => platform.dispose() });
  const app = await buildApp(platform, { systems: [] });
  disposables.push(app);
  return app;
}

/** A second browser holding a copy of the first one's cookies. */
function copyOf(app: FastifyInstance, client: TestClient) {
  const cookie = client.cookieHeader();
  return (url: string) => app.inject({ url, headers: { cookie } });
}

describeEachDb('admin sessions', (kind) => {
  it('stops accepting a copied admin cookie once its session logs out', async () => {
    const app = await appOn(kind);
    const browser = new TestClient(app);
    expect((await browser.loginAsAdmin()).statusCode).toBe(200);
    const copied = copyOf(app, browser);
    expect((await copied('/api/admin/session')).json()).toEqual({ admin: true });
    expect((await browser.post('/api/admin/logout')).statusCode).toBe(200);
    expect((await copied('/api/admin/session')).json()).toEqual({ admin: false });
    expect((await browser.get('/api/admin/session')).json()).toEqual({ admin: false });
  });

  it('ends only the session that logs out: another login stays valid', async () => {
    const app = await appOn(kind);
    const first = new TestClient(app);
    const second = new TestClient(app);
    await first.loginAsAdmin();
    await second.loginAsAdmin();
    await first.post('/api/admin/logout');
    expect((await first.get('/api/admin/session')).json()).toEqual({ admin: false });
    expect((await second.get('/api/admin/session')).json()).toEqual({ admin: true });
  });

  it('ends the session 12 hours after login', async () => {
    const clock = fixedClock('2026-12-03T07:00:00.000Z');
    const app = await appOn(kind, clock);
    const browser = new TestClient(app);
    await browser.loginAsAdmin();
    clock.set('2026-12-03T18:59:00.000Z');
    expect((await browser.get('/api/admin/session')).json()).toEqual({ admin: true });
    clock.set('2026-12-03T19:00:01.000Z');
    expect((await browser.get('/api/admin/session')).json()).toEqual({ admin: false });
  });

  it('rotates the CSRF secret at login: a token from before the login is refused after it', async () => {
    const app = await appOn(kind);
    const browser = new TestClient(app);
    const before = await browser.token();
    const login = await browser.loginAsAdmin();
    expect(login.cookies.some((c) => c.name === 'quintet_csrf')).toBe(true);
    const stale = await app.inject({
      method: 'POST',
      url: '/api/admin/logout',
      headers: { cookie: browser.cookieHeader(), 'x-csrf-token': before },
    });
    expect(stale.statusCode).toBe(403);
    const fresh = await app.inject({
      method: 'POST',
      url: '/api/admin/logout',
      headers: { cookie: browser.cookieHeader(), 'x-csrf-token': login.json().csrf_token },
    });
    expect(fresh.statusCode).toBe(200);
  });

  it('refuses an admin cookie signed with the secret but naming no session', async () => {
    const app = await appOn(kind);
    const cookie = app.signCookie(`admin:${'x'.repeat(43)}.9999999999`);
    const res = await app.inject({
      url: '/api/admin/session',
      headers: { cookie: `quintet_admin=${cookie}` },
    });
    expect(res.json()).toEqual({ admin: false });
  });
});
