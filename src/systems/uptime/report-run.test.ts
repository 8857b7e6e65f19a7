// The report from the database (batches of stores, the look-back for an earlier observation, now
// before the latest poll) against the pure engine given each store's whole history in memory.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterEach, expect, it } from 'vitest';
import { createTestPlatform, describeEachDb, type TestPlatform } from '../../../test/support/platform.js';
import { createDatabase } from '../../platform/db/database.js';
import { V2 } from '../../../test/support/uptime.js';
import { buildSchedule } from './business-hours.js';
import { generatePolls, writePollCsv } from './generate.js';
import { importUptimeFiles, readRowsFile } from './import.js';
import { formatReportCsvRow, REPORT_CSV_HEADER, storeUptime, toReportRow, type Poll } from './report.js';
import { runReport } from './report-run.js';
import { ensureStores, STORES_PER_BATCH, windowReader } from './repository.js';
import { uptimeSystem } from './system.js';
import type { UptimeDb } from './tables.js';

const platforms: TestPlatform[] = [];
const dirs: string[] = [];
afterEach(async () => {
  while (platforms.length) await platforms.pop()!.dispose();
  while (dirs.length) fs.rmSync(dirs.pop()!, { recursive: true, force: true });
});

const NOW = 10 * 86_400_000;

/** A fresh platform whose stores (these ids, keyed in this order) have one poll each: poll(i). */
async function storesWithOnePoll(
  kind: 'sqlite' | 'postgres',
  ids: readonly string[],
  poll: (i: number) => { ts_ms: number; active: number },
): Promise<{ platform: TestPlatform; db: UptimeDb }> {
  const platform = await createTestPlatform(kind, { systems: [uptimeSystem] });
  platforms.push(platform);
  const db = platform.db as UptimeDb;
  const keys = await ensureStores(db, ids);
  await db
    .insertInto('uptime_polls')
    .values(ids.map((id, i) => ({ store_key: keys.get(id)!, ...poll(i) }) as never))
    .execute();
  return { platform, db };
}

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
  it('reads in batches by key, writes by store_id, and a failed write or an abort leaves no read running', async () => {
    // 650 stores, keyed in the reverse of their ids' order; every fourth has its only poll long
    // before the window, so batches are cut across stores without a poll in it.
    const ids = Array.from({ length: 650 }, (_, i) => `s${String(649 - i).padStart(4, '0')}`);
    const now = NOW;
    const { platform, db } = await storesWithOnePoll(kind, ids, (i) => ({
      ts_ms: i % 4 === 0 ? 1_000 + i : now - 1_000 * i,
      active: i % 3 ? 1 : 0,
    }));
    const native = platform.database.native;
    const busy = () => (native.dialect === 'postgres' ? native.pool.totalCount - native.pool.idleCount : 0);

    const progress: number[] = [];
    const csv: string[] = [];
    const result = await runReport(db, native, {
      now,
      write: (chunk) => void csv.push(chunk),
      onProgress: (f) => progress.push(f),
    });
    expect(result.stores).toBe(650);
    const lines = csv.join('').trim().split('\n');
    expect(lines[0]).toBe(REPORT_CSV_HEADER.trim());
    expect(lines.slice(1).map((l) => l.split(',')[0])).toEqual([...ids].sort());
    // Open 24x7: a store's only poll, inside the window or long before it (the look-back), is its
    // status all week.
    const row = (id: string) =>
      lines
        .find((l) => l.startsWith(`${id},`))!
        .split(',')
        .slice(1);
    expect(row(ids[0]!)).toEqual(['0.00', '0.00', '0.00', '60.00', '24.00', '168.00']);
    expect(row(ids[4]!)).toEqual(['60.00', '24.00', '168.00', '0.00', '0.00', '0.00']);
    expect(row(ids[1]!)).toEqual(['60.00', '24.00', '168.00', '0.00', '0.00', '0.00']);
    expect(row(ids[3]!)).toEqual(['0.00', '0.00', '0.00', '60.00', '24.00', '168.00']);
    expect(progress.length).toBeGreaterThanOrEqual(650 / STORES_PER_BATCH);
    expect(progress.at(-1)).toBe(1);
    expect(busy()).toBe(0);

    let writes = 0;
    await expect(
      runReport(db, native, {
        now,
        write: () => {
          if (++writes === 2) throw new Error('disk full');
        },
      }),
    ).rejects.toThrow('disk full');
    expect(busy()).toBe(0);

    // Stopped after its first batch: nothing is written, and the read ends with it.
    const abort = new AbortController();
    const written: string[] = [];
    await expect(
      runReport(db, native, {
        now,
        signal: abort.signal,
        write: (chunk) => void written.push(chunk),
        onProgress: () => abort.abort(new Error('stopped')),
      }),
    ).rejects.toThrow('stopped');
    expect(written).toEqual([]);
    expect(busy()).toBe(0);
  });

  // PostgreSQL only: the read holds a connection for a whole COPY.
  if (kind === 'postgres') {
    it('completes on a pool of one connection: look-backs wait until the read is over', async () => {
      // 450 stores (three batches); the first store's only poll is long before the window, so it
      // needs a look-back while the read of the later batches is still open.
      const ids = Array.from({ length: 450 }, (_, i) => `s${String(i).padStart(4, '0')}`);
      const now = NOW;
      const { platform } = await storesWithOnePoll(kind, ids, (i) => ({
        ts_ms: i === 0 ? 1_000 : now - 1_000 * i,
        active: 1,
      }));
      const one = createDatabase({ url: platform.config.databaseUrl, poolSize: 1 });
      try {
        const csv: string[] = [];
        const result = await runReport(one.db as UptimeDb, one.native, {
          now,
          write: (c) => void csv.push(c),
        });
        expect(result.stores).toBe(450);
        expect(csv.join('').split('\n')[1]).toBe('s0000,60.00,24.00,168.00,0.00,0.00,0.00');
      } finally {
        await one.destroy();
      }
    });

    it.skipIf(kind !== 'postgres')(
      'ends the read when its consumer stops with most of the window unread',
      async () => {
        const platform = await createTestPlatform(kind, { systems: [uptimeSystem] });
        platforms.push(platform);
        const db = platform.db as UptimeDb;
        await ensureStores(
          db,
          Array.from({ length: 1000 }, (_, i) => `s${i}`),
        );
        // 500,000 polls: megabytes of COPY text, most of it not yet read when the first batch is out.
        await sql`insert into uptime_polls (store_key, ts_ms, active)
      select s.id, g * 1000, g % 2 from uptime_stores s, generate_series(1, 500) g`.execute(db);
        const native = platform.database.native;
        if (native.dialect !== 'postgres') throw new Error('PostgreSQL only');
        const keys = (await db.selectFrom('uptime_stores').select('id').execute()).map((r) => r.id);
        let batches = 0;
        for await (const batch of windowReader(native)(keys, 0, 1e12)) {
          batches += 1;
          expect(batch.polls.length).toBe(batch.keys.length * 500);
          break;
        }
        expect(batches).toBe(1);
        expect(native.pool.totalCount - native.pool.idleCount).toBe(0);
        // The server ends the COPY once its connection is gone.
        await expect
          .poll(
            async () =>
              (
                await sql<{ n: number }>`select count(*)::int as n from pg_stat_activity
              where query like 'copy (select store_key%' and pid <> pg_backend_pid()`.execute(db)
              ).rows[0]!.n,
          )
          .toBe(0);
      },
    );
  }

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
    const read = async (storeKeys: number[], from: number, to: number) => {
      const got: number[][] = [];
      const covered: number[] = [];
      for await (const batch of windowReader(platform.database.native)(storeKeys, from, to)) {
        covered.push(...batch.keys);
        const { polls } = batch;
        for (let i = 0; i < polls.length; i++) {
          expect(batch.keys).toContain(polls.store[i]);
          got.push([polls.store[i]!, polls.at[i]!, polls.active[i]!]);
        }
      }
      // Every store asked for, in one batch, by ascending key.
      expect(covered).toEqual([...storeKeys].sort((x, y) => x - y));
      return got;
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
    // each store's polls together, by ascending key
    expect(all.filter((r, i) => i > 0 && r[0] !== all[i - 1]![0])).toHaveLength(1);
    expect(await read([c], 0, 1)).toEqual([]);
    // Only the stores asked for, though the window holds others' polls too.
    expect(await read([b], -10_000, 1_728_950_118_000)).toEqual(byStore(b));
  });
});
