// A visitor opens a campaign page: the banner's image loads; reloading shows another banner, and
// the rotation (in the page's cookie) never shows the same one twice in a row.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { bannersRuntime } from '../../src/systems/banners/runtime.js';
import { bannersSettings } from '../../src/systems/banners/settings.js';
import { hasChromium, startBrowserApp, type BrowserApp } from '../support/browser.js';

/** The banner the page shows, once its image has loaded (naturalWidth > 0). */
async function loadedBanner(page: Page): Promise<{ src: string; width: number; alt: string }> {
  const img = page.locator('a > img');
  await expect
    .poll(() => img.evaluate((el: HTMLImageElement) => el.complete && el.naturalWidth), { timeout: 10_000 })
    .toBeGreaterThan(0);
  return img.evaluate((el: HTMLImageElement) => ({
    src: el.getAttribute('src') ?? '',
    width: el.naturalWidth,
    alt: el.alt,
  }));
}

describe.skipIf(!hasChromium())('banners campaign page in Chromium', () => {
  let app: BrowserApp;
  let campaignId: number;

  beforeAll(async () => {
    app = await startBrowserApp();
    // The demo (placeholder SVG images) is imported while the app runs: it serves it within a poll.
    await bannersRuntime.loadDemo!(app.platform, bannersSettings(app.platform.config));
    const { campaigns } = (await (await fetch(`${app.base}/api/banners/campaigns`)).json()) as {
      campaigns: { campaign_id: number }[];
    };
    campaignId = campaigns[0]!.campaign_id;
    await vi.waitFor(
      async () => {
        expect((await fetch(`${app.base}/campaigns/${campaignId}`)).status).toBe(200);
      },
      { timeout: 5_000, interval: 100 },
    );
  }, 120_000);

  afterAll(async () => {
    await app?.close();
  });

  it('shows a banner whose image loads, and another banner after a reload', async () => {
    const page = await app.browser.newPage();
    try {
      await page.goto(`${app.base}/campaigns/${campaignId}`);
      const first = await loadedBanner(page);
      expect(first.src).toMatch(/^\/banners\/image_\d+\.png$/);
      expect(first.alt).toContain(`campaign ${campaignId}`);
      const shown = [first.src];
      for (let i = 0; i < 4; i++) {
        await page.reload();
        const next = await loadedBanner(page);
        expect(next.src, `reload ${i + 1}`).not.toBe(shown.at(-1));
        shown.push(next.src);
      }
      expect(new Set(shown).size).toBeGreaterThan(1);
    } finally {
      await page.close();
    }
  });

  it('sends a 404 page for an unknown campaign', async () => {
    const page = await app.browser.newPage();
    try {
      const res = await page.goto(`${app.base}/campaigns/999999/`);
      expect(res?.status()).toBe(404);
      await expect.poll(() => page.locator('h1').textContent()).toBe('Campaign not found');
    } finally {
      await page.close();
    }
  });
});
