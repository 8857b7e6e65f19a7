// Validation of the uptime CSVs' rows (pure): the header mapped by column name, then each record
// (already split and unquoted by a CSV reader) checked into a typed row or refused with a reason.
//
// Decisions, from the real exports in ../shared/data/uptime (both checked by rows.real-files.test.ts):
// - Columns are matched by name, in any order, ignoring case, surrounding spaces and a UTF-8 BOM;
//   columns we do not know are ignored. The older export names the weekday column `day`, the newer
//   `dayOfWeek`; either is accepted, both at once is refused as ambiguous, as is any repeated column.
// - Fields are trimmed of surrounding whitespace (including a stray '\r' when a CRLF file is split on
//   '\n' only). The real files have no quotes, CRLF or padding, but hand-edited files do.
// - A record with fewer fields than the header, or an empty required field, is a missing column;
//   a record with more fields than the header is refused too (usually an unquoted comma, which
//   would shift the values after it). A record that is one empty field is a blank line: skip it
//   (isBlankRecord), e.g. the empty last line of a file that ends in a newline. A missing final
//   newline (both v2_2024 files) is the CSV reader's business and changes nothing here.
// - Store ids are opaque text (19-digit integers in one export, UUIDs in the other, 15..19 digits
//   since leading zeros were never written): never read as numbers; at most 128 characters.
// - status is `active` or `inactive`, in any case, stored as a boolean.
// - Times are HH:MM:SS (or HH:MM) of the local day. `24:00:00` is accepted as an end only (the end of
//   the day; the real files write 23:59:59 or 23:59:00, kept literal). An end earlier than the start
//   runs past midnight (the real files split such hours into two rows instead; both work). An end
//   equal to the start is refused: it is either an empty interval or a whole day, and guessing
//   wrong would turn a closed day into an open one (a whole day is 00:00:00 to 24:00:00).
//   Neither 24:00:00 nor equal times occur in the real files.
// - The weekday is 0 (Monday) .. 6 (Sunday).
// - A timezone must be an IANA zone known to this Node's ICU (Luxon's IANAZone.isValidZone, cached:
//   it costs ~150 µs a call). Its spelling is normalised to the canonical case (america/chicago ->
//   America/Chicago) so one zone is one name; links such as US/Pacific are kept as written.
import { IANAZone } from 'luxon';
import { parseTimestamp, timestampProblem } from './timestamps.js';

export type UptimeCsvKind = 'polls' | 'hours' | 'timezones';

/** A header's column indexes for each field; `width` is the header's number of columns. */
export interface PollColumns {
  width: number;
  storeId: number;
  status: number;
  timestamp: number;
}
export interface HoursColumns {
  width: number;
  storeId: number;
  weekday: number;
  start: number;
  end: number;
}
export interface TimezoneColumns {
  width: number;
  storeId: number;
  timezone: number;
}
interface ColumnsOf {
  polls: PollColumns;
  hours: HoursColumns;
  timezones: TimezoneColumns;
}

export interface PollRow {
  storeId: string;
  active: boolean;
  /** epoch ms */
  at: number;
}
export interface HoursRow {
  storeId: string;
  /** 0 = Monday .. 6 = Sunday */
  weekday: number;
  /** seconds after local midnight, 0..86,399 */
  start: number;
  /** seconds after local midnight, 0..86,400; an end at or before `start` is on the next day */
  end: number;
}
export interface TimezoneRow {
  storeId: string;
  timezone: string;
}

export type RowProblem =
  | 'missing_column'
  | 'extra_field'
  | 'bad_store_id'
  | 'unknown_status'
  | 'bad_timestamp'
  | 'bad_time'
  | 'bad_weekday'
  | 'unknown_timezone';

export type RowResult<T> = { ok: true; row: T } | { ok: false; problem: RowProblem; reason: string };

interface FieldSpec<K extends UptimeCsvKind> {
  key: Exclude<keyof ColumnsOf[K], 'width'>;
  /** the column's names, the first being the one shown in messages */
  names: readonly string[];
}

