import { describe, expect, it } from 'vitest';
import {
  canonicalZone,
  formatTimeOfDay,
  isBlankRecord,
  mapHeader,
  missingColumns,
  parseTimeOfDay,
  readHoursRow,
  readPollObject,
  readPollRow,
  readTimezoneRow,
  type HoursColumns,
  type PollColumns,
  type TimezoneColumns,
} from './rows.js';

function columns<T>(result: { ok: true; columns: T } | { ok: false; message: string }): T {
  if (!result.ok) throw new Error(result.message);
  return result.columns;
}

const pollCols: PollColumns = columns(mapHeader('polls', ['store_id', 'status', 'timestamp_utc']));
const hoursCols: HoursColumns = columns(
  mapHeader('hours', ['store_id', 'dayOfWeek', 'start_time_local', 'end_time_local']),
);
const zoneCols: TimezoneColumns = columns(mapHeader('timezones', ['store_id', 'timezone_str']));

describe('mapHeader', () => {
  it('finds the columns by name in any order', () => {
    expect(mapHeader('polls', ['timestamp_utc', 'store_id', 'status'])).toEqual({
      ok: true,
      columns: { width: 3, storeId: 1, status: 2, timestamp: 0 },
    });
  });

  it('accepts the older export day column as dayOfWeek', () => {
    const cols = columns(mapHeader('hours', ['store_id', 'day', 'start_time_local', 'end_time_local']));
    expect(cols.weekday).toBe(1);
  });

  it('ignores case, surrounding spaces, a BOM and unknown columns', () => {
    expect(mapHeader('timezones', ['\uFEFFStore_ID ', 'note', ' TIMEZONE_STR'])).toEqual({
      ok: true,
      columns: { width: 3, storeId: 0, timezone: 2 },
    });
  });

  it('names every missing column', () => {
    const result = mapHeader('hours', ['store_id', 'start_time_local']);
    expect(result).toMatchObject({ ok: false, missing: ['dayOfWeek or day', 'end_time_local'] });
    expect(!result.ok && result.message).toBe(
      'hours header: missing columns dayOfWeek or day, end_time_local (expected store_id,dayOfWeek,start_time_local,end_time_local)',
    );
    expect(missingColumns('polls', ['store', 'status'])).toEqual(['store_id', 'timestamp_utc']);
    expect(missingColumns('polls', ['store_id', 'status', 'timestamp_utc'])).toEqual([]);
  });

  it('refuses a header that has day and dayOfWeek, or a column twice', () => {
    const both = mapHeader('hours', ['store_id', 'day', 'dayOfWeek', 'start_time_local', 'end_time_local']);
    expect(both).toMatchObject({ ok: false, missing: [], ambiguous: ['day and dayOfWeek'] });
    expect(mapHeader('polls', ['store_id', 'status', 'timestamp_utc', 'status'])).toMatchObject({
      ok: false,
      ambiguous: ['status and status'],
    });
  });

  it('finds nothing in a file whose first line is data', () => {
    expect(
      missingColumns('polls', ['8419537941919820732', 'active', '2023-01-22 12:09:39.388884 UTC']),
    ).toEqual(['store_id', 'status', 'timestamp_utc']);
  });
});

