// Pure funnel logic: calendar dates, Monday–Sunday weeks (UTC), conversion rates. No I/O.
import { STATES, isWorkflowState, type WorkflowState } from './constants.js';

/** A calendar date as days since 1970-01-01 (UTC). */
export type DayNumber = number;

const DAY_MS = 86_400_000;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/**
 * Parses `YYYY-MM-DD`; undefined unless it is a real calendar date (2015-02-29 is not) of the years
 * 0001–9999 (year 0000 and beyond 9999 print as "-000001" and "+010000" in ISO form).
 */
export function parseIsoDate(value: string): DayNumber | undefined {
  const m = ISO_DATE.exec(value);
  if (!m) return undefined;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (year < 1) return undefined;
  // Not Date.UTC: it reads years 0–99 as 1900–1999.
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  if (d.getUTCFullYear() !== year || d.getUTCMonth() !== month - 1 || d.getUTCDate() !== day)
    return undefined;
  return d.getTime() / DAY_MS;
}

export function formatDay(day: DayNumber): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

/** The UTC calendar day of an instant. */
export function dayOf(instant: Date): DayNumber {
  return Math.floor(instant.getTime() / DAY_MS);
}

/** Monday on or before the day (1970-01-01 was a Thursday). */
export function mondayOnOrBefore(day: DayNumber): DayNumber {
  const weekday = (((day + 3) % 7) + 7) % 7; // 0 = Monday
  return day - weekday;
}

export function sundayOnOrAfter(day: DayNumber): DayNumber {
  return mondayOnOrBefore(day) + 6;
}

export interface Week {
  /** `YYYY-MM-DD-YYYY-MM-DD`: the week's Monday and Sunday. */
  key: string;
  start: string;
  end: string;
  monday: DayNumber;
}

/** The whole weeks covering [start, end]: Monday on or before start through Sunday on or after end. */
export function weeksCovering(start: DayNumber, end: DayNumber): Week[] {
  const weeks: Week[] = [];
  for (let monday = mondayOnOrBefore(start); monday <= end; monday += 7) {
    const startText = formatDay(monday);
    const endText = formatDay(monday + 6);
    weeks.push({ key: `${startText}-${endText}`, start: startText, end: endText, monday });
  }
  return weeks;
}

export type StateCounts = Record<WorkflowState, number>;

export function zeroCounts(): StateCounts {
  return {
    applied: 0,
    quiz_started: 0,
    quiz_completed: 0,
    onboarding_requested: 0,
    onboarding_completed: 0,
    hired: 0,
    rejected: 0,
  };
}

export interface FunnelRange {
  start: DayNumber;
  end: DayNumber;
}

export type RangeCheck = { ok: true; range: FunnelRange } | { ok: false; error: string };

const MAX_YEARS = 10;
/** 9999-12-31, the last day a week key can name; the last whole week ends on the Sunday before it. */
const LAST_DAY: DayNumber = Date.UTC(9999, 11, 31) / DAY_MS;
const LAST_WEEK_END: DayNumber = mondayOnOrBefore(LAST_DAY) - 1;

/**
 * What is wrong with a funnel range, as data: the API words it for API clients (checkRange), the
 * admin page in its own words and date format (web/hiring-admin/funnel-format.ts).
 */
export type RangeProblem =
  | { kind: 'missing'; fields: ('start_date' | 'end_date')[] }
  | { kind: 'not-a-date'; field: 'start_date' | 'end_date'; value: string }
  | { kind: 'start-after-end'; start: string; end: string }
  | { kind: 'too-late'; end: string; lastWeekEnd: string }
  | { kind: 'too-long'; start: string; end: string; maxYears: number };

