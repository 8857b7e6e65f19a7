import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { STATES } from './constants.js';
import {
  buildFunnel,
  checkRange,
  conversions,
  dayOf,
  formatDay,
  mondayOnOrBefore,
  parseIsoDate,
  sumCounts,
  sundayOnOrAfter,
  weeksCovering,
  zeroCounts,
  type StateCounts,
} from './funnel.js';

const DAY_MS = 86_400_000;

/** The day number of a date, computed with Date directly (independently of parseIsoDate). */
const day = (iso: string) =>
  Date.UTC(Number(iso.slice(0, 4)), Number(iso.slice(5, 7)) - 1, Number(iso.slice(8, 10))) / DAY_MS;
/** 0 = Sunday … 6 = Saturday, as Date sees it. */
const weekday = (d: number) => new Date(d * DAY_MS).getUTCDay();
const keysOf = (start: string, end: string) => weeksCovering(day(start), day(end)).map((w) => w.key);
const counts = (partial: Partial<StateCounts>): StateCounts => ({ ...zeroCounts(), ...partial });

describe('parseIsoDate', () => {
  it('reads a real calendar date as days since 1970-01-01', () => {
    expect(parseIsoDate('1970-01-01')).toBe(0);
    expect(parseIsoDate('2015-01-04')).toBe(day('2015-01-04'));
    expect(formatDay(parseIsoDate('2014-12-29')!)).toBe('2014-12-29');
  });

  it('accepts 29 February only in leap years (2016 yes; 2015 and 2100 no; 2000 yes)', () => {
    expect(parseIsoDate('2016-02-29')).toBe(day('2016-03-01') - 1);
    expect(parseIsoDate('2000-02-29')).toBe(day('2000-03-01') - 1);
    expect(parseIsoDate('2015-02-29')).toBeUndefined();
    expect(parseIsoDate('2100-02-29')).toBeUndefined();
  });

  it('reads years 0001-0099 as written, not as 1900-1999', () => {
    expect(formatDay(parseIsoDate('0099-12-31')!)).toBe('0099-12-31');
    expect(formatDay(parseIsoDate('0001-01-01')!)).toBe('0001-01-01');
  });

  it('refuses year 0000, which has no four-digit ISO week key', () => {
    expect(parseIsoDate('0000-01-01')).toBeUndefined();
    expect(parseIsoDate('0000-12-31')).toBeUndefined();
  });

  it.each(['2015-02-30', '2015-04-31', '2015-13-01', '2015-00-10', '2015-01-00', '2015-01-32'])(
    'rejects %s, which is not on the calendar',
    (value) => {
      expect(parseIsoDate(value)).toBeUndefined();
    },
  );

  it.each([
    '2015-1-5',
    '20150105',
    '2015/01/05',
    '2015-01-05T00:00:00Z',
    ' 2015-01-05',
    '2015-01-05 ',
    'yesterday',
    '',
  ])('rejects "%s", which is not in YYYY-MM-DD form', (value) => {
    expect(parseIsoDate(value)).toBeUndefined();
  });
});

describe('dayOf', () => {
  it('puts the last millisecond of a UTC day on that day and midnight on the next', () => {
    expect(dayOf(new Date('2015-01-04T23:59:59.999Z'))).toBe(day('2015-01-04'));
    expect(dayOf(new Date('2015-01-05T00:00:00.000Z'))).toBe(day('2015-01-05'));
  });

  it('uses UTC, not the offset an instant was written with', () => {
    expect(dayOf(new Date('2015-01-05T01:00:00+02:00'))).toBe(day('2015-01-04'));
  });

  it('counts days before 1970 as negative', () => {
    expect(dayOf(new Date('1969-12-31T12:00:00Z'))).toBe(-1);
  });
});

