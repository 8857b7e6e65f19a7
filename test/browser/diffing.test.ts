// An analyst uploads two exports of a cohort-revenue metric, sees a header mismatch explained, picks
// the metric, starts the diff, follows it to the end and downloads exactly the new and changed rows.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findMetric } from '../../src/systems/diffing/metric-definitions.js';
import { insertJob, updateProgress } from '../../src/systems/diffing/repository.js';
import type { DiffingDb } from '../../src/systems/diffing/tables.js';
import { METRIC_LAYOUTS } from '../../src/systems/diffing/generate.js';
import { hasChromium, startBrowserApp, type BrowserApp } from '../support/browser.js';

const built = fs.existsSync('dist/web/diffing/index.html');

const HEADER = METRIC_LAYOUTS['c-revenue'].columns;

type Row = Record<(typeof HEADER)[number], string>;

function row(
  cohort: string,
  monthNth: string,
  monthDate: string,
  segment: string,
  segId: string,
  value: string,
): Row {
  return {
    cohort,
    cohort_id: cohort.replace('-', ''),
    month_date: monthDate,
    month_nth: monthNth,
    segment_field: 'channel',
    segment_name: 'Sales channel',
    segment_value: segment,
    segment_value_id: segId,
    stat: 'revenue',
    value,
  };
}

