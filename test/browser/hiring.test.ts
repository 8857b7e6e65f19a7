// A shopper applies, fixes a validation error without retyping, agrees to the background check,
// tracks and edits the application; the admin moves it to `hired` and sees the funnel change.
import fs from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, startBrowserApp, type BrowserApp } from '../support/browser.js';
import { ADMIN_PASSWORD } from '../support/platform.js';

const built = fs.existsSync('dist/web/hiring/index.html');

describe.skipIf(!hasChromium() || !built)('hiring in the browser', () => {
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

  async function hiredTotal(page: Page): Promise<number> {
    const text = await page.getByTestId('funnel-total-hired').textContent();
    return Number((text ?? '').replace(/\D/g, ''));
  }

  it('does not thank a visitor who opens the confirmation page without having applied', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${base}/hiring/apply/confirmation`);
    await page.getByTestId('no-application').waitFor();
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toMatch(/no application yet/i);
    expect(await page.content()).not.toMatch(/thanks for applying/i);
    await context.close();
  });

  it('applies, fixes an error without retyping, tracks, edits; the admin hires and the funnel changes', async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
    const page = await context.newPage();

    await page.goto(`${base}/hiring/`);
    await page.getByRole('link', { name: /apply now/i }).click();
    await page.waitForURL('**/hiring/apply');

    await page.getByLabel('First name', { exact: true }).fill('Ada');
    await page.getByLabel('Last name', { exact: true }).fill('Lovelace');
    await page.getByLabel('Email', { exact: true }).fill('ada.lovelace@example'); // no top-level domain: refused
    await page.getByLabel('Phone', { exact: true }).fill('(415) 555-0134');
    await page.getByLabel('Region', { exact: true }).selectOption('San Francisco Bay Area');
    await page.getByLabel('Phone type', { exact: true }).selectOption('iPhone 6s/6s Plus');
    await page.getByRole('radio', { name: 'Yes' }).check();
    await page.getByLabel('Why do you want to be a shopper?', { exact: true }).fill('I love markets.');
    await page.getByRole('button', { name: /continue/i }).click();

    await expect.poll(() => page.getByText(/valid email address/i).isVisible()).toBe(true);
    expect(page.url()).toMatch(/\/hiring\/apply$/);
    // Nothing typed was lost.
    expect(await page.getByLabel('First name', { exact: true }).inputValue()).toBe('Ada');
    expect(await page.getByLabel('Phone', { exact: true }).inputValue()).toBe('(415) 555-0134');
    expect(await page.getByLabel('Why do you want to be a shopper?', { exact: true }).inputValue()).toBe(
      'I love markets.',
    );

    await page.getByLabel('Email', { exact: true }).fill('ada.lovelace@example.com');
    await page.getByRole('button', { name: /continue/i }).click();
    await page.waitForURL('**/hiring/apply/background-check');
    await page.getByLabel('I agree to a background check', { exact: true }).check();
    await page.getByRole('button', { name: /submit application/i }).click();
    await page.waitForURL('**/hiring/apply/confirmation');
    await expect.poll(() => page.getByText(/Ada/).first().isVisible()).toBe(true);

    // Log out, then come back by email + last four digits and edit.
    await page.goto(`${base}/hiring/application`);
    await page.getByRole('button', { name: /log out/i }).click();
    await page.waitForURL((url) => url.pathname === '/hiring/' || url.pathname === '/hiring');
    await page.getByLabel('Email', { exact: true }).fill('ada.lovelace@example.com');
    await page.getByLabel('Last four digits of your phone', { exact: true }).fill('0000');
    await page.getByRole('button', { name: /track/i }).click();
    await expect.poll(() => page.getByText(/no application matches/i).isVisible()).toBe(true);
    await page.getByLabel('Last four digits of your phone', { exact: true }).fill('0134');
    await page.getByRole('button', { name: /track/i }).click();
    await page.waitForURL('**/hiring/application');
    await page.getByRole('button', { name: /edit/i }).click();
    await page.getByLabel('Last name', { exact: true }).fill('King');
    await page.getByRole('button', { name: /save/i }).click();
    await expect.poll(() => page.getByText('King').first().isVisible()).toBe(true);

    // The admin: redirected to the login, then the applicant list, the detail page and the funnel.
    await page.goto(`${base}/hiring/admin`);
    await page.waitForURL('**/admin/login**');
    await page.getByLabel('Password', { exact: true }).fill(ADMIN_PASSWORD);
    await page.getByRole('button', { name: /log in/i }).click();
    await page.waitForURL('**/hiring/admin**');

    await page
      .getByRole('tab', { name: /funnel/i })
      .or(page.getByRole('link', { name: /funnel/i }))
      .first()
      .click();
    await expect.poll(() => page.getByTestId('funnel-total-hired').isVisible()).toBe(true);
    const before = await hiredTotal(page);

    await page
      .getByRole('tab', { name: /applicants/i })
      .or(page.getByRole('link', { name: /applicants/i }))
      .first()
      .click();
    await page.getByLabel('Search', { exact: true }).fill('ada.lovelace');
    await page.getByRole('link', { name: /Ada King/ }).click();
    await page.waitForURL('**/hiring/admin/applicants/*');
    await page.getByLabel('State', { exact: true }).selectOption('hired');
    await page.getByRole('button', { name: /move/i }).click();
    await expect.poll(() => page.getByText(/hired/i).first().isVisible()).toBe(true);

    await page.goto(`${base}/hiring/admin`);
    await page
      .getByRole('tab', { name: /funnel/i })
      .or(page.getByRole('link', { name: /funnel/i }))
      .first()
      .click();
    await expect.poll(() => hiredTotal(page)).toBe(before + 1);
    await context.close();
  });
});