describe('mondayOnOrBefore and sundayOnOrAfter', () => {
  it('finds the Monday and Sunday around a Thursday across a year boundary (1 January 2015)', () => {
    expect(formatDay(mondayOnOrBefore(day('2015-01-01')))).toBe('2014-12-29');
    expect(formatDay(sundayOnOrAfter(day('2015-01-01')))).toBe('2015-01-04');
  });

  it('keeps a Monday as its own week start and a Sunday as its own week end', () => {
    expect(mondayOnOrBefore(day('2014-12-29'))).toBe(day('2014-12-29'));
    expect(sundayOnOrAfter(day('2015-01-04'))).toBe(day('2015-01-04'));
    expect(mondayOnOrBefore(day('2015-01-04'))).toBe(day('2014-12-29'));
  });

  it('works before 1970 (negative day numbers)', () => {
    // 1969-12-29 was a Monday.
    expect(formatDay(mondayOnOrBefore(day('1969-12-31')))).toBe('1969-12-29');
    expect(formatDay(mondayOnOrBefore(day('1969-12-28')))).toBe('1969-12-22');
  });
});

describe('weeksCovering', () => {
  it('makes one week for days on both sides of New Year (2014-12-31..2015-01-02)', () => {
    expect(keysOf('2014-12-31', '2015-01-02')).toEqual(['2014-12-29-2015-01-04']);
  });

  it('runs through a year boundary in chronological order', () => {
    expect(keysOf('2014-12-20', '2015-01-06')).toEqual([
      '2014-12-15-2014-12-21',
      '2014-12-22-2014-12-28',
      '2014-12-29-2015-01-04',
      '2015-01-05-2015-01-11',
    ]);
  });

  it('gives a range starting on a Sunday the whole week before it', () => {
    expect(keysOf('2015-01-04', '2015-01-05')).toEqual(['2014-12-29-2015-01-04', '2015-01-05-2015-01-11']);
  });

  it('stops at a range ending on a Sunday without adding the next week', () => {
    expect(keysOf('2015-01-05', '2015-01-11')).toEqual(['2015-01-05-2015-01-11']);
    expect(keysOf('2014-12-30', '2015-01-11')).toEqual(['2014-12-29-2015-01-04', '2015-01-05-2015-01-11']);
  });

  it('gives a one-day range exactly one week, whatever the weekday', () => {
    expect(keysOf('2015-01-04', '2015-01-04')).toEqual(['2014-12-29-2015-01-04']);
    expect(keysOf('2015-01-05', '2015-01-05')).toEqual(['2015-01-05-2015-01-11']);
    expect(keysOf('2015-01-07', '2015-01-07')).toEqual(['2015-01-05-2015-01-11']);
  });

  it('includes 29 February in a leap-year week (2016-02-29 was a Monday)', () => {
    expect(keysOf('2016-02-29', '2016-02-29')).toEqual(['2016-02-29-2016-03-06']);
    expect(keysOf('2016-02-27', '2016-03-01')).toEqual(['2016-02-22-2016-02-28', '2016-02-29-2016-03-06']);
  });

  it('describes each week by its Monday as start, Sunday as end and monday as a day number', () => {
    const [week] = weeksCovering(day('2015-01-01'), day('2015-01-01'));
    expect(week).toEqual({
      key: '2014-12-29-2015-01-04',
      start: '2014-12-29',
      end: '2015-01-04',
      monday: day('2014-12-29'),
    });
  });

  it('always starts on a Monday, ends on a Sunday, covers the range with consecutive weeks (property)', () => {
    // Days from 1900 to 2200, ranges up to ~3 years.
    const arbitraryRange = fc
      .tuple(
        fc.integer({ min: day('1900-01-01'), max: day('2200-01-01') }),
        fc.integer({ min: 0, max: 1200 }),
      )
      .map(([start, length]) => ({ start, end: start + length }));
    fc.assert(
      fc.property(arbitraryRange, ({ start, end }) => {
        const weeks = weeksCovering(start, end);
        const first = weeks[0]!;
        const last = weeks[weeks.length - 1]!;
        expect(weekday(first.monday)).toBe(1);
        expect(weekday(last.monday + 6)).toBe(0);
        expect(first.monday).toBeLessThanOrEqual(start);
        expect(first.monday).toBeGreaterThan(start - 7);
        expect(last.monday + 6).toBeGreaterThanOrEqual(end);
        expect(last.monday + 6).toBeLessThan(end + 7);
        expect(weeks.length).toBe(Math.floor((last.monday - first.monday) / 7) + 1);
        weeks.forEach((week, i) => {
          if (i > 0) expect(week.monday).toBe(weeks[i - 1]!.monday + 7);
          expect(weekday(day(week.start))).toBe(1);
          expect(weekday(day(week.end))).toBe(0);
          expect(day(week.start)).toBe(week.monday);
          expect(day(week.end)).toBe(week.monday + 6);
          expect(week.key).toBe(`${week.start}-${week.end}`);
        });
      }),
      { numRuns: 500 },
    );
  });
});

