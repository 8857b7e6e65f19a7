// The funnel page's own words for dates (web/hiring-admin/funnel-format.ts): week labels, and
// what is wrong with a range, in the page's date format rather than the API's text.
import { describe, expect, it } from 'vitest';
import { weeksCovering, parseIsoDate } from '../../src/systems/hiring/funnel.js';
import { checkPageRange, pageDay, weekLabels } from '../../web/hiring-admin/funnel-format.js';
import { formatDate, shortDay } from '../../web/ui/format.js';

const weeks = (start: string, end: string) => weeksCovering(parseIsoDate(start)!, parseIsoDate(end)!);
const ISO = /\d{4}-\d{2}-\d{2}/;

describe('funnel week labels', () => {
  it('carry the year on every week when the range spans a year boundary', () => {
    const labels = weekLabels(weeks('2014-12-15', '2015-01-14'));
    expect(labels).toEqual(
      ['2014-12-15', '2014-12-22', '2014-12-29', '2015-01-05', '2015-01-12'].map((d) => formatDate(d)),
    );
    expect(labels.slice(0, 3).every((l) => l.includes('2014'))).toBe(true);
    expect(labels.slice(3).every((l) => l.includes('2015'))).toBe(true);
  });

  it('carry the year when only the first week starts in the year before start_date', () => {
    // 2015-01-01 is a Thursday: its week starts on Monday 2014-12-29.
    const labels = weekLabels(weeks('2015-01-01', '2015-01-10'));
    expect(labels).toEqual([formatDate('2014-12-29'), formatDate('2015-01-05')]);
  });

  it('carry the year when the last week ends in the next year', () => {
    // 2015-12-31 is a Thursday: its week ends on Sunday 2016-01-03.
    expect(weekLabels(weeks('2015-12-20', '2015-12-31')).every((l) => l.includes('2015'))).toBe(true);
  });

  it('leave the year out when every week is in one year', () => {
    const labels = weekLabels(weeks('2015-03-02', '2015-03-22'));
    expect(labels).toEqual(['2015-03-02', '2015-03-09', '2015-03-16'].map((d) => shortDay(d)));
    expect(labels.some((l) => l.includes('2015'))).toBe(false);
  });
});

describe('funnel range messages', () => {
  it('say the end is before the start in the page date format, naming the end field', () => {
    expect(checkPageRange('2015-03-05', '2015-03-01')).toEqual({
      field: 'end',
      message: `The end date (${formatDate('2015-03-01')}) is before the start date (${formatDate('2015-03-05')}).`,
    });
  });

  it('say a range is too long with both days in the page date format', () => {
    const problem = checkPageRange('2000-01-01', '2015-06-30');
    expect(problem?.message).toBe(
      `${formatDate('2000-01-01')} to ${formatDate('2015-06-30')} is longer than 10 years: choose a shorter range.`,
    );
  });

  it('say an end too late for a whole week names the last week end in the page date format', () => {
    const problem = checkPageRange('9999-12-01', '9999-12-30');
    expect(problem?.field).toBe('end');
    expect(problem?.message).toContain(pageDay('9999-12-26'));
    expect(problem?.message).toContain(pageDay('9999-12-30'));
  });

  it('refuse year 0000 and a day that does not exist, naming the field and the years allowed', () => {
    expect(checkPageRange('0000-06-01', '0001-01-10')).toEqual({
      field: 'start',
      message: 'The start date is not a date the funnel can show: choose a day from the year 1 to 9999.',
    });
    expect(checkPageRange('2015-01-01', '2015-02-29')?.field).toBe('end');
  });

  it('never show the API parameter names or ISO dates', () => {
    const cases: [string, string][] = [
      ['2015-03-05', '2015-03-01'],
      ['2000-01-01', '2015-06-30'],
      ['9999-12-01', '9999-12-30'],
      ['0000-06-01', '0001-01-10'],
      ['2015-01-01', '2015-02-29'],
      ['', '2015-01-01'],
      ['2015-01-01', ''],
    ];
    for (const [start, end] of cases) {
      const message = checkPageRange(start, end)?.message ?? '';
      expect(message, `${start}..${end}`).not.toBe('');
      expect(message).not.toMatch(ISO);
      expect(message).not.toMatch(/start_date|end_date|YYYY/);
    }
  });

  it('accept a range the funnel can show', () => {
    expect(checkPageRange('2015-01-01', '2015-03-01')).toBeUndefined();
    expect(checkPageRange('0001-01-01', '0001-01-10')).toBeUndefined();
  });

  it('shows years below 100 as themselves, not 1900s', () => {
    expect(pageDay('0050-03-05')).toMatch(/\b50\b/);
    expect(pageDay('0050-03-05')).not.toMatch(/1950/);
  });
});
