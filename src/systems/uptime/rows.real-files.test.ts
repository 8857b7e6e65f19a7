// The real exports (../shared/data/uptime, beside the repository; skipped when absent) through the row
// validation, with the quirks rows.ts decides on checked against what the files hold.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildSchedule, businessIntervals, totalLength, type StoreSchedule } from './business-hours.js';
import { StoreAccumulator, WEEK_MS } from './report.js';
import {
  isBlankRecord,
  mapHeader,
  readHoursRow,
  readPollRow,
  readTimezoneRow,
  type HoursRow,
  type PollRow,
  type RowResult,
  type TimezoneRow,
  type UptimeCsvKind,
} from './rows.js';

const DIR = path.resolve(import.meta.dirname, '../../../../shared/data/uptime');
const present = fs.existsSync(DIR);

interface FileRead<T> {
  text: string;
  header: string[];
  rows: T[];
  rejected: string[];
}

/** A file the simple way: these files have no quotes (checked), so a comma always separates fields. */
function readFile<T>(
  file: string,
  kind: UptimeCsvKind,
  read: (fields: string[], cols: never) => RowResult<T>,
): FileRead<T> {
  const text = fs.readFileSync(path.join(DIR, file), 'utf8');
  expect(text).not.toMatch(/["\r]/);
  const lines = text.split('\n');
  const header = (lines.shift() as string).split(',');
  const mapped = mapHeader(kind, header);
  if (!mapped.ok) throw new Error(mapped.message);
  const rows: T[] = [];
  const rejected: string[] = [];
  for (const line of lines) {
    const fields = line.split(',');
    if (isBlankRecord(fields)) continue;
    const r = read(fields, mapped.columns as never);
    if (r.ok) rows.push(r.row);
    else rejected.push(`${line}: ${r.reason}`);
  }
  return { text, header, rows, rejected };
}

const hoursOf = (file: string) => readFile<HoursRow>(file, 'hours', readHoursRow);
const zonesOf = (file: string) => readFile<TimezoneRow>(file, 'timezones', readTimezoneRow);

function intervalsPerStoreDay(rows: HoursRow[]): number {
  const n = new Map<string, number>();
  for (const r of rows) n.set(`${r.storeId}/${r.weekday}`, (n.get(`${r.storeId}/${r.weekday}`) ?? 0) + 1);
  return Math.max(...n.values());
}

describe.skipIf(!present)('the real exports through the row validation', () => {
  it('v2_2024 menu_hours: dayOfWeek, UUID ids, up to 4 intervals a day, no final newline', () => {
    const f = hoursOf('v2_2024/menu_hours.csv');
    expect(f.header).toEqual(['store_id', 'dayOfWeek', 'start_time_local', 'end_time_local']);
    expect(f.text.endsWith('\n')).toBe(false);
    expect(f.rejected).toEqual([]);
    expect(f.rows.length).toBe(35_457);
    expect(new Set(f.rows.map((r) => r.storeId)).size).toBe(4466);
    expect(
      f.rows.every((r) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(r.storeId)),
    ).toBe(true);
    expect(intervalsPerStoreDay(f.rows)).toBe(4);
    // the cases rows.ts decides on, none of which these files contain: overnight hours are two rows
    expect(f.rows.filter((r) => r.end < r.start || r.end === 86_400)).toEqual([]);
    expect(f.rows.filter((r) => r.end === 86_399).length).toBeGreaterThan(6000); // 23:59:59, kept literal
  });

  it('v1_2023 menu_hours: the column is named day, 19-digit ids stay text', () => {
    const f = hoursOf('v1_2023/menu_hours.csv');
    expect(f.header[1]).toBe('day');
    expect(f.text.endsWith('\n')).toBe(true);
    expect(f.rejected).toEqual([]);
    expect(f.rows.length).toBe(86_198);
    expect(new Set(f.rows.map((r) => r.storeId)).size).toBe(11_116);
    expect(intervalsPerStoreDay(f.rows)).toBe(3);
    expect(f.rows.every((r) => /^[1-9]\d{14,18}$/.test(r.storeId))).toBe(true);
    // ids beyond 2^53: reading them as numbers would merge different stores
    expect(f.rows.some((r) => String(Number(r.storeId)) !== r.storeId)).toBe(true);
    expect(f.rows.filter((r) => r.end <= r.start)).toEqual([]);
  });

  it('timezones of both exports: all known IANA zones, v2 without a final newline', () => {
    const v2 = zonesOf('v2_2024/timezones.csv');
    const v1 = zonesOf('v1_2023/timezones.csv');
    expect(v2.text.endsWith('\n')).toBe(false);
    expect([v2.rejected, v1.rejected]).toEqual([[], []]);
    expect([v2.rows.length, v1.rows.length]).toEqual([4559, 13_559]);
    expect(new Set(v1.rows.map((r) => r.timezone))).toContain('Asia/Beirut');
    expect(new Set(v2.rows.map((r) => r.storeId)).size).toBe(4559); // one zone per store
  });

  it('v1_2023 status, the first 10,000 rows: every poll valid, fractions of 2 to 6 digits', () => {
    const f = readFile<PollRow>('v1_2023/store_status_first10k_rows.csv', 'polls', readPollRow);
    expect(f.header).toEqual(['store_id', 'status', 'timestamp_utc']);
    expect(f.rejected).toEqual([]);
    expect(f.rows.length).toBe(9999);
    expect(f.rows.filter((r) => !r.active).length).toBe(1);
    expect(new Set(f.rows.map((r) => r.storeId)).size).toBe(6424);
    const fractions = new Set(f.text.match(/\.\d+ UTC/g)?.map((m) => m.length - 5));
    expect([...fractions].sort()).toEqual([2, 3, 4, 5, 6]);
    const times = f.rows.map((r) => r.at);
    expect(new Date(Math.min(...times)).toISOString()).toBe('2023-01-18T00:01:29.472Z'); // 2023-01-18 00:01:29.4726 UTC;
    expect(new Date(Math.max(...times)).toISOString()).toBe('2023-01-25T18:13:18.647Z');
  });

  it('reports the 10,000 real polls with the real hours and zones: up + down is the business time', () => {
    const polls = readFile<PollRow>('v1_2023/store_status_first10k_rows.csv', 'polls', readPollRow).rows;
    const hours = hoursOf('v1_2023/menu_hours.csv').rows;
    const zones = new Map(zonesOf('v1_2023/timezones.csv').rows.map((r) => [r.storeId, r.timezone]));
    const byStore = new Map<string, HoursRow[]>();
    for (const h of hours) byStore.set(h.storeId, [...(byStore.get(h.storeId) ?? []), h]);
    const now = Math.max(...polls.map((p) => p.at));
    polls.sort((a, b) => (a.storeId < b.storeId ? -1 : a.storeId > b.storeId ? 1 : a.at - b.at));
    const acc = new StoreAccumulator(now);
    let stores = 0;
    let allDay = 0;
    for (let i = 0; i < polls.length;) {
      const id = (polls[i] as PollRow).storeId;
      const schedule: StoreSchedule = buildSchedule(byStore.get(id) ?? [], zones.get(id));
      if (schedule.days === null) allDay += 1;
      acc.begin(id, schedule);
      for (; i < polls.length && (polls[i] as PollRow).storeId === id; i++) {
        acc.push((polls[i] as PollRow).at, (polls[i] as PollRow).active);
      }
      const u = acc.finish();
      const business = totalLength(businessIntervals(schedule, now - WEEK_MS, now));
      expect(u.up.week + u.down.week).toBe(business);
      stores += 1;
    }
    expect(stores).toBe(6424);
    expect(allDay).toBeGreaterThan(0); // stores with polls but no hours rows: open 24x7
  });
});