describe('checkRange', () => {
  it('accepts a valid range and returns its day numbers', () => {
    expect(checkRange('2014-12-31', '2015-01-02')).toEqual({
      ok: true,
      range: { start: day('2014-12-31'), end: day('2015-01-02') },
    });
  });

  it('accepts a one-day range (start equal to end)', () => {
    expect(checkRange('2015-01-04', '2015-01-04')).toEqual({
      ok: true,
      range: { start: day('2015-01-04'), end: day('2015-01-04') },
    });
  });

  it('names start_date when only it is missing', () => {
    const result = checkRange(undefined, '2015-01-01');
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error).toContain('start_date');
      expect(result.error).not.toContain('end_date');
      expect(result.error).toMatch(/missing/);
    }
  });

  it('names end_date when only it is missing (an empty value counts as missing)', () => {
    const result = checkRange('2015-01-01', '');
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error).toContain('end_date');
      expect(result.error).not.toContain('start_date');
    }
  });

  it('names both parameters when both are missing', () => {
    const result = checkRange(undefined, undefined);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toMatch(/parameters: start_date, end_date/);
  });

  it('names start_date and its value when it is not a real calendar date', () => {
    const result = checkRange('2015-02-29', '2015-03-10');
    expect(result).toEqual({
      ok: false,
      error: expect.stringMatching(/^start_date "2015-02-29" is not a real calendar date/),
    });
  });

  it('names end_date and its value when it is not in YYYY-MM-DD form', () => {
    const result = checkRange('2015-01-01', '01/31/2015');
    expect(result).toEqual({
      ok: false,
      error: expect.stringMatching(/^end_date "01\/31\/2015" is not a real calendar date/),
    });
  });

  it('refuses 2100-02-29 as end_date (2100 is not a leap year) and accepts 2016-02-29', () => {
    expect(checkRange('2100-02-01', '2100-02-29').ok).toBe(false);
    expect(checkRange('2016-02-01', '2016-02-29').ok).toBe(true);
  });

  it('says start_date is after end_date when they are reversed', () => {
    const result = checkRange('2015-01-02', '2015-01-01');
    expect(result).toEqual({ ok: false, error: 'start_date 2015-01-02 is after end_date 2015-01-01' });
  });

  it('covers the first week of year 0001 (0001-01-01 was a Monday) with well-formed keys', () => {
    const result = checkRange('0001-01-01', '0001-01-10');
    expect(result.ok).toBe(true);
    if (result.ok)
      expect(weeksCovering(result.range.start, result.range.end).map((w) => w.key)).toEqual([
        '0001-01-01-0001-01-07',
        '0001-01-08-0001-01-14',
      ]);
  });

  it('refuses year 0000 naming the parameter and the years allowed', () => {
    expect(checkRange('0000-01-01', '0001-01-10')).toEqual({
      ok: false,
      error: 'start_date "0000-01-01" is not a real calendar date in YYYY-MM-DD format (years 0001–9999)',
    });
  });

  it('accepts an end_date whose week ends in 9999 and refuses a later one, whose week key would name year 10000', () => {
    const last = checkRange('9999-12-01', '9999-12-26');
    expect(last.ok).toBe(true);
    if (last.ok) {
      const keys = weeksCovering(last.range.start, last.range.end).map((w) => w.key);
      expect(keys.at(-1)).toBe('9999-12-20-9999-12-26');
      expect(keys.every((k) => /^\d{4}-\d{2}-\d{2}-\d{4}-\d{2}-\d{2}$/.test(k))).toBe(true);
    }
    expect(checkRange('9999-12-01', '9999-12-27')).toEqual({
      ok: false,
      error:
        'end_date 9999-12-27 is too late: its week would end after 9999-12-31 (the last whole week ends 9999-12-26)',
    });
  });

  it('accepts exactly ten years and refuses one day more', () => {
    expect(checkRange('2010-01-01', '2020-01-01').ok).toBe(true);
    const over = checkRange('2010-01-01', '2020-01-02');
    expect(over.ok).toBe(false);
    if (!over.ok) expect(over.error).toMatch(/longer than 10 years/);
  });
});

