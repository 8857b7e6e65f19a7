// Importing the uptime CSVs and live poll batches, on both databases: the real exports, bad rows of
// every kind, headers without the needed columns, idempotent re-imports, hours and zones replaced.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { V1, V2, writeLines } from '../../../test/support/uptime.js';
import {
  createTestPlatform,
  describeEachDb,
  type DbKind,
  type TestPlatform,
} from '../../../test/support/platform.js';
import { DomainError } from '../../platform/errors.js';
import {
  importUptimeFiles,
  ingestPolls,
  MAX_LISTED,
  type FileOutcome,
  type ImportSummary,
} from './import.js';
import { hoursOf, timezonesOf } from './repository.js';
import { uptimeSystem } from './system.js';
import type { UptimeDb } from './tables.js';

const platforms: TestPlatform[] = [];
const dirs: string[] = [];
afterEach(async () => {
  while (platforms.length) await platforms.pop()!.dispose();
  while (dirs.length) fs.rmSync(dirs.pop()!, { recursive: true, force: true });
});

async function setup(kind: DbKind) {
  const platform = await createTestPlatform(kind, { systems: [uptimeSystem] });
  platforms.push(platform);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'quintet-uptime-import-'));
  dirs.push(dir);
  return { platform, db: platform.db as UptimeDb, dir };
}

const fileOf = (s: ImportSummary, file: FileOutcome['file']) => s.files.find((f) => f.file === file)!;

