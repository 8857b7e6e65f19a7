// The admin opens the banners admin page behind the login, reads a campaign's collection per
// quarter, uploads a quarter's files and sees the import listed, and sees served impressions.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordServed, servedKey } from '../../src/systems/banners/collections.js';
import { bannersRuntime } from '../../src/systems/banners/runtime.js';
import { bannersSettings } from '../../src/systems/banners/settings.js';
import { hasChromium, startBrowserApp, type BrowserApp } from '../support/browser.js';
import { ADMIN_PASSWORD } from '../support/platform.js';

const built = fs.existsSync('dist/web/banners/admin/index.html');

describe.skipIf(!hasChromium() || !built)('banners admin in the browser', () => {
  let env: BrowserApp | undefined;
  let browser: Browser;
  let base: string;

  beforeAll(async () => {
    env = await startBrowserApp();
    ({ browser, base } = env);
    await bannersRuntime.loadDemo!(env.platform, bannersSettings(env.platform.config));
    await recordServed(env.platform.db, new Map([[servedKey(1, 100), 42]]));
  }, 60_000);

  afterAll(async () => {
    await env?.close();
  });

  it('shows collections per quarter, imports an upload and lists it, and shows served impressions', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${base}/banners/admin?quarter=2`);
    await page.waitForURL('**/admin/login**');
    await page.getByLabel('Password', { exact: true }).fill(ADMIN_PASSWORD);
    await page.getByRole('button', { name: /log in/i }).click();
    await page.waitForURL('**/banners/admin?quarter=2');

    const card = page.getByTestId('collection-7');
    await expect.poll(() => card.isVisible()).toBe(true);
    expect(await page.getByRole('heading', { name: 'Collections in quarter 2' }).isVisible()).toBe(true);
    expect(await card.getByTestId('rule').textContent()).toMatch(/^Rule: /);
    expect(await card.locator('tbody tr').count()).toBeGreaterThanOrEqual(5);

    await page.getByRole('link', { name: /^Quarter 3/ }).click();
    await expect
      .poll(() => page.getByRole('heading', { name: 'Collections in quarter 3' }).isVisible())
      .toBe(true);

    await page.getByRole('link', { name: 'Imports' }).click();
    const table = page.getByTestId('imports-table');
    await expect.poll(() => table.isVisible()).toBe(true);
    expect(await table.getByText('impressions_1.csv').count()).toBe(1);

    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'banners-upload-'));
    const file = path.join(dir, 'clicks_extra.csv');
    fs.writeFileSync(file, 'click_id,banner_id,campaign_id\n900001,100,1\nbad,100,1\n');
    await page.getByLabel('Quarter of the hour', { exact: true }).selectOption('1');
    await page.getByLabel(/CSV files/).setInputFiles(file);
    await page.getByRole('button', { name: 'Import' }).click();
    await expect.poll(() => page.getByText(/1 of 1 files loaded/).isVisible()).toBe(true);
    await expect.poll(() => table.getByText('clicks_extra.csv').count()).toBe(1);
    expect(await table.getByText(/rejected line 3: click_id "bad" is not a whole number/).count()).toBe(1);
    fs.rmSync(dir, { recursive: true, force: true });

    await page.getByRole('link', { name: 'Served impressions' }).click();
    await expect
      .poll(() => page.getByTestId('served-total').textContent())
      .toMatch(/^42 impressions of 1 banners/);
    await context.close();
  });
});
