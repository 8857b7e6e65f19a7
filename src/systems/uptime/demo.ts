// Demo data for an empty uptime system (`quintet serve --demo`, `npm start`): generated stores of
// every hours shape and zone, and a week and a day of polls up to now, loaded like an import.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Platform } from '../../platform/platform.js';
import { generateDemoStores, writePollCsv } from './generate.js';
import { importUptimeFiles } from './import.js';
import { countStores, ensureStores, replaceHours, upsertTimezones } from './repository.js';
import type { UptimeDb } from './tables.js';

export const DEMO_STORES = 300;
export const DEMO_DAYS = 8;

export async function loadDemoData(platform: Platform): Promise<boolean> {
  const db = platform.db as UptimeDb;
  if ((await countStores(db)) > 0) return false;
  const started = performance.now();
  const demo = generateDemoStores(DEMO_STORES);
  const keys = await ensureStores(
    db,
    demo.stores.map((s) => s.storeId),
  );
  await replaceHours(db, demo.hours, keys);
  await upsertTimezones(db, demo.timezones, keys);
  // Polls up to the current minute, through the same path as an imported status file.
  const end = Math.floor(platform.clock.now().getTime() / 60_000) * 60_000;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'quintet-uptime-demo-'));
  try {
    const file = path.join(dir, 'store_status.csv');
    const out = fs.createWriteStream(file);
    const written = await writePollCsv(out, {
      hours: demo.hours,
      timezones: demo.timezones,
      days: DEMO_DAYS,
      end,
    });
    await new Promise<void>((resolve, reject) =>
      out.end((err?: Error | null) => (err ? reject(err) : resolve())),
    );
    await importUptimeFiles(platform.database, { status: { path: file } });
    platform.log.info(
      `uptime: loaded demo data (${DEMO_STORES} stores, ${written.rows} polls over ${DEMO_DAYS} days) in ${Math.round(performance.now() - started)} ms`,
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return true;
}