/** The first problem of a funnel range (the order the API reports them in), or the range's days. */
export function examineRange(
  startDate: string | undefined,
  endDate: string | undefined,
): { ok: true; range: FunnelRange } | { ok: false; problem: RangeProblem } {
  const fields = (['start_date', 'end_date'] as const).filter((_, i) => !(i === 0 ? startDate : endDate));
  if (fields.length) return { ok: false, problem: { kind: 'missing', fields } };
  const start = parseIsoDate(startDate!);
  if (start === undefined)
    return { ok: false, problem: { kind: 'not-a-date', field: 'start_date', value: startDate! } };
  const end = parseIsoDate(endDate!);
  if (end === undefined)
    return { ok: false, problem: { kind: 'not-a-date', field: 'end_date', value: endDate! } };
  if (start > end)
    return { ok: false, problem: { kind: 'start-after-end', start: startDate!, end: endDate! } };
  if (sundayOnOrAfter(end) > LAST_DAY)
    return { ok: false, problem: { kind: 'too-late', end: endDate!, lastWeekEnd: formatDay(LAST_WEEK_END) } };
  const limit = new Date(start * DAY_MS);
  limit.setUTCFullYear(limit.getUTCFullYear() + MAX_YEARS);
  if (end * DAY_MS > limit.getTime())
    return {
      ok: false,
      problem: { kind: 'too-long', start: startDate!, end: endDate!, maxYears: MAX_YEARS },
    };
  return { ok: true, range: { start, end } };
}

/** The API's words for a range problem: they name the parameters and echo the values. */
function apiRangeError(problem: RangeProblem): string {
  switch (problem.kind) {
    case 'missing':
      return `missing required parameter${problem.fields.length > 1 ? 's' : ''}: ${problem.fields.join(', ')} (format YYYY-MM-DD)`;
    case 'not-a-date':
      return `${problem.field} "${problem.value}" is not a real calendar date in YYYY-MM-DD format (years 0001–9999)`;
    case 'start-after-end':
      return `start_date ${problem.start} is after end_date ${problem.end}`;
    case 'too-late':
      return `end_date ${problem.end} is too late: its week would end after 9999-12-31 (the last whole week ends ${problem.lastWeekEnd})`;
    case 'too-long':
      return `the range from ${problem.start} to ${problem.end} is longer than ${problem.maxYears} years`;
  }
}

/** Validates the funnel's query parameters; the error names what is wrong. */
export function checkRange(startDate: string | undefined, endDate: string | undefined): RangeCheck {
  const examined = examineRange(startDate, endDate);
  return examined.ok ? examined : { ok: false, error: apiRangeError(examined.problem) };
}

export interface WeekCountRow {
  /** The week's Monday, YYYY-MM-DD. */
  week: string;
  state: string;
  count: number;
}

/** Weeks in chronological order, each with all seven states, zeros included. */
export function buildFunnel(
  range: FunnelRange,
  rows: readonly WeekCountRow[],
): { week: Week; counts: StateCounts }[] {
  const byMonday = new Map<string, StateCounts>();
  const result = weeksCovering(range.start, range.end).map((week) => {
    const counts = zeroCounts();
    byMonday.set(week.start, counts);
    return { week, counts };
  });
  for (const row of rows) {
    const counts = byMonday.get(row.week);
    if (counts && isWorkflowState(row.state)) counts[row.state] += row.count;
  }
  return result;
}

export interface Conversion {
  from: WorkflowState;
  to: WorkflowState;
  /** reached(to) / reached(from); null when nobody reached `from`. */
  rate: number | null;
}

/**
 * Conversion between consecutive funnel states. Counts are by *current* state, so an applicant
 * now in quiz_completed has passed applied and quiz_started: reached(s) is everyone at s or later.
 * `rejected` leaves the funnel and is not part of the chain.
 */
export function conversions(totals: StateCounts): Conversion[] {
  const chain = STATES.filter((s) => s !== 'rejected');
  const reached = chain.map((_, i) => chain.slice(i).reduce((sum, s) => sum + totals[s], 0));
  return chain.slice(0, -1).map((from, i) => {
    const base = reached[i]!;
    return { from, to: chain[i + 1]!, rate: base === 0 ? null : reached[i + 1]! / base };
  });
}

export function sumCounts(list: readonly StateCounts[]): StateCounts {
  const total = zeroCounts();
  for (const counts of list) for (const s of STATES) total[s] += counts[s];
  return total;
}
