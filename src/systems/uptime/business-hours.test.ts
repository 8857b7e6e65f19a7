import fc from 'fast-check';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_TIMEZONE,
  buildSchedule,
  businessIntervals,
  isOpenAt,
  localToUtc,
  totalLength,
  weekdayOfDay,
  type Interval,
  type WeeklyHours,
} from './business-hours.js';

const H = 3600;
const MIN = 60;
const t = (iso: string) => Date.parse(iso);
/** An interval written as two ISO instants (with their offsets spelled out, computed by hand). */
const iv = (start: string, end: string): Interval => ({ start: t(start), end: t(end) });
const hours = (weekday: number, start: number, end: number): WeeklyHours => ({ weekday, start, end });
const MON = 0;
const FRI = 4;
const SAT = 5;
const SUN = 6;

describe('buildSchedule', () => {
  it('makes a store with no rows open 24x7 in America/Chicago', () => {
    const s = buildSchedule([]);
    expect(s).toEqual({ timezone: 'America/Chicago', days: null });
    expect(DEFAULT_TIMEZONE).toBe('America/Chicago');
    const from = t('2024-01-01T00:00:00Z');
    expect(businessIntervals(s, from, from + 7 * 86_400_000)).toEqual([
      { start: from, end: from + 7 * 86_400_000 },
    ]);
  });

  it('uses America/Chicago for a store with hours but no timezone', () => {
    const s = buildSchedule([hours(MON, 9 * H, 12 * H)], null);
    expect(s.timezone).toBe('America/Chicago');
    // Monday 2024-01-08 is CST (-06:00)
    expect(businessIntervals(s, t('2024-01-08T00:00:00Z'), t('2024-01-09T00:00:00Z'))).toEqual([
      iv('2024-01-08T09:00:00-06:00', '2024-01-08T12:00:00-06:00'),
    ]);
  });

  it('refuses a weekday outside 0..6', () => {
    expect(() => buildSchedule([hours(7, 0, H)])).toThrow(/weekday 7/);
  });
});

describe('weekdayOfDay', () => {
  it('numbers Monday 0 .. Sunday 6', () => {
    expect(weekdayOfDay(0)).toBe(3); // 1970-01-01, a Thursday
    expect(weekdayOfDay(t('2024-01-08T00:00:00Z') / 86_400_000)).toBe(MON);
    expect(weekdayOfDay(t('2024-03-10T00:00:00Z') / 86_400_000)).toBe(SUN);
    expect(weekdayOfDay(-1)).toBe(2);
  });
});