async function count(
  db: UptimeDb,
  table: 'uptime_polls' | 'uptime_hours' | 'uptime_timezones' | 'uptime_stores',
) {
  const row = await db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

describeEachDb('uptime import', (kind) => {
  it('imports the 2023 export (column `day`, 19-digit ids, the 10,000 real status rows); a second import adds nothing', async () => {
    const { platform, db } = await setup(kind);
    const sources = {
      status: { path: path.join(V1, 'store_status_first10k_rows.csv') },
      hours: { path: path.join(V1, 'menu_hours.csv') },
      timezones: { path: path.join(V1, 'timezones.csv') },
    };
    const progress: number[] = [];
    const first = await importUptimeFiles(platform.database, sources, {
      onProgress: (done) => progress.push(done),
    });
    expect(fileOf(first, 'status')).toMatchObject({ rows: 9999, loaded: 9999, duplicates: 0, rejected: 0 });
    expect(fileOf(first, 'hours')).toMatchObject({
      rows: 86_198,
      loaded: 86_198,
      stores: 11_116,
      rejected: 0,
    });
    expect(fileOf(first, 'timezones')).toMatchObject({ rows: 13_559, loaded: 13_559, rejected: 0 });
    expect(progress.at(-1)).toBe(
      Object.values(sources).reduce((sum, s) => sum + fs.statSync(s.path).size, 0),
    );
    expect(await count(db, 'uptime_polls')).toBe(9999);
    // Ids stay text: a 19-digit id would lose digits as a number.
    const text = fs.readFileSync(sources.status.path, 'utf8').split('\n')[1]!.split(',');
    const stored = await db
      .selectFrom('uptime_polls as p')
      .innerJoin('uptime_stores as s', 's.id', 'p.store_key')
      .select(['s.store_id', 'p.ts_ms', 'p.active'])
      .where('s.store_id', '=', text[0]!)
      .execute();
    expect(stored.map((r) => r.store_id)).toContain(text[0]);
    expect(text[0]).toMatch(/^\d{19}$/);

    const again = await importUptimeFiles(platform.database, sources);
    expect(fileOf(again, 'status')).toMatchObject({ rows: 9999, loaded: 0, duplicates: 9999 });
    expect(await count(db, 'uptime_polls')).toBe(9999);
    expect(await count(db, 'uptime_hours')).toBe(86_198);
    expect(await count(db, 'uptime_timezones')).toBe(13_559);
  });

  it('imports the 2024 export (column `dayOfWeek`, UUIDs, files without a final newline)', async () => {
    const { platform, db } = await setup(kind);
    const summary = await importUptimeFiles(platform.database, {
      hours: { path: path.join(V2, 'menu_hours.csv') },
      timezones: { path: path.join(V2, 'timezones.csv') },
    });
    expect(fs.readFileSync(path.join(V2, 'timezones.csv'), 'utf8').endsWith('\n')).toBe(false);
    expect(fileOf(summary, 'hours')).toMatchObject({ rows: 35_457, loaded: 35_457, rejected: 0 });
    expect(fileOf(summary, 'timezones')).toMatchObject({ rows: 4559, loaded: 4559, rejected: 0 });
    expect(await count(db, 'uptime_timezones')).toBe(4559);
    // The last line (no newline after it) is loaded too.
    const lastLine = fs.readFileSync(path.join(V2, 'timezones.csv'), 'utf8').split('\n').at(-1)!.split(',');
    const zones = await db
      .selectFrom('uptime_timezones as t')
      .innerJoin('uptime_stores as s', 's.id', 't.store_key')
      .select('t.timezone')
      .where('s.store_id', '=', lastLine[0]!)
      .execute();
    expect(zones).toEqual([{ timezone: lastLine[1] }]);
  });

  it('rejects bad rows of every kind with their line and reason and loads the rest', async () => {
    const { platform, db, dir } = await setup(kind);
    const status = writeLines(dir, 'status.csv', [
      'timestamp_utc,store_id,status', // columns in another order
      '2023-01-22 12:09:39.388884 UTC,s1,active',
      '2023-01-22 12:09:39 UTC,s1,maybe', // 3: unknown status
      '2023-01-22 25:00:00 UTC,s1,active', // 4: bad timestamp (hour)
      '2023-01-22 12:00:00,s1,active', // 5: no zone
      '2023-01-22 13:00:00 UTC,s1', // 6: missing column
      '2023-01-22 13:00:00 UTC,s1,active,extra', // 7: a field too many
      '',
      '2023-01-22T14:00:00Z,s2,INACTIVE', // 9: ISO, status in capitals
      '2023-01-22 15:00:00 UTC,,active', // 10: empty store id
    ]);
    const hours = writeLines(dir, 'hours.csv', [
      'store_id,dayOfWeek,start_time_local,end_time_local',
      's1,0,09:00:00,17:00:00',
      's1,7,09:00:00,17:00:00', // 3: weekday out of range
      's1,x,09:00:00,17:00:00', // 4: weekday not a number
      's1,1,9am,17:00:00', // 5: bad time
      's1,2,10:00:00,10:00:00', // 6: start equals end
      's1,3,22:00:00,02:00:00', // overnight: fine
    ]);
    const timezones = writeLines(dir, 'tz.csv', [
      'store_id,timezone_str',
      's1,America/New_York',
      's2,Mars/Olympus', // 3: unknown timezone
      's3,america/chicago', // normalised
    ]);
    const summary = await importUptimeFiles(platform.database, {
      status: { path: status },
      hours: { path: hours },
      timezones: { path: timezones },
    });
    const reasons = (f: FileOutcome) => f.rejections.map((r) => [r.line, r.reason]);
    expect(fileOf(summary, 'status')).toMatchObject({ rows: 8, loaded: 2, rejected: 6 }); // the blank line is no row
    expect(reasons(fileOf(summary, 'status'))).toEqual([
      [3, expect.stringContaining("unknown status 'maybe'")],
      [4, expect.stringContaining('hour 25')],
      [5, expect.stringContaining('no time zone')],
      [6, expect.stringContaining('no status')],
      [7, expect.stringContaining('the row has 4 fields, the header 3')],
      [10, 'empty store_id'],
    ]);
    expect(fileOf(summary, 'hours')).toMatchObject({ rows: 6, loaded: 2, rejected: 4 });
    expect(reasons(fileOf(summary, 'hours'))).toEqual([
      [3, expect.stringContaining('out of range')],
      [4, expect.stringContaining("dayOfWeek 'x' is not a number")],
      [5, expect.stringContaining("start_time_local '9am'")],
      [6, expect.stringContaining('start and end are both 10:00:00')],
    ]);
    expect(fileOf(summary, 'timezones')).toMatchObject({ rows: 3, loaded: 2, rejected: 1 });
    expect(reasons(fileOf(summary, 'timezones'))).toEqual([
      [3, expect.stringContaining("unknown timezone 'Mars/Olympus'")],
    ]);
    const polls = await db.selectFrom('uptime_polls').select(['ts_ms', 'active']).orderBy('ts_ms').execute();
    expect(polls.map((p) => [Number(p.ts_ms), p.active])).toEqual([
      [Date.parse('2023-01-22T12:09:39.388Z'), 1],
      [Date.parse('2023-01-22T14:00:00Z'), 0],
    ]);
    expect((await timezonesOf(db)).map((z) => z.timezone).sort()).toEqual([
      'America/Chicago',
      'America/New_York',
    ]);
  });

  it('reads a hand-edited file: BOM, CRLF, quoted fields, padding, no final newline', async () => {
    const { platform, db, dir } = await setup(kind);
    const file = path.join(dir, 'edited.csv');
    fs.writeFileSync(
      file,
      '\ufeffStore_ID , Status,timestamp_utc\r\n"a,1", active ,2024-01-01 10:00:00 UTC\r\n' +
        '"b""2",inactive,"2024-01-01T11:00:00+01:00"',
    );
    const summary = await importUptimeFiles(platform.database, { status: { path: file } });
    expect(fileOf(summary, 'status')).toMatchObject({ rows: 2, loaded: 2, rejected: 0, stores: 2 });
    const rows = await db
      .selectFrom('uptime_polls as p')
      .innerJoin('uptime_stores as s', 's.id', 'p.store_key')
      .select(['s.store_id', 'p.ts_ms', 'p.active'])
      .orderBy('s.store_id')
      .execute();
    expect(rows.map((r) => [r.store_id, Number(r.ts_ms), r.active])).toEqual([
      ['a,1', Date.parse('2024-01-01T10:00:00Z'), 1],
      ['b"2', Date.parse('2024-01-01T10:00:00Z'), 0],
    ]);
  });

  it('lists the first rejections and counts the rest', async () => {
    const { platform, dir } = await setup(kind);
    const lines = ['store_id,status,timestamp_utc'];
    for (let i = 0; i < MAX_LISTED + 20; i++) lines.push(`s${i},up,2023-01-22 12:00:00 UTC`);
    const summary = await importUptimeFiles(platform.database, {
      status: { path: writeLines(dir, 'p.csv', lines) },
    });
    expect(fileOf(summary, 'status')).toMatchObject({
      rows: MAX_LISTED + 20,
      loaded: 0,
      rejected: MAX_LISTED + 20,
    });
    expect(fileOf(summary, 'status').rejections).toHaveLength(MAX_LISTED);
  });

  it('refuses a file whose header lacks columns, naming them, and loads nothing of the import', async () => {
    const { platform, db, dir } = await setup(kind);
    const tz = writeLines(dir, 'tz.csv', ['store_id,timezone_str', 's1,Asia/Kolkata']);
    const status = writeLines(dir, 'status.csv', ['store_id,when', 's1,2023-01-22 12:00:00 UTC']);
    const err = await importUptimeFiles(platform.database, {
      status: { path: status },
      timezones: { path: tz },
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DomainError);
    expect((err as DomainError).kind).toBe('bad_input');
    expect((err as Error).message).toBe(
      'status file status.csv: missing columns status, timestamp_utc (expected store_id,status,timestamp_utc)',
    );
    expect(await count(db, 'uptime_timezones')).toBe(0);
    const empty = writeLines(dir, 'empty.csv', [], false);
    await expect(importUptimeFiles(platform.database, { hours: { path: empty } })).rejects.toThrow(
      'hours file empty.csv is empty: no header (expected store_id,dayOfWeek,start_time_local,end_time_local)',
    );
    await expect(
      importUptimeFiles(platform.database, { hours: { path: path.join(dir, 'nope.csv') } }),
    ).rejects.toThrow('hours file nope.csv does not exist');
  });

  it("replaces a store's hours and timezone with the new file's, leaving other stores alone", async () => {
    const { platform, db, dir } = await setup(kind);
    await importUptimeFiles(platform.database, {
      hours: {
        path: writeLines(dir, 'h1.csv', [
          'store_id,day,start_time_local,end_time_local',
          'a,0,09:00:00,12:00:00',
          'a,0,13:00:00,17:00:00',
          'b,1,08:00:00,20:00:00',
        ]),
      },
      timezones: {
        path: writeLines(dir, 't1.csv', ['store_id,timezone_str', 'a,Asia/Tokyo', 'b,Europe/Paris']),
      },
    });
    await importUptimeFiles(platform.database, {
      hours: {
        path: writeLines(dir, 'h2.csv', [
          'store_id,dayOfWeek,start_time_local,end_time_local',
          'a,4,10:00,22:00',
        ]),
      },
      timezones: { path: writeLines(dir, 't2.csv', ['store_id,timezone_str', 'a,Australia/Sydney']) },
    });
    const hours = await db
      .selectFrom('uptime_hours as h')
      .innerJoin('uptime_stores as s', 's.id', 'h.store_key')
      .select(['s.store_id', 'h.weekday', 'h.start_s', 'h.end_s'])
      .orderBy('s.store_id')
      .execute();
    expect(hours).toEqual([
      { store_id: 'a', weekday: 4, start_s: 36_000, end_s: 79_200 },
      { store_id: 'b', weekday: 1, start_s: 28_800, end_s: 72_000 },
    ]);
    expect((await timezonesOf(db)).map((z) => z.timezone).sort()).toEqual([
      'Australia/Sydney',
      'Europe/Paris',
    ]);
    expect(await hoursOf(db)).toHaveLength(2);
  });

  it('ingests a JSON batch: stored, duplicates, rejected with their index', async () => {
    const { platform, db } = await setup(kind);
    const polls = [
      { store_id: 'x', status: 'active', timestamp_utc: '2024-10-14 10:00:00 UTC' },
      { store_id: 'x', status: 'inactive', timestamp_utc: '2024-10-14T10:30:00.5Z' },
      { store_id: 'x', status: 'active', timestamp_utc: '2024-10-14 10:00:00 UTC' }, // repeated
      { store_id: 'y', status: 'unknown', timestamp_utc: '2024-10-14 10:00:00 UTC' },
      { store_id: 'y', status: 'active', timestamp_utc: 1728900000 },
      'not an object',
    ];
    const result = await ingestPolls(platform.database, polls);
    expect(result).toEqual({
      stored: 2,
      duplicates: 1,
      rejected: [
        { index: 3, reason: expect.stringContaining("unknown status 'unknown'") },
        { index: 4, reason: 'timestamp_utc must be a string' },
        { index: 5, reason: 'a poll must be an object' },
      ],
    });
    expect((await ingestPolls(platform.database, polls.slice(0, 2))).duplicates).toBe(2);
    expect(await count(db, 'uptime_polls')).toBe(2);
    await expect(ingestPolls(platform.database, new Array(10_001).fill(polls[0]))).rejects.toThrow(
      'at most 10000 polls a request, got 10001',
    );
  });
});
