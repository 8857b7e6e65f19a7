// A respondent fills the survey in one page while the dashboard in another shows the answers
// arrive as they are typed; the admin deletes a response and it disappears from a second
// dashboard; a used email is refused next to Email; a reload continues at the saved step.
import fs from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, startBrowserApp, type BrowserApp } from '../support/browser.js';
import { ADMIN_PASSWORD } from '../support/platform.js';

const built =
  fs.existsSync('dist/web/surveys/index.html') && fs.existsSync('dist/web/surveys/dashboard/index.html');
const SHOTS = process.env.SURVEYS_SCREENSHOTS === '1';

describe.skipIf(!hasChromium() || !built)('surveys in the browser', () => {
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

  async function adminContext(): Promise<BrowserContext> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await page.goto(`${base}/dashboard`);
    await page.waitForURL('**/admin/login**');
    await page.getByLabel('Password', { exact: true }).fill(ADMIN_PASSWORD);
    await page.getByRole('button', { name: /log in/i }).click();
    await page.waitForURL('**/dashboard');
    await page.close();
    return context;
  }

  async function openDashboard(context: BrowserContext): Promise<Page> {
    const page = await context.newPage();
    await page.goto(`${base}/dashboard`);
    await expect.poll(() => page.getByTestId('live-status').textContent()).toMatch(/^Live/);
    return page;
  }

  const row = (page: Page, text: string) =>
    page.getByTestId('responses-table').getByRole('row').filter({ hasText: text });
  const focusedText = (page: Page) => page.evaluate(() => document.activeElement?.textContent ?? '');

  it('shows answers on the dashboard as they are typed, completes, and an admin delete disappears', async () => {
    const admin = await adminContext();
    const dashboard = await openDashboard(admin);
    const respondentContext = await browser.newContext({ viewport: { width: 390, height: 844 } });
    const survey = await respondentContext.newPage();
    await survey.goto(`${base}/survey`);
    await expect.poll(() => survey.getByTestId('save-note').textContent()).toMatch(/saved as you type/i);

    // Keyboard only: type into the first field, the dashboard shows the text while typing goes on.
    const name = survey.getByLabel('Name', { exact: true });
    await name.focus();
    await survey.keyboard.type('Ada', { delay: 20 });
    await expect.poll(() => row(dashboard, 'Ada').count(), { timeout: 10_000 }).toBe(1);
    await survey.keyboard.type(' Lovelace', { delay: 20 });
    await expect.poll(() => row(dashboard, 'Ada Lovelace').count(), { timeout: 10_000 }).toBe(1);
    await expect.poll(() => dashboard.getByTestId('summary-in-progress').textContent()).toBe('1');

    await survey.keyboard.press('Tab');
    await survey.keyboard.type('ada@example', { delay: 10 });
    await survey.keyboard.press('Tab'); // blur: saved now, and refused by the server
    const emailError = survey.getByTestId('error-email');
    await expect.poll(() => emailError.isVisible()).toBe(true);
    expect(await survey.getByLabel('Email', { exact: true }).getAttribute('aria-invalid')).toBe('true');
    const describedBy = await survey.getByLabel('Email', { exact: true }).getAttribute('aria-describedby');
    expect(describedBy).toContain('field-email-error');
    await survey.getByLabel('Email', { exact: true }).focus();
    await survey.keyboard.type('.com', { delay: 10 });
    await expect.poll(() => emailError.count()).toBe(0);
    await expect
      .poll(() =>
        row(dashboard, 'Ada Lovelace').getByRole('link', { name: 'ada@example.com' }).getAttribute('href'),
      )
      .toBe('mailto:ada@example.com');

    await survey.keyboard.press('Enter'); // the form's Next
    await expect.poll(() => focusedText(survey)).toMatch(/Step 2 of 4/);
    await survey.getByLabel('Age', { exact: true }).selectOption('36');
    await expect
      .poll(() => row(dashboard, 'Ada Lovelace').getByRole('cell', { name: '36', exact: true }).count())
      .toBe(1);
    await survey.getByLabel('About me', { exact: true }).fill('Mathematician <b>not bold</b>');
    await expect
      .poll(() => row(dashboard, 'Ada Lovelace').textContent())
      .toContain('Mathematician <b>not bold</b>');
    await survey.getByRole('button', { name: /next/i }).click();
    await expect.poll(() => focusedText(survey)).toMatch(/Step 3 of 4/);
    await survey.getByRole('radio', { name: 'Female' }).check();
    await survey.getByRole('button', { name: /next/i }).click();
    await expect.poll(() => focusedText(survey)).toMatch(/Step 4 of 4/);
    await survey.getByLabel('Favourite book', { exact: true }).fill('Frankenstein');
    await survey.getByRole('checkbox', { name: 'Blue' }).check();
    await survey.getByRole('checkbox', { name: 'Violet' }).check();
    if (SHOTS) await survey.screenshot({ path: '/tmp/surveys-survey-390.png', fullPage: true });
    await survey.getByRole('button', { name: 'Submit' }).click();
    await expect.poll(() => survey.getByTestId('thanks').isVisible()).toBe(true);

    await expect.poll(() => row(dashboard, 'Ada Lovelace').textContent()).toContain('Yes');
    await expect.poll(() => dashboard.getByTestId('summary-completed').textContent()).toBe('1');
    expect(await dashboard.getByTestId('summary-average-age').textContent()).toBe('36.0');
    expect(await dashboard.getByTestId('top-colours').textContent()).toMatch(/Blue.*Violet/);
    expect(await row(dashboard, 'Ada Lovelace').textContent()).toContain('Blue, Violet');

    // Reopened after completion: exactly "Survey already submitted.", and "start over" begins anew.
    await survey.reload();
    await expect.poll(() => survey.getByTestId('submitted').isVisible()).toBe(true);
    expect(await survey.getByRole('heading', { level: 2 }).textContent()).toBe('Survey already submitted.');

    // A second respondent with the same email: refused at Submit, shown next to Email on step 1.
    const second = await (await browser.newContext()).newPage();
    await second.goto(`${base}/survey`);
    await second.getByLabel('Name', { exact: true }).fill('Grace Hopper');
    await second.getByLabel('Email', { exact: true }).fill('ADA@example.com');
    await second.getByRole('button', { name: /next/i }).click();
    await second.getByLabel('Age', { exact: true }).selectOption('40');
    await second.getByLabel('About me', { exact: true }).fill('Admiral');
    await second.getByRole('button', { name: /next/i }).click();
    await second.getByRole('button', { name: /next/i }).click();
    await second.getByRole('button', { name: 'Submit' }).click();
    await expect.poll(() => second.getByTestId('error-email').textContent()).toMatch(/already been used/i);
    expect(await second.getByRole('heading', { level: 2 }).textContent()).toMatch(/Step 1 of 4/);
    expect(await second.evaluate(() => document.activeElement?.id)).toBe('field-email');
    await second.getByLabel('Email', { exact: true }).fill('grace@example.com');
    for (const step of [2, 3, 4]) {
      await second.getByRole('button', { name: /next/i }).click();
      await expect
        .poll(() => second.getByRole('heading', { level: 2 }).textContent())
        .toMatch(`Step ${step} of 4`);
    }
    await second.getByRole('button', { name: 'Submit' }).click();
    await expect.poll(() => second.getByTestId('thanks').isVisible()).toBe(true);
    await expect.poll(() => dashboard.getByTestId('summary-completed').textContent()).toBe('2');

    // Start over: a new, empty response at step 1.
    await survey.getByTestId('start-over').click();
    await expect.poll(() => survey.getByRole('heading', { level: 2 }).textContent()).toMatch(/Step 1 of 4/);
    expect(await survey.getByLabel('Name', { exact: true }).inputValue()).toBe('');
    await expect.poll(() => dashboard.getByTestId('summary-in-progress').textContent()).toBe('1');

    // Paused: changes wait (and are counted); resumed: they are applied.
    await dashboard.getByRole('button', { name: 'Pause live updates' }).click();
    await survey.getByLabel('Name', { exact: true }).fill('Paused Person');
    await expect
      .poll(() => dashboard.getByTestId('live-status').textContent())
      .toMatch(/paused · \d+ waiting/);
    expect(await row(dashboard, 'Paused Person').count()).toBe(0);
    await dashboard.getByRole('button', { name: 'Resume live updates' }).click();
    await expect.poll(() => row(dashboard, 'Paused Person').count()).toBe(1);

    if (SHOTS) {
      await dashboard.screenshot({ path: '/tmp/surveys-dashboard-desktop.png', fullPage: true });
      const phone = await admin.newPage();
      await phone.setViewportSize({ width: 390, height: 844 });
      await phone.goto(`${base}/dashboard`);
      await expect.poll(() => row(phone, 'Grace Hopper').count()).toBe(1);
      await phone.getByTestId('gender-chart').locator('path').first().waitFor();
      await phone.screenshot({ path: '/tmp/surveys-dashboard-390.png', fullPage: true });
      await phone.close();
    }

    // The admin deletes Ada's response in a second dashboard; it disappears from the first one.
    const other = await openDashboard(admin);
    // With the keyboard: Delete opens the dialog on Cancel; Tab, Enter confirms.
    await row(other, 'Ada Lovelace')
      .getByRole('button', { name: /delete/i })
      .focus();
    await other.keyboard.press('Enter');
    const dialog = other.getByRole('dialog', { name: /delete this response/i });
    await expect.poll(() => dialog.isVisible()).toBe(true);
    await expect.poll(() => focusedText(other)).toBe('Cancel');
    await other.keyboard.press('Tab');
    expect(await focusedText(other)).toBe('Delete');
    await other.keyboard.press('Enter');
    await expect.poll(() => row(other, 'Ada Lovelace').count()).toBe(0);
    await expect.poll(() => focusedText(other)).toBe('Responses');
    await expect.poll(() => row(dashboard, 'Ada Lovelace').count(), { timeout: 10_000 }).toBe(0);
    await expect.poll(() => dashboard.getByTestId('summary-completed').textContent()).toBe('1');
    expect(await row(dashboard, 'Grace Hopper').count()).toBe(1);

    // A response deleted while its respondent is still answering: the next save starts a new one
    // with everything answered so far.
    await row(other, 'Paused Person')
      .getByRole('button', { name: /delete/i })
      .click();
    await other.getByRole('dialog').getByRole('button', { name: 'Delete', exact: true }).click();
    await expect.poll(() => row(dashboard, 'Paused Person').count()).toBe(0);
    await survey.getByLabel('Email', { exact: true }).fill('paused@example.com');
    await expect.poll(() => row(dashboard, 'paused@example.com').textContent()).toContain('Paused Person');

    await admin.close();
    await respondentContext.close();
    await second.context().close();
  }, 120_000);

  it('continues at the saved step with the answers filled in after a reload', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${base}/survey`);
    await page.getByLabel('Name', { exact: true }).fill('Mary Shelley');
    await page.getByLabel('Email', { exact: true }).fill('mary@example.com');
    await page.getByRole('button', { name: /next/i }).click();
    await expect.poll(() => page.getByRole('heading', { level: 2 }).textContent()).toMatch(/Step 2 of 4/);
    await page.getByLabel('About me', { exact: true }).fill('Novelist');
    await expect.poll(() => page.getByTestId('save-status').textContent()).toBe('All answers saved');
    if (SHOTS) {
      await page.setViewportSize({ width: 1280, height: 900 });
      await page.screenshot({ path: '/tmp/surveys-survey-desktop.png', fullPage: true });
    }

    // The cookie alone finds the response, and so does the stored id alone.
    await page.reload();
    await expect.poll(() => page.getByRole('heading', { level: 2 }).textContent()).toMatch(/Step 2 of 4/);
    expect(await page.getByLabel('About me', { exact: true }).inputValue()).toBe('Novelist');
    await context.clearCookies();
    await page.reload();
    await expect.poll(() => page.getByRole('heading', { level: 2 }).textContent()).toMatch(/Step 2 of 4/);
    await page.getByRole('button', { name: /previous/i }).click();
    expect(await page.getByLabel('Name', { exact: true }).inputValue()).toBe('Mary Shelley');
    expect(await page.getByLabel('Email', { exact: true }).inputValue()).toBe('mary@example.com');

    // Required answers are asked for before moving on.
    await page.getByRole('button', { name: /next/i }).click();
    await page.getByRole('button', { name: /next/i }).click();
    await expect.poll(() => page.getByTestId('error-age').isVisible()).toBe(true);
    expect(await page.getByRole('heading', { level: 2 }).textContent()).toMatch(/Step 2 of 4/);
    await context.close();
  });
});