const FIELDS: { [K in UptimeCsvKind]: readonly FieldSpec<K>[] } = {
  polls: [
    { key: 'storeId', names: ['store_id'] },
    { key: 'status', names: ['status'] },
    { key: 'timestamp', names: ['timestamp_utc'] },
  ],
  hours: [
    { key: 'storeId', names: ['store_id'] },
    { key: 'weekday', names: ['dayOfWeek', 'day'] },
    { key: 'start', names: ['start_time_local'] },
    { key: 'end', names: ['end_time_local'] },
  ],
  timezones: [
    { key: 'storeId', names: ['store_id'] },
    { key: 'timezone', names: ['timezone_str'] },
  ],
};

/** The columns each file needs, as messages name them (`dayOfWeek` also answers to `day`). */
export const REQUIRED_COLUMNS: { readonly [K in UptimeCsvKind]: readonly string[] } = {
  polls: FIELDS.polls.map((f) => f.names[0] as string),
  hours: FIELDS.hours.map((f) => f.names[0] as string),
  timezones: FIELDS.timezones.map((f) => f.names[0] as string),
};

export type HeaderResult<K extends UptimeCsvKind> =
  | { ok: true; columns: ColumnsOf[K] }
  | { ok: false; missing: string[]; ambiguous: string[]; message: string };

const headerName = (name: string, i: number) =>
  (i === 0 && name.charCodeAt(0) === 0xfeff ? name.slice(1) : name).trim().toLowerCase();

/** Maps a header record to column indexes, or names the columns that are missing or ambiguous. */
export function mapHeader<K extends UptimeCsvKind>(kind: K, header: readonly string[]): HeaderResult<K> {
  const names = header.map(headerName);
  const columns: Record<string, number> = { width: header.length };
  const missing: string[] = [];
  const ambiguous: string[] = [];
  for (const field of FIELDS[kind] as readonly FieldSpec<UptimeCsvKind>[]) {
    const found: number[] = [];
    names.forEach((n, i) => {
      if (field.names.some((f) => f.toLowerCase() === n)) found.push(i);
    });
    if (found.length === 0) missing.push(field.names.join(' or '));
    else if (found.length > 1) ambiguous.push(found.map((i) => header[i]?.trim()).join(' and '));
    else columns[field.key] = found[0] as number;
  }
  if (missing.length === 0 && ambiguous.length === 0) {
    return { ok: true, columns: columns as unknown as ColumnsOf[K] };
  }
  const parts = [];
  if (missing.length > 0) parts.push(`missing column${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`);
  if (ambiguous.length > 0) parts.push(`ambiguous columns ${ambiguous.join('; ')}`);
  const expected = REQUIRED_COLUMNS[kind].join(',');
  return {
    ok: false,
    missing,
    ambiguous,
    message: `${kind} header: ${parts.join('; ')} (expected ${expected})`,
  };
}

/** The required columns `header` lacks, as messages name them (empty when none). */
export function missingColumns(kind: UptimeCsvKind, header: readonly string[]): string[] {
  const result = mapHeader(kind, header);
  return result.ok ? [] : result.missing;
}

/** A record that is a blank line: skipped, not refused. */
export function isBlankRecord(fields: readonly string[]): boolean {
  return fields.length === 0 || (fields.length === 1 && (fields[0] as string).trim() === '');
}

// Trims only when needed: the real files have no padding, and this runs for every field.
function clean(value: string | undefined): string {
  if (value === undefined || value.length === 0) return '';
  return value.charCodeAt(0) > 32 && value.charCodeAt(value.length - 1) > 32 ? value : value.trim();
}

const fail = (problem: RowProblem, reason: string) => ({ ok: false as const, problem, reason });