describe('readPollRow', () => {
  it('reads a poll, keeping a 19-digit store id as text', () => {
    expect(
      readPollRow(['8419537941919820732', 'active', '2023-01-22 12:09:39.388884 UTC'], pollCols),
    ).toEqual({
      ok: true,
      row: { storeId: '8419537941919820732', active: true, at: Date.parse('2023-01-22T12:09:39.388Z') },
    });
  });

  it('trims padding and a stray carriage return, and reads the status in any case', () => {
    expect(readPollRow([' a1 ', 'Inactive', '2024-10-03T23:33:20Z\r'], pollCols)).toEqual({
      ok: true,
      row: { storeId: 'a1', active: false, at: Date.parse('2024-10-03T23:33:20Z') },
    });
  });

  it.each([
    [
      ['s', 'open', '2024-10-03 23:33:20 UTC'],
      'unknown_status',
      "unknown status 'open' (expected active or inactive)",
    ],
    [['s', 'active', '2024-02-30 23:33:20 UTC'], 'bad_timestamp', /Feb 30 does not exist in 2024/],
    [['s', 'active', '2024-10-03'], 'bad_timestamp', /date but no time/],
    [['s', '', '2024-10-03 23:33:20 UTC'], 'missing_column', 'empty status'],
    [['', 'active', '2024-10-03 23:33:20 UTC'], 'missing_column', 'empty store_id'],
    [['s', 'active', ' '], 'missing_column', 'empty timestamp_utc'],
    [['s', 'active'], 'missing_column', 'the row has 2 fields, the header 3: no timestamp_utc'],
    [['s', 'active', '2024-10-03 23:33:20 UTC', 'x'], 'extra_field', 'the row has 4 fields, the header 3'],
    [['x'.repeat(129), 'active', '2024-10-03 23:33:20 UTC'], 'bad_store_id', /129 characters/],
  ])('refuses %j as %s', (fields, problem, reason) => {
    const result = readPollRow(fields, pollCols);
    expect(result).toMatchObject({ ok: false, problem });
    expect(!result.ok && result.reason).toMatch(reason);
  });
});

describe('readPollObject', () => {
  it('checks a JSON poll like a CSV row', () => {
    expect(
      readPollObject({ store_id: 'u1', status: 'active', timestamp_utc: '2024-10-03T23:33:20Z' }),
    ).toEqual({
      ok: true,
      row: { storeId: 'u1', active: true, at: Date.parse('2024-10-03T23:33:20Z') },
    });
    expect(readPollObject({ store_id: 12, status: 'active', timestamp_utc: 'x' })).toMatchObject({
      ok: false,
      problem: 'missing_column',
      reason: 'store_id must be a string',
    });
    expect(readPollObject({ store_id: 'u1', status: 'active' })).toMatchObject({
      reason: 'no timestamp_utc',
    });
    expect(readPollObject(null)).toMatchObject({ ok: false, problem: 'missing_column' });
    expect(
      readPollObject({ store_id: 'u1', status: 'down', timestamp_utc: '2024-10-03T23:33:20Z' }),
    ).toMatchObject({
      problem: 'unknown_status',
    });
  });
});

describe('parseTimeOfDay', () => {
  it('reads HH:MM:SS and HH:MM as seconds after midnight', () => {
    expect(parseTimeOfDay('00:00:00')).toBe(0);
    expect(parseTimeOfDay('23:59:59')).toBe(86_399);
    expect(parseTimeOfDay('10:30')).toBe(37_800);
  });

  it('accepts 24:00:00 as an end only', () => {
    expect(parseTimeOfDay('24:00:00', true)).toBe(86_400);
    expect(parseTimeOfDay('24:00', true)).toBe(86_400);
    expect(parseTimeOfDay('24:00:00')).toBeNaN();
    expect(parseTimeOfDay('24:00:01', true)).toBeNaN();
  });

  it.each(['25:00:00', '12:60:00', '12:00:60', '9:00:00', '09:00:00.000', '0900', '', 'noon', '09-00-00'])(
    'refuses %j',
    (text) => expect(parseTimeOfDay(text, true)).toBeNaN(),
  );

  it('formats seconds back', () => {
    expect(formatTimeOfDay(37_800)).toBe('10:30:00');
    expect(formatTimeOfDay(86_400)).toBe('24:00:00');
    expect(formatTimeOfDay(86_399)).toBe('23:59:59');
  });
});