describe('businessIntervals', () => {
  const week = (s: ReturnType<typeof buildSchedule>) =>
    businessIntervals(s, t('2024-01-08T00:00:00Z'), t('2024-01-15T12:00:00Z'));

  it('keeps several intervals a day apart', () => {
    const s = buildSchedule([hours(MON, 17 * H, 22 * H), hours(MON, 11 * H, 14 * H)], 'America/New_York');
    expect(businessIntervals(s, t('2024-01-08T00:00:00Z'), t('2024-01-09T12:00:00Z'))).toEqual([
      iv('2024-01-08T11:00:00-05:00', '2024-01-08T14:00:00-05:00'),
      iv('2024-01-08T17:00:00-05:00', '2024-01-08T22:00:00-05:00'),
    ]);
  });

  it('closes the weekdays that have no rows', () => {
    const s = buildSchedule([hours(MON, 9 * H, 12 * H), hours(FRI, 9 * H, 12 * H)], 'America/Chicago');
    expect(week(s)).toEqual([
      iv('2024-01-08T09:00:00-06:00', '2024-01-08T12:00:00-06:00'),
      iv('2024-01-12T09:00:00-06:00', '2024-01-12T12:00:00-06:00'),
    ]);
  });

  it('runs an interval whose end is before its start into the next day, merging with what it meets', () => {
    const s = buildSchedule([hours(FRI, 20 * H, 2 * H), hours(SAT, 1 * H, 3 * H)], 'America/Los_Angeles');
    expect(week(s)).toEqual([iv('2024-01-12T20:00:00-08:00', '2024-01-13T03:00:00-08:00')]);
  });

  it('takes 23:59:59 literally: overnight hours written as two rows leave one closed second', () => {
    const s = buildSchedule([hours(FRI, 18 * H, 86_399), hours(SAT, 0, 2 * H)], 'America/Denver');
    expect(week(s)).toEqual([
      iv('2024-01-12T18:00:00-07:00', '2024-01-12T23:59:59-07:00'),
      iv('2024-01-13T00:00:00-07:00', '2024-01-13T02:00:00-07:00'),
    ]);
  });

  it('merges whole days ending at 24:00:00 into one interval', () => {
    const s = buildSchedule([hours(MON, 0, 86_400), hours(1, 0, 86_400)], 'America/Phoenix');
    expect(week(s)).toEqual([
      iv('2024-01-08T00:00:00-07:00', '2024-01-10T00:00:00-07:00'),
      iv('2024-01-15T00:00:00-07:00', '2024-01-15T12:00:00Z'),
    ]);
  });

  it('clips at window edges that fall inside an interval', () => {
    const s = buildSchedule([hours(MON, 9 * H, 12 * H)], 'America/Chicago');
    expect(businessIntervals(s, t('2024-01-08T10:14:00-06:00'), t('2024-01-08T11:15:00-06:00'))).toEqual([
      iv('2024-01-08T10:14:00-06:00', '2024-01-08T11:15:00-06:00'),
    ]);
    expect(businessIntervals(s, t('2024-01-08T12:00:00-06:00'), t('2024-01-08T13:00:00-06:00'))).toEqual([]);
    expect(businessIntervals(s, t('2024-01-08T11:00:00Z'), t('2024-01-08T11:00:00Z'))).toEqual([]);
  });

  it('answers isOpenAt at both ends of [start, end)', () => {
    const s = buildSchedule([hours(MON, 9 * H, 12 * H)], 'America/Chicago');
    expect(isOpenAt(s, t('2024-01-08T09:00:00-06:00'))).toBe(true);
    expect(isOpenAt(s, t('2024-01-08T11:59:59.999-06:00'))).toBe(true);
    expect(isOpenAt(s, t('2024-01-08T12:00:00-06:00'))).toBe(false);
    expect(isOpenAt(s, t('2024-01-08T08:59:59.999-06:00'))).toBe(false);
  });

  it('reads 30- and 45-minute offsets (Kathmandu +05:45, Kolkata +05:30, Adelaide +10:30 in summer)', () => {
    const mon = (zone: string) =>
      businessIntervals(
        buildSchedule([hours(MON, 9 * H, 12 * H)], zone),
        t('2024-01-07T00:00:00Z'),
        t('2024-01-09T00:00:00Z'),
      );
    expect(mon('Asia/Kathmandu')).toEqual([iv('2024-01-08T09:00:00+05:45', '2024-01-08T12:00:00+05:45')]);
    expect(mon('Asia/Kolkata')).toEqual([iv('2024-01-08T03:30:00Z', '2024-01-08T06:30:00Z')]);
    expect(mon('Australia/Adelaide')).toEqual([iv('2024-01-07T22:30:00Z', '2024-01-08T01:30:00Z')]);
  });
});