describe('buildFunnel', () => {
  const range = { start: day('2014-12-31'), end: day('2015-01-13') };

  it('lists every week of the range in order, each with all seven states at zero when there are no rows', () => {
    const funnel = buildFunnel(range, []);
    expect(funnel.map((f) => f.week.key)).toEqual([
      '2014-12-29-2015-01-04',
      '2015-01-05-2015-01-11',
      '2015-01-12-2015-01-18',
    ]);
    for (const { counts: c } of funnel) {
      expect(Object.keys(c).sort()).toEqual([...STATES].sort());
      expect(Object.values(c).every((n) => n === 0)).toBe(true);
    }
  });

  it('puts rows in the week of their Monday and adds rows of the same week and state', () => {
    const funnel = buildFunnel(range, [
      { week: '2014-12-29', state: 'applied', count: 2 },
      { week: '2014-12-29', state: 'applied', count: 3 },
      { week: '2015-01-12', state: 'hired', count: 1 },
    ]);
    expect(funnel[0]!.counts).toEqual(counts({ applied: 5 }));
    expect(funnel[1]!.counts).toEqual(zeroCounts());
    expect(funnel[2]!.counts).toEqual(counts({ hired: 1 }));
  });

  it('ignores rows of weeks outside the range', () => {
    const funnel = buildFunnel(range, [
      { week: '2014-12-22', state: 'applied', count: 7 },
      { week: '2015-01-19', state: 'applied', count: 7 },
    ]);
    expect(sumCounts(funnel.map((f) => f.counts))).toEqual(zeroCounts());
  });

  it('ignores rows whose state is not a workflow state, even one named like an object property', () => {
    const funnel = buildFunnel(range, [
      { week: '2014-12-29', state: 'archived', count: 4 },
      { week: '2014-12-29', state: 'toString', count: 4 },
      { week: '2014-12-29', state: 'constructor', count: 4 },
    ]);
    expect(funnel[0]!.counts).toEqual(zeroCounts());
    expect(Object.keys(funnel[0]!.counts).sort()).toEqual([...STATES].sort());
  });
});

describe('conversions', () => {
  it('gives null rates, not NaN, when every count is zero', () => {
    const result = conversions(zeroCounts());
    expect(result).toHaveLength(5);
    expect(result.every((c) => c.rate === null)).toBe(true);
  });

  it('chains the six funnel states in order and leaves rejected out', () => {
    expect(conversions(zeroCounts()).map((c) => `${c.from}>${c.to}`)).toEqual([
      'applied>quiz_started',
      'quiz_started>quiz_completed',
      'quiz_completed>onboarding_requested',
      'onboarding_requested>onboarding_completed',
      'onboarding_completed>hired',
    ]);
  });

  it('counts an applicant in a later state as having reached every earlier state', () => {
    // 4 applied, 2 quiz_started, 1 quiz_completed, 0 onboarding_requested, 1 onboarding_completed, 2 hired, 9 rejected.
    // reached: applied 10, quiz_started 6, quiz_completed 4, onboarding_requested 3, onboarding_completed 3, hired 2.
    const result = conversions(
      counts({
        applied: 4,
        quiz_started: 2,
        quiz_completed: 1,
        onboarding_completed: 1,
        hired: 2,
        rejected: 9,
      }),
    );
    expect(result.map((c) => c.rate)).toEqual([6 / 10, 4 / 6, 3 / 4, 3 / 3, 2 / 3]);
  });

  it('gives null for steps nobody reached and 0 for steps nobody passed', () => {
    const result = conversions(counts({ applied: 3 }));
    expect(result.map((c) => c.rate)).toEqual([0, null, null, null, null]);
  });
});

describe('sumCounts', () => {
  it('adds counts state by state and gives zeros for an empty list', () => {
    expect(sumCounts([])).toEqual(zeroCounts());
    expect(sumCounts([counts({ applied: 1, hired: 2 }), counts({ applied: 3, rejected: 1 })])).toEqual(
      counts({ applied: 4, hired: 2, rejected: 1 }),
    );
  });
});