/** Checks the record's width; the reason when it is wrong. */
function widthProblem(fields: readonly string[], width: number, kind: UptimeCsvKind, cols: object) {
  if (fields.length > width) {
    return fail('extra_field', `the row has ${fields.length} fields, the header ${width}`);
  }
  const missing = Object.entries(cols)
    .filter(([k, i]) => k !== 'width' && (i as number) >= fields.length)
    .map(([k]) => FIELDS[kind].find((f) => f.key === k)?.names[0]);
  const none = missing.length > 0 ? `: no ${missing.join(', ')}` : '';
  return fail('missing_column', `the row has ${fields.length} fields, the header ${width}${none}`);
}

function storeIdOf(value: string): string | ReturnType<typeof fail> {
  if (value === '') return fail('missing_column', 'empty store_id');
  if (value.length > 128) return fail('bad_store_id', `store_id of ${value.length} characters (at most 128)`);
  return value;
}

/** A poll record: store_id, status, timestamp_utc. */
export function readPollRow(fields: readonly string[], cols: PollColumns): RowResult<PollRow> {
  if (fields.length !== cols.width) return widthProblem(fields, cols.width, 'polls', cols);
  const storeId = storeIdOf(clean(fields[cols.storeId]));
  if (typeof storeId !== 'string') return storeId;
  return checkPoll(storeId, clean(fields[cols.status]), clean(fields[cols.timestamp]));
}

/** A poll given as JSON (the live feed): the same checks as a CSV row. */
export function readPollObject(value: unknown): RowResult<PollRow> {
  if (typeof value !== 'object' || value === null) return fail('missing_column', 'a poll must be an object');
  const { store_id, status, timestamp_utc } = value as Record<string, unknown>;
  for (const [name, v] of [
    ['store_id', store_id],
    ['status', status],
    ['timestamp_utc', timestamp_utc],
  ] as const) {
    if (v === undefined || v === null || v === '') return fail('missing_column', `no ${name}`);
    if (typeof v !== 'string') return fail('missing_column', `${name} must be a string`);
  }
  const storeId = storeIdOf(clean(store_id as string));
  if (typeof storeId !== 'string') return storeId;
  return checkPoll(storeId, clean(status as string), clean(timestamp_utc as string));
}

function checkPoll(storeId: string, status: string, timestamp: string): RowResult<PollRow> {
  let active: boolean;
  if (status === 'active') active = true;
  else if (status === 'inactive') active = false;
  else if (status === '') return fail('missing_column', 'empty status');
  else {
    const lower = status.toLowerCase();
    if (lower !== 'active' && lower !== 'inactive') {
      return fail('unknown_status', `unknown status '${status}' (expected active or inactive)`);
    }
    active = lower === 'active';
  }
  if (timestamp === '') return fail('missing_column', 'empty timestamp_utc');
  const at = parseTimestamp(timestamp);
  if (Number.isNaN(at)) return fail('bad_timestamp', timestampProblem(timestamp) as string);
  return { ok: true, row: { storeId, active, at } };
}

/**
 * Seconds after local midnight of `HH:MM:SS` or `HH:MM`; 24:00:00 only when `end` (86,400).
 * NaN when it is not such a time.
 */
export function parseTimeOfDay(text: string, end = false): number {
  const n = text.length;
  if ((n !== 8 && n !== 5) || text.charCodeAt(2) !== 58 || (n === 8 && text.charCodeAt(5) !== 58)) return NaN;
  let v = 0;
  for (const i of n === 8 ? [0, 1, 3, 4, 6, 7] : [0, 1, 3, 4]) {
    const d = text.charCodeAt(i) - 48;
    if (!(d >= 0 && d <= 9)) return NaN;
    v = v * 10 + d;
  }
  const hh = n === 8 ? Math.floor(v / 10_000) : Math.floor(v / 100);
  const mm = n === 8 ? Math.floor(v / 100) % 100 : v % 100;
  const ss = n === 8 ? v % 100 : 0;
  if (hh === 24 && mm === 0 && ss === 0) return end ? 86_400 : NaN;
  if (hh > 23 || mm > 59 || ss > 59) return NaN;
  return hh * 3600 + mm * 60 + ss;
}

