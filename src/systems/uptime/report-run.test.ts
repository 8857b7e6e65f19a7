// The report from the database (batches of stores, the look-back for an earlier observation, now
// before the latest poll) against the pure engine given each store's whole history in memory.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { createTestPlatform, describeEachDb, type TestPlatform } from '../../../test/support/platform.js';
import { V2 } from '../../../test/support/uptime.js';
import { buildSchedule } from './business-hours.js';
import { generatePolls, writePollCsv } from './generate.js';
import { importUptimeFiles, readRowsFile } from './import.js';
import { formatReportCsvRow, REPORT_CSV_HEADER, storeUptime, toReportRow, type Poll } from './report.js';
import { runReport } from './report-run.js';
import { uptimeSystem } from './system.js';
import type { UptimeDb } from './tables.js';

const platforms: TestPlatform[] = [];
const dirs: string[] = [];
afterEach(async () => {
  while (platforms.length) await platforms.pop()!.dispose();
  while (dirs.length) fs.rmSync(dirs.pop()!, { recursive: true, force: true });
});

describeEachDb('uptime report from the database', (kind) => {
  it('gives the pure engine’s figures for every store, at the latest poll and at an earlier now', async () => {
    const platform = await createTestPlatform(kind, { systems: [uptimeSystem] });
    platforms.push(platform);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'quintet-uptime-report-'));
    dirs.push(dir);
    const hours = (await readRowsFile('hours', { path: path.join(V2, 'menu_hours.csv') })).rows;
    const timezones = (await readRowsFile('timezones', { path: path.join(V2, 'timezones.csv') })).rows;
    // 450 stores: three batches of the report's poll query; ~3 % of them never polled in hours,
    // so they look back over their whole history.
    const options = {
      hours,
      timezones,
      days: 10,
      end: Date.parse('2024-10-15T00:00:00Z'),
      maxStores: 450,
      seed: 7,
    };
    const file = path.join(dir, 'status.csv');
    const out = fs.createWriteStream(file);
    await writePollCsv(out, options);
    await new Promise<void>((resolve) => out.end(resolve));
    await importUptimeFiles(platform.database, {
      status: { path: file },
      hours: { path: path.join(V2, 'menu_hours.csv') },
      timezones: { path: path.join(V2, 'timezones.csv') },
    });

    const polls = new Map<string, Poll[]>();
    for (const p of generatePolls(options)) {
      const at = p.at;
      const list = polls.get(p.storeId);
      if (list) list.push({ at, active: p.active });
      else polls.set(p.storeId, [{ at, active: p.active }]);
    }
    const hoursOf = new Map<string, typeof hours>();
    for (const h of hours) hoursOf.set(h.storeId, [...(hoursOf.get(h.storeId) ?? []), h]);
    const zoneOf = new Map(timezones.map((z) => [z.storeId, z.timezone]));
    const expected = (now: number) =>
      REPORT_CSV_HEADER +
      [...polls.keys()]
        .filter((id) => polls.get(id)!.some((p) => p.at <= now))
        .sort()
        .map((id) =>
          formatReportCsvRow(
            toReportRow(
              storeUptime(id, buildSchedule(hoursOf.get(id) ?? [], zoneOf.get(id)), polls.get(id)!, now),
            ),
          ),
        )
        .join('');

    const latest = [...polls.values()].flat().reduce((m, p) => Math.max(m, p.at), -Infinity);
    for (const now of [undefined, latest - 2.5 * 86_400_000]) {
      let csv = '';
      const progress: number[] = [];
      const result = await runReport(platform.db as UptimeDb, {
        now,
        write: (chunk) => void (csv += chunk),
        onProgress: (f) => progress.push(f),
      });
      expect(result.now).toBe(now ?? latest);
      expect(csv).toBe(expected(result.now));
      expect(result.stores).toBe(csv.trim().split('\n').length - 1);
      expect(progress.length).toBeGreaterThanOrEqual(3);
      expect(progress.at(-1)).toBe(1);
    }
  });
});