const quote = (field: string) => (/[",\r\n]/.test(field) ? `"${field.replace(/"/g, '""')}"` : field);
const line = (fields: readonly string[]) => fields.map(quote).join(',');
const csv = (header: readonly string[], rows: readonly Row[]) =>
  [line(header), ...rows.map((r) => line(header.map((h) => r[h] ?? '')))].join('\n') + '\n';

// Old export: one row will change, one will disappear, the rest stay (one written differently: 300 vs 300.0).
const OLD_ROWS: Row[] = [
  row('2024-01', '0', '2024-01-01', 'Web, mobile', '11', '100.5'),
  row('2024-01', '1', '2024-02-01', 'Store', '12', '200'),
  row('2024-02', '0', '2024-02-01', 'Store', '12', '300'),
  row('2024-02', '1', '2024-03-01', 'Store', '12', '50'),
  row('2024-02', '1', '2024-03-01', 'Web, mobile', '11', '42'),
];
const NEW_ROWS: Row[] = [
  row('2024-01', '0', '2024-01-01', 'Web, mobile', '11', '100.5'),
  row('2024-01', '1', '2024-02-01', 'Store', '12', '250'),
  row('2024-02', '0', '2024-02-01', 'Store', '12', '300.0'),
  row('2024-02', '1', '2024-03-01', 'Web, mobile', '11', '42'),
  // A new key whose id is markup: shown as text in the preview, never as HTML.
  row('2024-03', '0', '2024-03-01', 'Web, mobile', '<i>11</i>', '75'),
];

const metric = findMetric('c-revenue');
if (metric === undefined) throw new Error('the c-revenue metric is not defined');
const keyOf = (r: Row) => JSON.stringify(metric.keys.map((k) => r[k]));
const oldByKey = new Map(OLD_ROWS.map((r) => [keyOf(r), r]));
const newKeys = new Set(NEW_ROWS.map(keyOf));
const sameValue = (a: string, b: string) => a === b || Number(a) === Number(b);

/** The new header, then each new-file row whose key is new or whose value changed, in new-file order. */
const EXPECTED_DIFF = csv(
  HEADER,
  NEW_ROWS.filter((r) => {
    const before = oldByKey.get(keyOf(r));
    return before === undefined || !sameValue(before[metric.value] ?? '', r[metric.value] ?? '');
  }),
);
const EXPECTED_DELETED = csv(
  HEADER,
  OLD_ROWS.filter((r) => !newKeys.has(keyOf(r))),
);

describe.skipIf(!hasChromium() || !built)('diffing in the browser', () => {
  let env: BrowserApp | undefined;
  let browser: Browser;
  let base: string;
  let dir: string;
  const files = { old: '', new: '', oldWithoutStat: '' };

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'quintet-diffing-browser-'));
    files.old = path.join(dir, 'c_revenue_old.csv');
    files.new = path.join(dir, 'c_revenue_new.csv');
    files.oldWithoutStat = path.join(dir, 'no_stat_old.csv');
    fs.writeFileSync(files.old, csv(HEADER, OLD_ROWS));
    fs.writeFileSync(files.new, csv(HEADER, NEW_ROWS));
    fs.writeFileSync(
      files.oldWithoutStat,
      csv(
        HEADER.filter((h) => h !== 'stat'),
        OLD_ROWS,
      ),
    );

    env = await startBrowserApp({ workers: true });
    ({ browser, base } = env);
  });

  afterAll(async () => {
    await env?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  async function download(page: Page, link: string): Promise<string> {
    const [file] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: link, exact: true }).click(),
    ]);
    const saved = await file.path();
    return fs.readFileSync(saved, 'utf8');
  }

  it('uploads two exports, explains a header mismatch, runs the diff and downloads the new and changed rows', async () => {
    const context = await browser.newContext({
      viewport: { width: 375, height: 812 },
      acceptDownloads: true,
    });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (err) => problems.push(err.message));
    page.on('console', (msg) => {
      if (msg.type() === 'error') problems.push(msg.text());
    });

    await page.goto(`${base}/diffing`);
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toMatch(/diff/i);
    await page.getByRole('radio', { name: 'Upload two files' }).check();

    // An old file without the "stat" column: the metric can't be used, and the page says why.
    await page.getByLabel('Old file', { exact: true }).setInputFiles(files.oldWithoutStat);
    await page.getByLabel('New file', { exact: true }).setInputFiles(files.new);
    await expect.poll(() => page.getByTestId('columns-old').textContent()).toMatch(/9 columns/);
    await expect.poll(() => page.getByTestId('columns-new').textContent()).toMatch(/10 columns/);
    await page.getByLabel('Metric', { exact: true }).selectOption('c-revenue');
    await expect
      .poll(() => page.getByTestId('column-mismatch').textContent())
      .toMatch(/old file has no “stat” column/);

    // The right old file: the headers now match c-revenue, whose key columns are preselected.
    await page.getByLabel('Old file', { exact: true }).setInputFiles(files.old);
    await expect.poll(() => page.getByTestId('columns-old').textContent()).toMatch(/10 columns/);
    await expect.poll(() => page.getByTestId('column-mismatch').count()).toBe(0);
    const keyGroup = page.getByRole('group', { name: 'Key columns' });
    for (const key of metric.keys) {
      expect(await keyGroup.getByRole('checkbox', { name: key, exact: true }).isChecked()).toBe(true);
    }
    expect(await keyGroup.getByRole('checkbox', { name: 'value', exact: true }).isChecked()).toBe(false);
    expect(await page.getByLabel('Value column', { exact: true }).inputValue()).toBe('value');
    await page.getByLabel('Metric', { exact: true }).selectOption('c-revenue');

    await page.getByRole('button', { name: 'Start diff', exact: true }).click();
    await page.waitForURL(/\/diffing\?job=\d+$/);
    const jobId = new URL(page.url()).searchParams.get('job');

    // Done: the figures follow from the files written above.
    const stat = (id: string) => page.getByTestId(`stat-${id}`).textContent();
    await expect.poll(() => stat('changed'), { timeout: 20_000 }).toBe('1');
    expect(await stat('new')).toBe('1');
    expect(await stat('deleted')).toBe('1');
    expect(await stat('unchanged')).toBe('3');
    expect(await stat('rows-old')).toBe(String(OLD_ROWS.length));
    expect(await stat('rows-new')).toBe(String(NEW_ROWS.length));
    expect(await stat('rows-out')).toBe('2');
    expect(await page.getByTestId('result-files').textContent()).toMatch(
      /the 2 new or changed rows; .* the 1 row that is only in the old file\./,
    );
    expect(await page.getByRole('progressbar').first().getAttribute('aria-valuenow')).toBe('100');

    // The preview: the new row, the changed row with its old value beside the new one, the deleted
    // row, in the key and value columns.
    const preview = page.getByTestId('preview');
    const cells = (part: string) =>
      preview
        .getByTestId(`preview-${part}`)
        .locator('tbody tr')
        .evaluateAll((rows) =>
          rows.map((r) =>
            [...r.querySelectorAll('td')].map((td) => {
              // A changed value: the old one struck out, then the new one.
              const [was, now] = [td.querySelector('del'), td.querySelector('ins')];
              return was && now ? `${was.textContent} → ${now.textContent}` : td.textContent;
            }),
          ),
        );
    const keyColumns = [...metric.keys, metric.value];
    await expect
      .poll(() => cells('new'))
      .toEqual([['2024-03', '202403', '0', 'channel', '<i>11</i>', 'revenue', '75']]);
    expect(await cells('changed')).toEqual([
      ['2024-01', '202401', '1', 'channel', '12', 'revenue', '200 → 250'],
    ]);
    expect(await cells('deleted')).toEqual([['2024-02', '202402', '1', 'channel', '12', 'revenue', '50']]);
    expect(await preview.getByTestId('preview-changed').locator('thead th').allTextContents()).toEqual([
      ...keyColumns.slice(0, -1),
      `${metric.value}: old → new`,
    ]);
    expect(await preview.locator('tbody i').count()).toBe(0); // the markup stayed text
    expect(await preview.getByTestId('preview-new-count').textContent()).toBe('1 new row.');
    expect(await preview.getByTestId('preview-changed-count').textContent()).toBe('1 changed row.');
    expect(await preview.getByTestId('preview-deleted-count').textContent()).toBe('1 deleted row.');
    // On a phone the preview scrolls inside its box; the page itself does not scroll sideways.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);

    expect(await download(page, 'Download diff')).toBe(EXPECTED_DIFF);
    expect(await download(page, 'Download deleted rows')).toBe(EXPECTED_DELETED);

    // The job is listed as done, and a reload keeps it shown.
    const table = page.getByTestId('jobs-table');
    // Its row says what the panel says.
    await expect
      .poll(() => table.locator(`[data-status]`).first().getAttribute('data-status'))
      .toBe(await page.getByTestId('job-panel').locator('[data-status]').first().getAttribute('data-status'));
    await expect.poll(() => table.getByRole('link', { name: `View job ${jobId}` }).count()).toBe(1);
    await expect.poll(() => table.getByText('Done').count()).toBe(1);
    await page.reload();
    await expect.poll(() => stat('changed')).toBe('1');
    expect(await page.getByRole('heading', { name: `Job ${jobId}` }).count()).toBe(1);

    // Nothing broke in the page, nothing was blocked by the content security policy.
    expect(problems).toEqual([]);
    await context.close();
  });
  it('shows a running job’s progress in its recent-jobs row as its panel does, even when the list’s own answer lags', async () => {
    const db = env!.platform.db as DiffingDb;
    // A job a worker elsewhere is running (no queue entry here, so nothing moves it but this test).
    const job = await insertJob(db, {
      client: '',
      owner: null,
      metric: 'c-revenue',
      keys: JSON.stringify(metric.keys),
      value_column: metric.value,
      source: 'files',
      old_input: files.old,
      new_input: files.new,
      old_name: 'c_revenue_old.csv',
      new_name: 'c_revenue_new.csv',
      status: 'processing',
      progress: 61,
      attempts: 1,
      warnings: '[]',
      created_at: new Date().toISOString(),
      started_at: new Date().toISOString(),
    });
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    // The list's answer says 0 % for the job, as one read before the job moved on would.
    await page.route('**/api/diffing/jobs?*', async (route) => {
      const response = await route.fetch();
      const body = (await response.json()) as { jobs: { job_id: number; progress: number }[] };
      for (const j of body.jobs) if (j.job_id === job.id) j.progress = 0;
      await route.fulfill({ response, json: body });
    });
    await page.goto(`${base}/diffing?job=${job.id}`);
    const panelBadge = page.getByTestId('job-panel').locator('[data-status]').first();
    const rowBadge = page
      .getByTestId('jobs-table')
      .locator('tr', { has: page.getByRole('link', { name: `View job ${job.id}` }) })
      .locator('[data-status]');
    await expect.poll(() => panelBadge.textContent()).toBe('Running · 61 %');
    await expect.poll(() => rowBadge.textContent()).toBe('Running · 61 %');

    await updateProgress(db, job.id, 75);
    await expect.poll(() => panelBadge.textContent()).toBe('Running · 75 %');
    await expect.poll(() => rowBadge.textContent()).toBe('Running · 75 %');
    await context.close();
  });
});
