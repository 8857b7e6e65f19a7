// The funnel page's words for dates: its date format, week labels, and what is wrong with a range.
import { examineRange, type RangeProblem } from '../../src/systems/hiring/funnel.js';

const ISO_DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

/**
 * A YYYY-MM-DD day in the page's date format ("Mar 5, 2015"; formatDate's), without the year
 * ("Mar 5", shortDay's) when `withYear` is false. Years 1–99 stay themselves: `new Date(y, m, d)`
 * reads them as 1901–1999.
 */
export function pageDay(day: string, withYear = true): string {
  const m = ISO_DAY.exec(day);
  if (!m) return day;
  const date = new Date(2000, 0, 1);
  date.setFullYear(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  if (Number.isNaN(date.getTime())) return day;
  return date.toLocaleDateString(
    undefined,
    withYear ? { year: 'numeric', month: 'short', day: 'numeric' } : { month: 'short', day: 'numeric' },
  );
}

/**
 * The chart's label of each week (its Monday): "Mar 2", or "Dec 29, 2014" for every week when the
 * weeks shown span more than one year (the first week may start in the year before start_date).
 */
export function weekLabels(weeks: readonly { start: string; end: string }[]): string[] {
  const first = weeks[0]?.start.slice(0, 4);
  const last = weeks.at(-1)?.end.slice(0, 4);
  const withYear = first !== last;
  return weeks.map((w) => pageDay(w.start, withYear));
}

/** Which date input a range problem is about (none when it is about the pair). */
export type RangeField = 'start' | 'end' | undefined;

/** A range problem in the page's words and date format, never the API's parameter names or ISO dates. */
export function rangeMessage(problem: RangeProblem): { field: RangeField; message: string } {
  switch (problem.kind) {
    case 'missing':
      return problem.fields[0] === 'start_date'
        ? { field: 'start', message: 'Enter a start date.' }
        : { field: 'end', message: 'Enter an end date.' };
    case 'not-a-date': {
      const which = problem.field === 'start_date' ? 'start' : 'end';
      return {
        field: which,
        message: `The ${which} date is not a date the funnel can show: choose a day from the year 1 to 9999.`,
      };
    }
    case 'start-after-end':
      return {
        field: 'end',
        message: `The end date (${pageDay(problem.end)}) is before the start date (${pageDay(problem.start)}).`,
      };
    case 'too-late':
      return {
        field: 'end',
        message: `The end date (${pageDay(problem.end)}) is too late: the funnel's last whole week ends ${pageDay(problem.lastWeekEnd)}.`,
      };
    case 'too-long':
      return {
        field: undefined,
        message: `${pageDay(problem.start)} to ${pageDay(problem.end)} is longer than ${problem.maxYears} years: choose a shorter range.`,
      };
  }
}

/** What is wrong with the range the page is asked to show, in its own words; undefined when nothing. */
export function checkPageRange(
  start: string,
  end: string,
): { field: RangeField; message: string } | undefined {
  const examined = examineRange(start, end);
  return examined.ok ? undefined : rangeMessage(examined.problem);
}
