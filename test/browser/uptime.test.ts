// The admin opens /uptime (after the login), triggers a report, watches it complete, sorts the
// table by clicking a header (and with the keyboard), filters by store id, downloads the CSV, and
// opens a store: its hours, figures and the timeline chart of its week. Then the same page on a
// phone-sized screen fits without sideways scrolling.
import fs from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDemoData } from '../../src/systems/uptime/demo.js';
import { REPORT_CSV_HEADER } from '../../src/systems/uptime/report.js';
import { hasChromium, startBrowserApp, type BrowserApp } from '../support/browser.js';
import { ADMIN_PASSWORD } from '../support/platform.js';

const built = fs.existsSync('dist/web/uptime/index.html');

/** The numbers of one column of the rows table, as shown. */
async function columnValues(page: Page, index: number): Promise<number[]> {
  const cells = await page
    .getByTestId('rows-table')
    .locator(`tbody tr td:nth-child(${index + 1})`)
    .allTextContents();
  return cells.map((text) => Number(text.replace(/,/g, '')));
}

async function storeIds(page: Page): Promise<string[]> {
  return page.getByTestId('store-link').allTextContents();
}

describe.skipIf(!hasChromium() || !built)('uptime page in Chromium', () => {
  let env: BrowserApp;
  let browser: Browser;
  let base: string;

  beforeAll(async () => {
    env = await startBrowserApp({ workers: true });
    ({ browser, base } = env);
    expect(await loadDemoData(env.platform)).toBe(true);
  });

  afterAll(async () => {
    await env?.close();
  });

  it('triggers a report, follows it to Complete, sorts, filters, downloads and opens a store’s timeline', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });

    // The page is admin: the login first, then back to /uptime.
    await page.goto(`${base}/uptime`);
    await page.waitForURL('**/admin/login**');
    await page.getByLabel('Password', { exact: true }).fill(ADMIN_PASSWORD);
    await page.getByRole('button', { name: /log in/i }).click();
    await page.waitForURL('**/uptime');
    await expect.poll(() => page.getByTestId('reports-table').textContent()).toContain('No reports yet');

    // A bad instant is refused before anything is sent, next to the field.
    await page.getByLabel('Compute at').fill('yesterday');
    await page.getByTestId('trigger-report').click();
    await expect.poll(() => page.getByTestId('error-now').textContent()).toMatch(/yesterday/);

    await page.getByLabel('Compute at').fill('');
    await page.getByTestId('trigger-report').click();
    await page.waitForURL(/report=[0-9a-f]{32}/);
    const reportId = new URL(page.url()).searchParams.get('report')!;
    // The panel shows the live state (queued or running with a progress bar) until Complete.
    await page.getByTestId('report-panel').waitFor();
    await page.getByTestId('report-complete').waitFor({ timeout: 30_000 });
    expect(await page.getByTestId('report-status').first().getAttribute('data-status')).toBe('complete');
    expect(await page.getByTestId('report-progress').getAttribute('aria-valuenow')).toBe('100');

    const api = await page.request.get(`${base}/api/uptime/reports/${reportId}`);
    const report = (await api.json()) as { stores: number; pollsRead: number; now: string };
    expect(report.stores).toBe(300);
    expect(await page.getByTestId('report-stores').textContent()).toBe((300).toLocaleString('en-US'));
    expect(Number((await page.getByTestId('report-polls').textContent())!.replace(/\D/g, ''))).toBe(
      report.pollsRead,
    );

    // The fleet's totals and the first page of the table, by store id.
    await page.getByTestId('rows-table').waitFor();
    expect(await page.getByTestId('total-stores').textContent()).toBe('300');
    expect(await page.getByTestId('pager-status').textContent()).toMatch(/1–50 of 300 stores/);
    const byId = await storeIds(page);
    expect(byId).toHaveLength(50);
    expect([...byId].sort()).toEqual(byId);
    expect(await page.locator('th[aria-sort="ascending"]').textContent()).toMatch(/Store/);

    // Click "Downtime, last week": largest first, said by aria-sort.
    await page.getByTestId('sort-downtime_last_week').click();
    await page.waitForURL(/sort=downtime_last_week/);
    await expect
      .poll(() => page.locator('th[aria-sort="descending"]').textContent())
      .toMatch(/Downtime, last week/);
    await expect.poll(async () => (await storeIds(page)).join()).not.toBe(byId.join());
    const down = await columnValues(page, 6);
    expect(down).toEqual([...down].sort((a, b) => b - a));
    expect(down[0]).toBeGreaterThan(down[down.length - 1]!);

    // The same header with the keyboard: Enter turns the order round.
    await page.getByTestId('sort-downtime_last_week').focus();
    await page.keyboard.press('Enter');
    await expect
      .poll(() => page.locator('th[aria-sort="ascending"]').textContent())
      .toMatch(/Downtime, last week/);
    const ascending = (values: number[]) => values.every((v, i) => i === 0 || values[i - 1]! <= v);
    await expect.poll(async () => ascending(await columnValues(page, 6))).toBe(true);
    expect((await columnValues(page, 6))[0]).toBeLessThan(down[0]!);

    // Filter by part of a store id.
    const target = byId[7]!;
    const part = target.slice(2, 10);
    await page.getByLabel('Store id').fill(part);
    await expect.poll(async () => (await storeIds(page)).every((id) => id.includes(part))).toBe(true);
    expect(await storeIds(page)).toContain(target);

    // The CSV: the report's columns and one line per store.
    const csv = await page.request.get(`${base}${await page.getByTestId('report-csv').getAttribute('href')}`);
    expect(csv.status()).toBe(200);
    const text = await csv.text();
    expect(text.startsWith(REPORT_CSV_HEADER)).toBe(true);
    expect(text.trimEnd().split('\n')).toHaveLength(301);

    // Open the store: its hours, figures (the report's, at the report's instant) and the chart.
    const line = text.split('\n').find((l) => l.startsWith(`${target},`))!;
    await page.getByTestId('store-link').filter({ hasText: target }).click();
    await page.waitForURL(/store=/);
    await page.getByTestId('store-view').waitFor();
    await page.getByTestId('store-figures').waitFor();
    const fields = line.split(',');
    expect(await page.getByTestId('figure-uptime-week').textContent()).toBe(
      Number(fields[3]).toLocaleString('en-US', { minimumFractionDigits: 2 }),
    );
    expect(await page.getByTestId('figure-downtime-hour').textContent()).toBe(
      Number(fields[4]).toLocaleString('en-US', { minimumFractionDigits: 2 }),
    );
    expect(await page.getByTestId('store-timezone').textContent()).toMatch(/Time zone: \w+/);
    const hours = await page.getByTestId('store-hours').textContent();
    expect(hours).toMatch(/Open 24×7|Monday/);

    const chart = page.getByTestId('timeline-chart');
    await chart.locator('svg').waitFor();
    // Bands and points are drawn: ECharts' SVG has the series' paths, in the up/down colours.
    await expect.poll(() => chart.locator('svg path').count()).toBeGreaterThan(20);
    const svg = await chart.locator('svg').innerHTML();
    expect(svg).toMatch(/#009E73|rgb\(0,\s*158,\s*115\)/i);
    expect(await chart.locator('[role="img"]').getAttribute('aria-label')).toMatch(
      /^Timeline from .* local time/,
    );
    expect(await page.getByTestId('timeline-summary').textContent()).toMatch(/polls? in business hours/);

    // The last 24 hours instead of the week; then back to the report as it was (sorted, filtered).
    await page.getByTestId('timeline-day').click();
    await expect.poll(() => chart.getAttribute('data-view')).toBe('day');
    await chart.locator('svg').waitFor();
    await page.getByTestId('back-to-report').click();
    await page.getByTestId('rows-table').waitFor();
    expect(page.url()).toMatch(/sort=downtime_last_week/);
    expect(await page.getByLabel('Store id').inputValue()).toBe(part);

    // The recent reports list has this one, complete, with its CSV link.
    const recent = page.getByTestId('reports-table');
    await expect.poll(() => recent.textContent()).toContain('Complete');
    expect(await recent.getByRole('link', { name: `Download the CSV of report ${reportId}` }).count()).toBe(
      1,
    );

    // On a phone-sized screen the store page fits: nothing wider than the screen.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.getByTestId('store-link').first().click();
    await page.getByTestId('timeline-chart').locator('svg').waitFor();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);

    expect(errors).toEqual([]);
    await page.close();
  }, 90_000);
});
