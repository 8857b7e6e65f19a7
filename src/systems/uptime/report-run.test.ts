// The report from the database (batches of stores, the look-back for an earlier observation, now
// before the latest poll) against the pure engine given each store's whole history in memory.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestPlatform, describeEachDb, type TestPlatform } from '../../../test/support/platform.js';
import { V2 } from '../../../test/support/uptime.js';
import { buildSchedule } from './business-hours.js';
import { generatePolls, writePollCsv } from './generate.js';
import { importUptimeFiles, readRowsFile } from './import.js';
import { formatReportCsvRow, REPORT_CSV_HEADER, storeUptime, toReportRow, type Poll } from './report.js';
import { runReport } from './report-run.js';
import { ensureStores, PollColumns, windowReader } from './repository.js';
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
      const result = await runReport(platform.db as UptimeDb, platform.database.native, {
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
  it('stops at a failed write or an abort with the next batch’s read finished and its connection back', async () => {
    const platform = await createTestPlatform(kind, { systems: [uptimeSystem] });
    platforms.push(platform);
    const db = platform.db as UptimeDb;
    // 650 stores: four batches of 200, so a read is ahead whenever a batch is written.
    const ids = Array.from({ length: 650 }, (_, i) => `s${String(i).padStart(4, '0')}`);
    const keys = await ensureStores(db, ids);
    await db
      .insertInto('uptime_polls')
      .values(ids.map((id, i) => ({ store_key: keys.get(id)!, ts_ms: 1_000_000 + i, active: 1 }) as never))
      .execute();
    const native = platform.database.native;
    const idle = () => (native.dialect === 'postgres' ? native.pool.totalCount - native.pool.idleCount : 0);
    let writes = 0;
    await expect(
      runReport(db, native, {
        write: () => {
          if (++writes === 3) throw new Error('disk full');
        },
      }),
    ).rejects.toThrow('disk full');
    expect(idle()).toBe(0);
    const abort = new AbortController();
    const lines: string[] = [];
    await expect(
      runReport(db, native, {
        signal: abort.signal,
        write: (chunk) => {
          lines.push(...chunk.trim().split('\n'));
          if (lines.length > 200) abort.abort(new Error('stopped'));
        },
      }),
    ).rejects.toThrow('stopped');
    expect(lines).toHaveLength(201); // the header and the first batch
    expect(idle()).toBe(0);
    // And a whole run still gives every store, in store_id order.
    const csv: string[] = [];
    const result = await runReport(db, native, { write: (chunk) => void csv.push(chunk) });
    expect(result.stores).toBe(650);
    expect(
      csv
        .join('')
        .trim()
        .split('\n')
        .slice(1)
        .map((l) => l.split(',')[0]),
    ).toEqual(ids);
  });

  it('reads each store’s polls in (from, to] in time order through the driver, before 1970 too', async () => {
    const platform = await createTestPlatform(kind, { systems: [uptimeSystem] });
    platforms.push(platform);
    const db = platform.db as UptimeDb;
    const keys = await ensureStores(db, ['a', 'b', 'c']);
    const [a, b, c] = ['a', 'b', 'c'].map((id) => keys.get(id)!) as [number, number, number];
    const polls = [
      // store, ts_ms, active: out of order on purpose, with polls on and beyond each edge
      [b, 1_728_950_118_000, 1],
      [a, 5_000, 0],
      [a, -3_001, 1],
      [a, -3_000, 0],
      [b, 1_728_950_117_999, 0],
      [a, 1_000, 1],
      [b, -10_000, 1],
      [a, -20_000, 1],
      [c, 2_000_000_000_000, 1],
    ];
    await db
      .insertInto('uptime_polls')
      .values(polls.map(([store_key, ts_ms, active]) => ({ store_key, ts_ms, active }) as never))
      .execute();
    const into = new PollColumns();
    into.push(99, 1, 1); // left over from an earlier batch: cleared
    const read = async (storeKeys: number[], from: number, to: number) => {
      await windowReader(platform.database.native)(storeKeys, from, to, into);
      return Array.from({ length: into.length }, (_, i) => [into.store[i], into.at[i], into.active[i]]);
    };
    const all = await read([a, b, c], -10_000, 1_728_950_118_000);
    const byStore = (key: number) => all.filter((r) => r[0] === key);
    expect(byStore(a)).toEqual([
      [a, -3_001, 1],
      [a, -3_000, 0],
      [a, 1_000, 1],
      [a, 5_000, 0],
    ]);
    expect(byStore(b)).toEqual([
      [b, 1_728_950_117_999, 0],
      [b, 1_728_950_118_000, 1],
    ]);
    expect(all).toHaveLength(6); // -20,000 and -10,000 are not after `from`, c's poll is after `to`
    // each store's polls together: a's then b's, or b's then a's
    expect(all.filter((r, i) => i > 0 && r[0] !== all[i - 1]![0])).toHaveLength(1);
    expect(await read([c], 0, 1)).toEqual([]);
  });
});

describe('PollColumns.groupByStore', () => {
  it('puts each store’s polls together, in first-seen order and time order, equal instants as read', () => {
    let seed = 7;
    const random = (n: number) => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed % n;
    };
    for (let round = 0; round < 200; round++) {
      const into = new PollColumns();
      const read: [number, number, number][] = [];
      // Up to 70,000 polls (past the columns' first size), few instants so that ties are common;
      // rounds alternate between time order already (the usual case) and any order.
      const n = round === 0 ? 70_000 : random(40);
      const stores = 1 + random(6);
      for (let i = 0; i < n; i++) {
        const at = round % 2 ? random(10) - 5 : i;
        const poll: [number, number, number] = [random(stores) * 1000 + 3, at, random(2)];
        read.push(poll);
        into.push(...poll);
      }
      into.groupByStore();
      const firstSeen = [...new Set(read.map((p) => p[0]))];
      // The reference: a stable sort by (first seen, time) keeps equal instants in the order read.
      const expected = read
        .map((p, i) => ({ p, i }))
        .sort((x, y) => firstSeen.indexOf(x.p[0]) - firstSeen.indexOf(y.p[0]) || x.p[1] - y.p[1] || x.i - y.i)
        .map((x) => x.p);
      const got = Array.from({ length: into.length }, (_, i) => [into.store[i], into.at[i], into.active[i]]);
      expect(got).toEqual(expected);
    }
  });
});