describe('readHoursRow', () => {
  it('reads an interval with 23:59:59 kept literal', () => {
    expect(readHoursRow(['u1', '4', '10:00:00', '23:59:59'], hoursCols)).toEqual({
      ok: true,
      row: { storeId: 'u1', weekday: 4, start: 36_000, end: 86_399 },
    });
  });

  it('reads an overnight interval (end before start) and an end at 24:00:00', () => {
    expect(readHoursRow(['u1', '5', '18:00:00', '02:00:00'], hoursCols)).toMatchObject({
      row: { start: 64_800, end: 7200 },
    });
    expect(readHoursRow(['u1', '6', '00:00:00', '24:00:00'], hoursCols)).toMatchObject({
      row: { start: 0, end: 86_400 },
    });
  });

  it.each([
    [
      ['u1', '7', '10:00:00', '12:00:00'],
      'bad_weekday',
      'dayOfWeek 7 is out of range 0 (Monday) to 6 (Sunday)',
    ],
    [['u1', '-1', '10:00:00', '12:00:00'], 'bad_weekday', /'-1' is not a number/],
    [['u1', 'Mon', '10:00:00', '12:00:00'], 'bad_weekday', /'Mon' is not a number/],
    [['u1', '1', '25:00:00', '12:00:00'], 'bad_time', /start_time_local '25:00:00' is not a time/],
    [['u1', '1', '24:00:00', '12:00:00'], 'bad_time', /start_time_local '24:00:00'/],
    [['u1', '1', '10:00:00', '10 pm'], 'bad_time', /end_time_local '10 pm' is not a time/],
    [['u1', '1', '10:00:00', '10:00:00'], 'bad_time', /both 10:00:00: an empty interval or a whole day/],
    [['u1', '', '10:00:00', '12:00:00'], 'missing_column', 'empty dayOfWeek'],
    [['u1', '1', '', '12:00:00'], 'missing_column', 'empty start_time_local'],
    [['u1', '1', '10:00:00', ''], 'missing_column', 'empty end_time_local'],
    [['u1', '1', '10:00:00'], 'missing_column', /no end_time_local/],
  ])('refuses %j as %s', (fields, problem, reason) => {
    const result = readHoursRow(fields, hoursCols);
    expect(result).toMatchObject({ ok: false, problem });
    expect(!result.ok && result.reason).toMatch(reason);
  });
});

describe('readTimezoneRow', () => {
  it('accepts IANA zones, in the canonical spelling', () => {
    expect(readTimezoneRow(['u1', 'America/Chicago'], zoneCols)).toEqual({
      ok: true,
      row: { storeId: 'u1', timezone: 'America/Chicago' },
    });
    expect(readTimezoneRow(['u1', 'america/new_york'], zoneCols)).toMatchObject({
      row: { timezone: 'America/New_York' },
    });
    expect(readTimezoneRow(['u1', 'Asia/Kathmandu'], zoneCols)).toMatchObject({ ok: true });
    expect(readTimezoneRow(['u1', 'US/Pacific'], zoneCols)).toMatchObject({
      row: { timezone: 'US/Pacific' },
    });
  });

  it.each(['Mars/Olympus_Mons', 'CST+6', 'UTC+5', 'Chicago'])('refuses %j as an unknown timezone', (zone) => {
    expect(readTimezoneRow(['u1', zone], zoneCols)).toMatchObject({
      ok: false,
      problem: 'unknown_timezone',
      reason: `unknown timezone '${zone}' (expected an IANA name such as America/Chicago)`,
    });
  });

  it('refuses an empty timezone as a missing column', () => {
    expect(readTimezoneRow(['u1', ''], zoneCols)).toMatchObject({ problem: 'missing_column' });
  });

  it('answers the same from its cache', () => {
    expect(canonicalZone('Australia/Adelaide')).toBe('Australia/Adelaide');
    expect(canonicalZone('Australia/Adelaide')).toBe('Australia/Adelaide');
    expect(canonicalZone('Nowhere/Land')).toBeNull();
    expect(canonicalZone('Nowhere/Land')).toBeNull();
  });
});

describe('isBlankRecord', () => {
  it('is true for an empty line only', () => {
    expect(isBlankRecord([''])).toBe(true);
    expect(isBlankRecord([' \r'])).toBe(true);
    expect(isBlankRecord([])).toBe(true);
    expect(isBlankRecord(['', ''])).toBe(false);
    expect(isBlankRecord(['u1'])).toBe(false);
  });
});