describe('daylight saving time', () => {
  /** The intervals of one local Sunday (or Saturday) in a zone, around a transition. */
  const night = (zone: string, weekday: number, start: number, end: number, fromIso: string) =>
    businessIntervals(
      buildSchedule([hours(weekday, start, end)], zone),
      t(fromIso),
      t(fromIso) + 3 * 86_400_000,
    );

  describe('America/Chicago, spring forward 2024-03-10 02:00 CST -> 03:00 CDT', () => {
    it('makes 01:30-03:30 one hour shorter', () => {
      expect(night('America/Chicago', SUN, 1.5 * H, 3.5 * H, '2024-03-09T00:00:00Z')).toEqual([
        iv('2024-03-10T01:30:00-06:00', '2024-03-10T03:30:00-05:00'),
      ]);
    });

    it('opens a start in the gap when the clocks jump, and empties an interval inside the gap', () => {
      expect(night('America/Chicago', SUN, 2.5 * H, 4 * H, '2024-03-09T00:00:00Z')).toEqual([
        iv('2024-03-10T08:00:00Z', '2024-03-10T04:00:00-05:00'),
      ]);
      expect(night('America/Chicago', SUN, 2 * H, 2.5 * H, '2024-03-09T00:00:00Z')).toEqual([]);
      expect(night('America/Chicago', SUN, 1.5 * H, 2.5 * H, '2024-03-09T00:00:00Z')).toEqual([
        iv('2024-03-10T01:30:00-06:00', '2024-03-10T08:00:00Z'),
      ]);
    });

    it('makes the whole day 23 hours long', () => {
      const day = night('America/Chicago', SUN, 0, 86_400, '2024-03-09T00:00:00Z');
      expect(totalLength(day)).toBe(23 * H * 1000);
    });
  });

  describe('America/Chicago, fall back 2024-11-03 02:00 CDT -> 01:00 CST', () => {
    it('makes 01:30-03:30 one hour longer (opening at the first 01:30)', () => {
      expect(night('America/Chicago', SUN, 1.5 * H, 3.5 * H, '2024-11-02T00:00:00Z')).toEqual([
        iv('2024-11-03T01:30:00-05:00', '2024-11-03T03:30:00-06:00'),
      ]);
    });

    it('closes at the first occurrence of a repeated time', () => {
      expect(night('America/Chicago', SUN, 0, 1.5 * H, '2024-11-02T00:00:00Z')).toEqual([
        iv('2024-11-03T00:00:00-05:00', '2024-11-03T01:30:00-05:00'),
      ]);
      expect(totalLength(night('America/Chicago', SUN, 0, 86_400, '2024-11-02T00:00:00Z'))).toBe(
        25 * H * 1000,
      );
    });
  });

  describe('Australia/Sydney (southern hemisphere)', () => {
    it('springs forward on 2024-10-06 at 02:00 AEST: 01:30-03:30 lasts one hour', () => {
      expect(night('Australia/Sydney', SUN, 1.5 * H, 3.5 * H, '2024-10-04T00:00:00Z')).toEqual([
        iv('2024-10-06T01:30:00+10:00', '2024-10-06T03:30:00+11:00'),
      ]);
    });

    it('falls back on 2024-04-07 at 03:00 AEDT: 02:30-04:00 opens at the first 02:30', () => {
      expect(night('Australia/Sydney', SUN, 2.5 * H, 4 * H, '2024-04-05T00:00:00Z')).toEqual([
        iv('2024-04-07T02:30:00+11:00', '2024-04-07T04:00:00+10:00'),
      ]);
      expect(totalLength(night('Australia/Sydney', SUN, 1.5 * H, 3.5 * H, '2024-04-05T00:00:00Z'))).toBe(
        3 * H * 1000,
      );
    });
  });

  describe('America/Santiago (southern hemisphere, transitions at midnight)', () => {
    it('springs forward on 2024-09-08 at 00:00: a Sunday from midnight opens at 01:00 -03', () => {
      expect(night('America/Santiago', SUN, 0, 2 * H, '2024-09-06T00:00:00Z')).toEqual([
        iv('2024-09-08T01:00:00-03:00', '2024-09-08T02:00:00-03:00'),
      ]);
      // a Saturday night running to 00:30 (which does not exist) closes when the clocks jump
      expect(night('America/Santiago', SAT, 22 * H, 30 * MIN, '2024-09-06T00:00:00Z')).toEqual([
        iv('2024-09-07T22:00:00-04:00', '2024-09-08T04:00:00Z'),
      ]);
    });

    it('falls back on 2024-04-07 at 00:00 to 23:00 Saturday: 22:00-23:30 ends at the first 23:30', () => {
      expect(night('America/Santiago', SAT, 22 * H, 23.5 * H, '2024-04-05T00:00:00Z')).toEqual([
        iv('2024-04-06T22:00:00-03:00', '2024-04-06T23:30:00-03:00'),
      ]);
      expect(totalLength(night('America/Santiago', SAT, 0, 86_400, '2024-04-05T00:00:00Z'))).toBe(
        25 * H * 1000,
      );
    });
  });

  it('Australia/Adelaide (a 30-minute zone) springs forward on 2024-10-06 at 02:00 ACST', () => {
    expect(night('Australia/Adelaide', SUN, 1.5 * H, 3.5 * H, '2024-10-04T00:00:00Z')).toEqual([
      iv('2024-10-06T01:30:00+09:30', '2024-10-06T03:30:00+10:30'),
    ]);
  });

  it('localToUtc applies the same rules to one wall time', () => {
    expect(localToUtc('America/Chicago', 2024, 3, 10, 2.5 * H)).toBe(t('2024-03-10T08:00:00Z'));
    expect(localToUtc('America/Chicago', 2024, 11, 3, 1.5 * H)).toBe(t('2024-11-03T01:30:00-05:00'));
    expect(localToUtc('Asia/Kathmandu', 2024, 11, 3, 0)).toBe(t('2024-11-03T00:00:00+05:45'));
  });
});

