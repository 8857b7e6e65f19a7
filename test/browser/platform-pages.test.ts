// The platform's own pages in Chromium: the 404 page, the admin login once logged in, the API docs.
import fs from 'node:fs';
import type { Browser, ConsoleMessage, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, startBrowserApp, type BrowserApp } from '../support/browser.js';
import { ADMIN_PASSWORD } from '../support/platform.js';

const built = fs.existsSync('dist/web/not-found/index.html');

/** Every console message and page error of a page, to assert there are none. */
function collectProblems(page: Page): string[] {
  const problems: string[] = [];
  page.on('console', (m: ConsoleMessage) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  return problems;
}

describe.skipIf(!hasChromium() || !built)('platform pages in the browser', () => {
  let env: BrowserApp | undefined;
  let browser: Browser;
  let base: string;

  beforeAll(async () => {
    env = await startBrowserApp();
    ({ browser, base } = env);
  });

  afterAll(async () => {
    await env?.close();
  });

  it('shows an unknown address as the site’s own 404 page, with a way home', async () => {
    const page = await browser.newPage();
    const problems = collectProblems(page);
    const response = await page.goto(`${base}/no/such/page`);
    expect(response?.status()).toBe(404);
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Page not found');
    expect(await page.getByTestId('missing-path').textContent()).toBe('/no/such/page');
    expect(await page.title()).toBe('Page not found · Quintet');
    await page.getByRole('link', { name: 'Go to the home page' }).click();
    await page.waitForURL(`${base}/`);
    // The 404 itself is the only thing the console may report.
    expect(problems.filter((p) => !/404/.test(p))).toEqual([]);
    await page.close();
  });

  it('sends a logged-in admin from /admin/login on to the admin pages, or to next', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${base}/admin/login`);
    await page.getByLabel('Password').fill(ADMIN_PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL('**/hiring/admin');

    await page.goto(`${base}/admin/login`);
    await page.waitForURL('**/hiring/admin');
    await page.goto(`${base}/admin/login?next=${encodeURIComponent('/diffing')}`);
    await page.waitForURL('**/diffing');
    await context.close();
  });

  it('shows the login form to a visitor who is not logged in', async () => {
    const page = await browser.newPage();
    await page.goto(`${base}/admin/login`);
    await expect.poll(() => page.getByLabel('Password').isVisible()).toBe(true);
    expect(new URL(page.url()).pathname).toBe('/admin/login');
    await page.close();
  });

  it('renders the API docs without a Content-Security-Policy error in the console', async () => {
    const page = await browser.newPage();
    const problems = collectProblems(page);
    const response = await page.goto(`${base}/docs`);
    expect(response?.status()).toBe(200);
    await page.waitForSelector('.swagger-ui .opblock-tag');
    expect(await page.locator('.swagger-ui .opblock-tag').count()).toBeGreaterThan(2);
    expect(problems).toEqual([]);
    await page.close();
  });
});
