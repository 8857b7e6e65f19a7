// The hiring admin's funnel in Chromium: a range it cannot show is explained in the page's own words
// and date format (never the API's text or ISO dates), and the chart's axis titles cover no tick
// label, whatever the counts.
import fs from 'node:fs';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHiringService } from '../../src/systems/hiring/service.js';
import { hasChromium, startBrowserApp, type BrowserApp } from '../support/browser.js';
import { ADMIN_PASSWORD } from '../support/platform.js';

const built = fs.existsSync('dist/web/hiring-admin/index.html');
const ISO = /\d{4}-\d{2}-\d{2}/;

interface Box {
  text: string;
  left: number;
  top: number;
  right: number;
  bottom: number;
}

describe.skipIf(!hasChromium() || !built)('hiring funnel page in the browser', () => {
  let env: BrowserApp | undefined;
  let context: BrowserContext;
  let base: string;

  beforeAll(async () => {
    env = await startBrowserApp();
    base = env.base;
    // Applicants in every week of the ranges shown below (across the 2014/2015 year boundary).
    await createHiringService(env.platform).seed({
      count: 400,
      from: new Date('2014-11-03T00:00:00Z'),
      to: new Date('2015-03-01T23:59:59Z'),
      seed: 13,
    });
    context = await env.browser.newContext({ locale: 'en-US', viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await page.goto(`${base}/hiring/admin`);
    await page.waitForURL('**/admin/login**');
    await page.getByLabel('Password', { exact: true }).fill(ADMIN_PASSWORD);
    await page.getByRole('button', { name: /log in/i }).click();
    await page.waitForURL('**/hiring/admin**');
    await page.close();
  });

  afterAll(async () => {
    await env?.close();
  });

  const funnelUrl = (start: string, end: string) =>
    `${base}/hiring/admin?tab=funnel&start_date=${start}&end_date=${end}`;

  it.each([
    ['2015-03-05', '2015-03-01', 'The end date (Mar 1, 2015) is before the start date (Mar 5, 2015).'],
    [
      '2000-01-01',
      '2015-06-30',
      'Jan 1, 2000 to Jun 30, 2015 is longer than 10 years: choose a shorter range.',
    ],
    [
      '9999-12-01',
      '9999-12-30',
      "The end date (Dec 30, 9999) is too late: the funnel's last whole week ends Dec 26, 9999.",
    ],
    [
      '0000-06-01',
      '2015-01-10',
      'The start date is not a date the funnel can show: choose a day from the year 1 to 9999.',
    ],
    [
      '2015-01-01',
      '2015-02-29',
      'The end date is not a date the funnel can show: choose a day from the year 1 to 9999.',
    ],
  ])('explains the range %s to %s in its own words and date format', async (start, end, expected) => {
    const page = await context.newPage();
    await page.goto(funnelUrl(start, end));
    const alert = page.getByTestId('funnel-error');
    await alert.waitFor();
    const text = (await alert.textContent()) ?? '';
    expect(text).toContain(expected);
    expect(text).not.toMatch(ISO);
    expect(text).not.toMatch(/start_date|end_date|YYYY/);
    await page.close();
  });

  it('refuses an end before the start at the end date field, in its date format, without leaving the page', async () => {
    const page = await context.newPage();
    await page.goto(funnelUrl('2015-01-05', '2015-02-01'));
    await page.getByTestId('funnel-total-applied').waitFor();
    const before = page.url();
    await page.getByLabel('Start date', { exact: true }).fill('2015-02-10');
    await page.getByRole('button', { name: /show funnel/i }).click();
    const field = page.getByText('The end date (Feb 1, 2015) is before the start date (Feb 10, 2015).');
    await field.waitFor();
    expect(page.url()).toBe(before);
    await page.close();
  });

  it('offers no move of an applicant to the state it is in', async () => {
    const page = await context.newPage();
    await page.goto(`${base}/hiring/admin/applicants/1`);
    const current = (await page.getByTestId('current-state').textContent())?.trim() ?? '';
    const select = page.getByLabel('State', { exact: true });
    const move = page.getByRole('button', { name: /^move$/i });
    const currentValue = await select.inputValue();
    expect(current).not.toBe('');
    expect(await move.isDisabled()).toBe(true);
    const other = currentValue === 'hired' ? 'rejected' : 'hired';
    await select.selectOption(other);
    expect(await move.isDisabled()).toBe(false);
    await move.click();
    await expect.poll(() => page.getByTestId('move-message').textContent()).toMatch(/^Moved to /);
    // Now in the new state, moving again to it is not offered.
    expect(await select.inputValue()).toBe(other);
    expect(await move.isDisabled()).toBe(true);
    await page.close();
  });

  async function chartTextBoxes(page: Page): Promise<{ svg: Box; texts: Box[] }> {
    const svg = page.getByTestId('funnel-chart').locator('svg').first();
    await svg.getByText('Applicants', { exact: true }).waitFor();
    return svg.evaluate((el) => {
      const box = (e: Element, text: string) => {
        const r = e.getBoundingClientRect();
        return { text, left: r.left, top: r.top, right: r.right, bottom: r.bottom };
      };
      return {
        svg: box(el, ''),
        texts: [...el.querySelectorAll('text')]
          .filter((t) => (t.textContent ?? '').trim() !== '')
          .map((t) => box(t, (t.textContent ?? '').trim())),
      };
    });
  }

  const overlaps = (a: Box, b: Box) =>
    a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;

  it.each([
    ['the counts as stored', 1],
    ['counts in the millions', 100_000],
  ])('draws the axis titles clear of every tick label, with %s', async (_, factor) => {
    const page = await context.newPage();
    // Bigger counts than a test can seed: the API's own answer with every count multiplied.
    await page.route('**/hiring/api/admin/funnel?**', async (route) => {
      const response = await route.fetch();
      const body = (await response.json()) as { weeks: { counts: Record<string, number> }[] };
      for (const week of body.weeks)
        for (const state of Object.keys(week.counts)) week.counts[state]! *= factor;
      await route.fulfill({ response, json: body });
    });
    await page.goto(funnelUrl('2014-11-03', '2015-03-01'));
    const { svg, texts } = await chartTextBoxes(page);
    const titles = texts.filter((t) => t.text === 'Applicants' || t.text === 'Week starting');
    const ticks = texts.filter((t) => !titles.includes(t));
    expect(titles.map((t) => t.text).sort()).toEqual(['Applicants', 'Week starting']);
    // The y axis's labels really are as wide as the counts (2,000,000 and more with the factor).
    const yLabels = ticks.filter((t) => /^[\d,]+$/.test(t.text));
    expect(yLabels.length).toBeGreaterThan(2);
    if (factor > 1) expect(yLabels.some((t) => t.text.length >= 9)).toBe(true);
    // Week labels carry the year: the weeks span 2014 and 2015.
    expect(ticks.some((t) => /, 2014$/.test(t.text))).toBe(true);
    expect(ticks.some((t) => /, 2015$/.test(t.text))).toBe(true);
    for (const title of titles) {
      for (const tick of ticks)
        expect(overlaps(title, tick), `"${title.text}" over "${tick.text}"`).toBe(false);
      // Not cut off by the drawing's edges either.
      expect(title.left).toBeGreaterThanOrEqual(svg.left);
      expect(title.right).toBeLessThanOrEqual(svg.right);
      expect(title.top).toBeGreaterThanOrEqual(svg.top);
      expect(title.bottom).toBeLessThanOrEqual(svg.bottom);
    }
    await page.close();
  });
});