describe('businessIntervals (properties)', () => {
  const zones = [
    'America/Chicago',
    'America/New_York',
    'Australia/Sydney',
    'America/Santiago',
    'Asia/Kathmandu',
    'Asia/Kolkata',
    'America/Phoenix',
  ];
  const schedule = fc.array(
    fc
      .record({
        weekday: fc.integer({ min: 0, max: 6 }),
        start: fc.integer({ min: 0, max: 86_399 }),
        end: fc.integer({ min: 0, max: 86_400 }),
      })
      .filter((h) => h.start !== h.end),
    { maxLength: 10 },
  );
  const range = fc
    .tuple(
      fc.integer({ min: t('2024-01-01T00:00:00Z'), max: t('2025-01-01T00:00:00Z') }),
      fc.integer({ min: 1, max: 10 * 86_400_000 }),
    )
    .map(([from, len]) => [from, from + len] as const);

  it('gives sorted, disjoint, non-touching intervals inside the range, the same when the range is cut in two', () => {
    fc.assert(
      fc.property(
        schedule,
        fc.constantFrom(...zones),
        range,
        fc.double({ min: 0, max: 1, noNaN: true }),
        (rows, zone, [from, to], cut) => {
          const s = buildSchedule(rows, zone);
          const all = businessIntervals(s, from, to);
          all.forEach((i, k) => {
            expect(i.start).toBeGreaterThanOrEqual(from);
            expect(i.end).toBeLessThanOrEqual(to);
            expect(i.end).toBeGreaterThan(i.start);
            if (k > 0) expect(i.start).toBeGreaterThan((all[k - 1] as Interval).end);
          });
          const mid = Math.floor(from + (to - from) * cut);
          const joined = [...businessIntervals(s, from, mid), ...businessIntervals(s, mid, to)];
          expect(totalLength(joined)).toBe(totalLength(all));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('agrees with Luxon date arithmetic away from transitions (January and July)', () => {
    const quiet = fc
      .tuple(
        fc.constantFrom('2024-01-06', '2024-07-06'),
        fc.integer({ min: 0, max: 12 * 86_400_000 }),
        fc.integer({ min: 1, max: 5 * 86_400_000 }),
      )
      .map(
        ([day, offset, len]) =>
          [t(`${day}T00:00:00Z`) + offset, t(`${day}T00:00:00Z`) + offset + len] as const,
      );
    fc.assert(
      fc.property(schedule, fc.constantFrom(...zones), quiet, (rows, zone, [from, to]) => {
        const expected: Interval[] = rows.length === 0 ? [{ start: from, end: to }] : [];
        let date = DateTime.fromMillis(from, { zone }).startOf('day').minus({ days: 1 });
        while (date.toMillis() < to) {
          for (const r of rows) {
            if (r.weekday !== date.weekday - 1) continue;
            const start = date.plus({ seconds: r.start }).toMillis();
            const end = date.plus({ days: r.end > r.start ? 0 : 1, seconds: r.end }).toMillis();
            const a = Math.max(from, start);
            const b = Math.min(to, end);
            if (b > a) expected.push({ start: a, end: b });
          }
          date = date.plus({ days: 1 });
        }
        expected.sort((x, y) => x.start - y.start);
        const merged: Interval[] = [];
        for (const i of expected) {
          const last = merged[merged.length - 1];
          if (last && i.start <= last.end) last.end = Math.max(last.end, i.end);
          else merged.push({ ...i });
        }
        expect(businessIntervals(buildSchedule(rows, zone), from, to)).toEqual(merged);
      }),
      { numRuns: 300 },
    );
  });
});

describe('localToUtc (property, around transitions)', () => {
  const nights: [string, string][] = [
    ['America/Chicago', '2024-03-10'],
    ['America/Chicago', '2024-11-03'],
    ['Australia/Sydney', '2024-04-07'],
    ['Australia/Sydney', '2024-10-06'],
    ['America/Santiago', '2024-04-06'],
    ['America/Santiago', '2024-09-08'],
    ['Australia/Adelaide', '2024-10-06'],
  ];
  /** The wall clock of an instant in a zone, as ms if that clock were UTC. */
  const wallOf = (utc: number, zone: string) => {
    const d = DateTime.fromMillis(utc, { zone });
    return Date.UTC(d.year, d.month - 1, d.day, d.hour, d.minute, d.second, d.millisecond);
  };

  it('gives the first instant that shows the wall time, or the jump when the time does not exist', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...nights),
        fc.integer({ min: -1, max: 1 }),
        fc.integer({ min: 0, max: 86_399 }),
        ([zone, date], shift, second) => {
          const day = t(`${date}T00:00:00Z`) / 86_400_000 + shift;
          const wall = day * 86_400_000 + second * 1000;
          const d = new Date(wall);
          const u = localToUtc(zone, d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate(), second);
          if (wallOf(u, zone) === wall) {
            expect(wallOf(u - 3_600_000, zone)).not.toBe(wall); // no earlier occurrence
          } else {
            expect(wallOf(u, zone)).toBeGreaterThan(wall); // in a gap: the clock has jumped past it
            expect(wallOf(u - 1000, zone)).toBeLessThan(wall); // and showed an earlier time a second before
          }
        },
      ),
      { numRuns: 2000 },
    );
  });
});