/** `HH:MM:SS` of seconds after local midnight (86,400 is 24:00:00). */
export function formatTimeOfDay(seconds: number): string {
  const p = (x: number) => String(x).padStart(2, '0');
  return `${p(Math.floor(seconds / 3600))}:${p(Math.floor(seconds / 60) % 60)}:${p(seconds % 60)}`;
}

/** A business-hours record: store_id, dayOfWeek (or day), start_time_local, end_time_local. */
export function readHoursRow(fields: readonly string[], cols: HoursColumns): RowResult<HoursRow> {
  if (fields.length !== cols.width) return widthProblem(fields, cols.width, 'hours', cols);
  const storeId = storeIdOf(clean(fields[cols.storeId]));
  if (typeof storeId !== 'string') return storeId;
  const day = clean(fields[cols.weekday]);
  const startText = clean(fields[cols.start]);
  const endText = clean(fields[cols.end]);
  if (day === '') return fail('missing_column', 'empty dayOfWeek');
  if (startText === '') return fail('missing_column', 'empty start_time_local');
  if (endText === '') return fail('missing_column', 'empty end_time_local');
  const weekday = /^\d{1,2}$/.test(day) ? Number(day) : NaN;
  if (Number.isNaN(weekday)) {
    return fail('bad_weekday', `dayOfWeek '${day}' is not a number 0 (Monday) to 6 (Sunday)`);
  }
  if (weekday > 6)
    return fail('bad_weekday', `dayOfWeek ${weekday} is out of range 0 (Monday) to 6 (Sunday)`);
  const start = parseTimeOfDay(startText);
  if (Number.isNaN(start)) {
    return fail('bad_time', `start_time_local '${startText}' is not a time HH:MM:SS (00:00:00 to 23:59:59)`);
  }
  const end = parseTimeOfDay(endText, true);
  if (Number.isNaN(end)) {
    return fail('bad_time', `end_time_local '${endText}' is not a time HH:MM:SS (00:00:00 to 24:00:00)`);
  }
  if (start === end) {
    return fail(
      'bad_time',
      `start and end are both ${startText}: an empty interval or a whole day? (a whole day is 00:00:00 to 24:00:00)`,
    );
  }
  return { ok: true, row: { storeId, weekday, start, end } };
}

const zoneCache = new Map<string, string | null>();
let canonicalByLowerCase: Map<string, string> | undefined;

/** The canonical spelling of an IANA zone name, or null when this runtime does not know it (cached). */
export function canonicalZone(name: string): string | null {
  const cached = zoneCache.get(name);
  if (cached !== undefined) return cached;
  let canonical: string | null = null;
  if (name !== '' && IANAZone.isValidZone(name)) {
    canonicalByLowerCase ??= new Map(Intl.supportedValuesOf('timeZone').map((z) => [z.toLowerCase(), z]));
    canonical = canonicalByLowerCase.get(name.toLowerCase()) ?? name;
  }
  if (zoneCache.size > 10_000) zoneCache.clear(); // bounds what junk input can make it hold
  zoneCache.set(name, canonical);
  return canonical;
}

/** A timezone record: store_id, timezone_str. */
export function readTimezoneRow(fields: readonly string[], cols: TimezoneColumns): RowResult<TimezoneRow> {
  if (fields.length !== cols.width) return widthProblem(fields, cols.width, 'timezones', cols);
  const storeId = storeIdOf(clean(fields[cols.storeId]));
  if (typeof storeId !== 'string') return storeId;
  const name = clean(fields[cols.timezone]);
  if (name === '') return fail('missing_column', 'empty timezone_str');
  const timezone = canonicalZone(name);
  if (timezone === null)
    return fail(
      'unknown_timezone',
      `unknown timezone '${name}' (expected an IANA name such as America/Chicago)`,
    );
  return { ok: true, row: { storeId, timezone } };
}
