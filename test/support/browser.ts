// Debian's Chromium driven by playwright-core: never a downloaded browser.
import fs from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { buildApp } from '../../src/app.js';
import { systemJobs } from '../../src/platform/system-runtime.js';
import { SYSTEMS } from '../../src/systems/index.js';
import { createTestPlatform, type TestPlatform } from './platform.js';

export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

export const hasChromium = () => fs.existsSync(CHROMIUM);

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

export interface BrowserApp {
  platform: TestPlatform;
  /** http://127.0.0.1:<port> */
  base: string;
  browser: Browser;
  /** Closes the browser, the server and the platform. */
  close(): Promise<void>;
}

/**
 * The app on a test platform (SQLite) listening on a free port, and Chromium. With `workers`, the
 * systems' job workers run too (for pages that start jobs).
 */
export async function startBrowserApp(options: { workers?: boolean } = {}): Promise<BrowserApp> {
  const platform = await createTestPlatform('sqlite', { systems: SYSTEMS });
  let app: Awaited<ReturnType<typeof buildApp>> | undefined;
  try {
    if (options.workers) await platform.jobs.startWorkers(await systemJobs(platform, SYSTEMS));
    app = await buildApp(platform);
    const base = await app.listen({ host: '127.0.0.1', port: 0 });
    const browser = await launchChromium();
    const server = app;
    return {
      platform,
      base,
      browser,
      close: async () => {
        await browser.close();
        await server.close();
        await platform.dispose();
      },
    };
  } catch (e) {
    await app?.close();
    await platform.dispose();
    throw e;
  }
}
