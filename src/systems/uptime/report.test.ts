import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildSchedule, businessIntervals, isOpenAt, type WeeklyHours } from './business-hours.js';
import {
  DAY_MS,
  HOUR_MS,
  REPORT_COLUMNS,
  REPORT_CSV_HEADER,
  StoreAccumulator,
  WEEK_MS,
  formatFigure,
  formatReportCsvRow,
  reportHistory,
  reportStores,
  storeTimeline,
  storeUptime,
  sumWindows,
  toReportRow,
  type Poll,
  type StoreUptime,
} from './report.js';

const MIN_MS = 60_000;
const t = (iso: string) => Date.parse(iso);
const poll = (iso: string, active: boolean): Poll => ({ at: t(iso), active });
const H = 3600;
/** Monday 9:00-12:00 in Chicago (Monday 2024-01-08 is CST, -06:00). */
const nineToNoon = buildSchedule([{ weekday: 0, start: 9 * H, end: 12 * H }], 'America/Chicago');

describe("the assignment's example: open 9:00-12:00 on a Monday, polls at 10:14 and 11:15", () => {
  // 10:14 active, 11:15 inactive. Their midpoint is 10:44:30: every instant before it is nearer to
  // 10:14 (up), every instant after it nearer to 11:15 (down).
  //   up   9:00 .. 10:44:30 = 104.5 min
  //   down 10:44:30 .. 12:00 = 75.5 min          together the 180 business minutes
  const polls = [poll('2024-01-08T10:14:00-06:00', true), poll('2024-01-08T11:15:00-06:00', false)];

  it('at noon: the last hour (11:00-12:00) is all down, the day 104.5 min up and 75.5 min down', () => {
    const u = storeUptime('s', nineToNoon, polls, t('2024-01-08T12:00:00-06:00'));
    expect(u.up).toEqual({ hour: 0, day: 104.5 * MIN_MS, week: 104.5 * MIN_MS });
    expect(u.down).toEqual({ hour: 60 * MIN_MS, day: 75.5 * MIN_MS, week: 75.5 * MIN_MS });
    expect(formatReportCsvRow(toReportRow(u))).toBe('s,0.00,1.74,1.74,60.00,1.26,1.26\n');
  });

  it('at 11:30: the last hour (10:30-11:30) is 14.5 min up and 45.5 min down', () => {
    const u = storeUptime('s', nineToNoon, polls, t('2024-01-08T11:30:00-06:00'));
    expect(u.up.hour).toBe(14.5 * MIN_MS);
    expect(u.down.hour).toBe(45.5 * MIN_MS);
    expect(u.up.day).toBe(104.5 * MIN_MS);
    expect(u.down.day).toBe(45.5 * MIN_MS); // 10:44:30 .. 11:30 so far
  });

  it('at 11:00 the 11:15 poll is not known yet: everything is up', () => {
    // the week (Jan 1 11:00, Jan 8 11:00] also holds the previous Monday's last business hour
    const u = storeUptime('s', nineToNoon, polls, t('2024-01-08T11:00:00-06:00'));
    expect(u.up).toEqual({ hour: 60 * MIN_MS, day: 120 * MIN_MS, week: 180 * MIN_MS });
    expect(u.down).toEqual({ hour: 0, day: 0, week: 0 });
  });

  it('a week later the week holds only the next Monday, down by the last observation (11:15)', () => {
    const u = storeUptime('s', nineToNoon, polls, t('2024-01-15T12:00:00-06:00'));
    expect(u.down).toEqual({ hour: 60 * MIN_MS, day: 180 * MIN_MS, week: 180 * MIN_MS });
    expect(u.up.week).toBe(0);
  });

  it('the timeline shows the periods the figures sum to', () => {
    const tl = storeTimeline('s', nineToNoon, polls, t('2024-01-08T12:00:00-06:00'));
    expect(tl.business).toEqual([
      { start: t('2024-01-08T09:00:00-06:00'), end: t('2024-01-08T12:00:00-06:00') },
    ]);
    expect(tl.up).toEqual([{ start: t('2024-01-08T09:00:00-06:00'), end: t('2024-01-08T10:44:30-06:00') }]);
    expect(tl.down).toEqual([{ start: t('2024-01-08T10:44:30-06:00'), end: t('2024-01-08T12:00:00-06:00') }]);
    expect(tl.polls).toEqual([
      { ...polls[0], observation: true },
      { ...polls[1], observation: true },
    ]);
    expect(tl.figures).toEqual(storeUptime('s', nineToNoon, polls, t('2024-01-08T12:00:00-06:00')));
  });
});

describe('interpolation', () => {
  const noon = t('2024-01-08T12:00:00-06:00');

  it('gives all business time the status of a single observation, before and after it', () => {
    const u = storeUptime('s', nineToNoon, [poll('2024-01-08T11:50:00-06:00', false)], noon);
    expect(u.down).toEqual({ hour: 60 * MIN_MS, day: 180 * MIN_MS, week: 180 * MIN_MS });
    expect(u.up).toEqual({ hour: 0, day: 0, week: 0 });
  });

  it('counts all business time as down when every poll is outside business hours', () => {
    const polls = [poll('2024-01-08T08:59:59-06:00', true), poll('2024-01-08T12:00:00-06:00', true)];
    const u = storeUptime('s', nineToNoon, polls, t('2024-01-08T13:00:00-06:00'));
    expect(u.down.day).toBe(180 * MIN_MS);
    expect(u.up.day).toBe(0);
    const tl = storeTimeline('s', nineToNoon, polls, t('2024-01-08T13:00:00-06:00'));
    expect(tl.polls.map((p) => p.observation)).toEqual([false, false]); // 12:00 is the closing instant
  });

  it('counts all business time as down for a store with no poll at all', () => {
    const u = storeUptime('s', nineToNoon, [], noon);
    expect(u.down.week).toBe(180 * MIN_MS);
  });

  it('splits at the exact midpoint of two observations (the tie, earlier wins, is that one instant)', () => {
    const polls = [poll('2024-01-08T10:00:00-06:00', true), poll('2024-01-08T11:00:00-06:00', false)];
    const tl = storeTimeline('s', nineToNoon, polls, noon);
    expect(tl.up).toEqual([{ start: t('2024-01-08T09:00:00-06:00'), end: t('2024-01-08T10:30:00-06:00') }]);
    expect(tl.figures.up.day).toBe(90 * MIN_MS);
    expect(tl.figures.down.day).toBe(90 * MIN_MS);
  });

  it('lets inactive win between two observations at the same instant, in either order', () => {
    for (const order of [
      [true, false],
      [false, true],
    ]) {
      const polls = order.map((active) => poll('2024-01-08T10:00:00-06:00', active));
      expect(storeUptime('s', nineToNoon, polls, noon).down.day).toBe(180 * MIN_MS);
    }
  });

  it('uses the nearest observation before the window, however far back', () => {
    // the last observation is a month before; the week's business time (Jan 8 9-12) all takes its status
    const polls = [poll('2023-12-04T10:00:00-06:00', true), poll('2023-12-05T10:00:00-06:00', false)];
    const u = storeUptime('s', nineToNoon, polls, noon);
    expect(u.up.week).toBe(180 * MIN_MS);
    const tl = storeTimeline('s', nineToNoon, polls, noon);
    expect(tl.earlier).toEqual({ at: t('2023-12-04T10:00:00-06:00'), active: true }); // Dec 5 is a Tuesday, closed
    expect(tl.figures.up.week).toBe(180 * MIN_MS);
  });

  it('weighs an observation before the window against the first one inside it', () => {
    // A store open 24x7; the window starts Monday 00:00 UTC; observations at -2 h (down) and +4 h (up):
    // the first hour of the window is nearer to -2 h.
    const allDay = buildSchedule([], 'UTC');
    const now = t('2024-01-15T00:00:00Z');
    const polls = [poll('2024-01-07T22:00:00Z', false), poll('2024-01-08T04:00:00Z', true)];
    const u = storeUptime('s', allDay, polls, now);
    expect(u.down.week).toBe(1 * HOUR_MS);
    expect(u.up.week).toBe(WEEK_MS - HOUR_MS);
  });

  it('ignores polls after now', () => {
    const polls = [poll('2024-01-08T09:30:00-06:00', true), poll('2024-01-08T11:59:00-06:00', false)];
    const u = storeUptime('s', nineToNoon, polls, t('2024-01-08T11:00:00-06:00'));
    expect(u.up.day).toBe(120 * MIN_MS);
  });
});

describe('StoreAccumulator', () => {
  it('is reused store after store without mixing them', () => {
    const acc = new StoreAccumulator(t('2024-01-08T12:00:00-06:00'));
    acc.begin('a', nineToNoon);
    acc.push(t('2024-01-08T10:00:00-06:00'), true);
    const a = acc.finish();
    acc.begin('b', nineToNoon);
    const b = acc.finish();
    expect(a.up.day).toBe(180 * MIN_MS);
    expect(b.storeId).toBe('b');
    expect(b.down.day).toBe(180 * MIN_MS);
  });

  it('sorts polls pushed out of order', () => {
    const now = t('2024-01-08T12:00:00-06:00');
    const polls = [poll('2024-01-08T11:15:00-06:00', false), poll('2024-01-08T10:14:00-06:00', true)];
    expect(storeUptime('s', nineToNoon, polls, now)).toEqual(
      storeUptime('s', nineToNoon, [...polls].reverse(), now),
    );
  });

  it('says an earlier observation is needed only when business time precedes the first one in the window', () => {
    const allDay = buildSchedule([], 'UTC');
    const now = t('2024-01-15T00:00:00Z');
    const acc = new StoreAccumulator(now);
    acc.begin('s', allDay);
    expect(acc.needsEarlierObservation()).toBe(true); // nothing at all
    acc.push(t('2024-01-10T00:00:00Z'), true);
    expect(acc.needsEarlierObservation()).toBe(true); // business time from Jan 8 00:00 comes first
    acc.begin('s', nineToNoon); // Monday 9-12 only; window starts Monday Jan 8 00:00 UTC = Jan 7 18:00 CST
    acc.push(t('2024-01-08T09:00:00-06:00'), true);
    expect(acc.needsEarlierObservation()).toBe(false); // the first observation opens the business time
    acc.push(t('2024-01-01T10:00:00-06:00'), false);
    expect(acc.isObservation(t('2024-01-01T10:00:00-06:00'))).toBe(true);
    expect(acc.needsEarlierObservation()).toBe(false);
    expect(acc.isObservation(t('2024-01-01T13:00:00-06:00'))).toBe(false);
  });

  it('takes an earlier observation handed over after the window, and refuses one inside the window', () => {
    const allDay = buildSchedule([], 'UTC');
    const now = t('2024-01-15T00:00:00Z');
    const acc = new StoreAccumulator(now);
    acc.begin('s', allDay);
    acc.push(t('2024-01-08T04:00:00Z'), true);
    expect(acc.needsEarlierObservation()).toBe(true);
    acc.pushEarlierObservation(t('2024-01-07T22:00:00Z'), false);
    expect(acc.needsEarlierObservation()).toBe(false);
    expect(acc.finish().down.week).toBe(HOUR_MS);
    expect(() => acc.pushEarlierObservation(t('2024-01-08T00:00:01Z'), false)).toThrow(
      /at or before windowStart/,
    );
  });

  it('refuses a now that is not a number', () => {
    expect(() => new StoreAccumulator(Number.NaN)).toThrow(/now/);
  });
});

describe('reportStores', () => {
  it('yields one figure set per store, in the order the polls come', () => {
    const now = t('2024-01-08T12:00:00-06:00');
    const rows = [
      { storeId: 'a', ...poll('2024-01-08T10:00:00-06:00', true) },
      { storeId: 'a', ...poll('2024-01-08T11:00:00-06:00', false) },
      { storeId: 'b', ...poll('2024-01-08T10:00:00-06:00', false) },
    ];
    const out = [...reportStores(rows, () => nineToNoon, now)];
    expect(out.map((u) => [u.storeId, u.up.day / MIN_MS, u.down.day / MIN_MS])).toEqual([
      ['a', 90, 90],
      ['b', 0, 180],
    ]);
  });

  it('refuses polls that are not grouped by store', () => {
    const rows = [
      { storeId: 'a', at: 1, active: true },
      { storeId: 'b', at: 1, active: true },
      { storeId: 'a', at: 2, active: true },
    ];
    expect(() => [...reportStores(rows, () => nineToNoon, 10)]).toThrow(/not grouped by store: a/);
  });
});

describe('report rows', () => {
  it('has the columns in the required order', () => {
    expect(REPORT_CSV_HEADER).toBe(
      'store_id,uptime_last_hour,uptime_last_day,uptime_last_week,downtime_last_hour,downtime_last_day,downtime_last_week\n',
    );
    expect(
      Object.keys(
        toReportRow({ storeId: 'x', up: { hour: 0, day: 0, week: 0 }, down: { hour: 0, day: 0, week: 0 } }),
      ),
    ).toEqual([...REPORT_COLUMNS]);
  });

  it('converts the hour to minutes and the day and week to hours, rounding only when written', () => {
    const u: StoreUptime = {
      storeId: 'x',
      up: { hour: 20 * MIN_MS + 1, day: 5 * HOUR_MS + 20 * MIN_MS, week: 30 * HOUR_MS },
      down: { hour: 40 * MIN_MS - 1, day: 0.005 * HOUR_MS, week: 1.125 * HOUR_MS },
    };
    const row = toReportRow(u);
    expect(row.uptime_last_hour).toBeCloseTo(20.0000167, 6);
    expect(row.uptime_last_day).toBeCloseTo(5.333333, 5);
    expect(formatReportCsvRow(row)).toBe('x,20.00,5.33,30.00,40.00,0.01,1.13\n');
  });

  it('quotes a store id that needs it', () => {
    const zero = { hour: 0, day: 0, week: 0 };
    expect(formatReportCsvRow(toReportRow({ storeId: 'a,"b"', up: zero, down: zero }))).toBe(
      '"a,""b""",0.00,0.00,0.00,0.00,0.00,0.00\n',
    );
  });

  it('rounds halves up', () => {
    expect(formatFigure(1.005)).toBe('1.01');
    expect(formatFigure(2.675)).toBe('2.68');
    expect(formatFigure(0.004999)).toBe('0.00');
    expect(formatFigure(104.5 / 60)).toBe('1.74');
  });
});

describe('reportHistory', () => {
  it('asks for the week before now and the observation before it', () => {
    expect(reportHistory(WEEK_MS * 3)).toMatchObject({ windowStart: WEEK_MS * 2, now: WEEK_MS * 3 });
  });
});

// ---------------------------------------------------------------------------------------------
// Property: the engine against a brute-force reference that looks at every 10-second step.
// All inputs are whole minutes (polls, hours, now), so every boundary (midpoints: half minutes;
// business edges: whole minutes, also across DST and in 45-minute zones) falls on a 10-second
// step, and counting steps is exact: the two must agree to the millisecond.

const STEP = 10_000;
const ZONES = [
  'America/Chicago',
  'Australia/Sydney',
  'America/Santiago',
  'Asia/Kathmandu',
  'UTC',
  'America/New_York',
];
const NOWS = [
  '2024-03-10T12:00:00Z',
  '2024-04-07T06:00:00Z',
  '2024-09-08T08:00:00Z',
  '2024-11-03T10:00:00Z',
  '2024-06-19T17:00:00Z',
];

/** Status of the nearest observation to `at` (ties: the earlier; same instant: inactive). */
function nearestStatus(obs: Poll[], at: number): boolean | undefined {
  let best: Poll[] = [];
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const o of obs) {
    const d = Math.abs(o.at - at);
    if (d < bestDistance || (d === bestDistance && o.at < (best[0] as Poll).at)) {
      best = [o];
      bestDistance = d;
    } else if (d === bestDistance && o.at === (best[0] as Poll).at) {
      best.push(o);
    }
  }
  return best.length === 0 ? undefined : best.every((o) => o.active);
}

function referenceUptime(hours: WeeklyHours[], zone: string, polls: Poll[], now: number) {
  const schedule = buildSchedule(hours, zone);
  const obs = polls.filter((p) => p.at <= now && isOpenAt(schedule, p.at));
  // membership by a cursor over the week's intervals (isOpenAt per step would be as right, but slow)
  const open = businessIntervals(schedule, now - WEEK_MS - STEP, now + STEP);
  let j = 0;
  const up = { hour: 0, day: 0, week: 0 };
  const down = { hour: 0, day: 0, week: 0 };
  // each step (x - STEP, x] is inside business time when its middle is, and takes x's status
  for (let x = now - WEEK_MS + STEP; x <= now; x += STEP) {
    const middle = x - STEP / 2;
    while (j < open.length && open[j]!.end <= middle) j += 1;
    if (!(j < open.length && open[j]!.start <= middle)) continue;
    const into = nearestStatus(obs, x) === true ? up : down;
    into.week += STEP;
    if (x > now - DAY_MS) into.day += STEP;
    if (x > now - HOUR_MS) into.hour += STEP;
  }
  return { up, down };
}

const minuteOf = (ms: number) => Math.floor(ms / MIN_MS) * MIN_MS;

const caseArb = fc
  .record({
    hours: fc.oneof(
      fc.constant([] as WeeklyHours[]),
      fc.array(
        fc
          .record({
            weekday: fc.integer({ min: 0, max: 6 }),
            start: fc.integer({ min: 0, max: 1439 }).map((m) => m * 60),
            end: fc.integer({ min: 0, max: 1440 }).map((m) => m * 60),
          })
          .filter((h) => h.start !== h.end),
        { minLength: 1, maxLength: 8 },
      ),
    ),
    zone: fc.constantFrom(...ZONES),
    now: fc.tuple(fc.constantFrom(...NOWS), fc.integer({ min: -3 * 24 * 60, max: 3 * 24 * 60 })),
    polls: fc.array(
      fc.record({ minute: fc.integer({ min: -10 * 24 * 60, max: 12 * 60 }), active: fc.boolean() }),
      { maxLength: 25 },
    ),
  })
  .map(({ hours, zone, now: [base, shift], polls }) => {
    const now = minuteOf(t(base)) + shift * MIN_MS;
    return { hours, zone, now, polls: polls.map((p) => ({ at: now + p.minute * MIN_MS, active: p.active })) };
  });

describe('engine against a brute-force reference (property)', () => {
  it('agrees to the millisecond on random schedules, zones, polls and now', () => {
    fc.assert(
      fc.property(caseArb, ({ hours, zone, now, polls }) => {
        const schedule = buildSchedule(hours, zone);
        const u = storeUptime('s', schedule, polls, now);
        const ref = referenceUptime(hours, zone, polls, now);
        expect({ up: u.up, down: u.down }).toEqual(ref);
      }),
      { numRuns: 150 },
    );
  });

  it('keeps up + down equal to the business time, and the timeline and the figures one', () => {
    fc.assert(
      fc.property(caseArb, ({ hours, zone, now, polls }) => {
        const schedule = buildSchedule(hours, zone);
        const u = storeUptime('s', schedule, polls, now);
        const business = sumWindows(businessIntervals(schedule, now - WEEK_MS, now), now);
        for (const w of ['hour', 'day', 'week'] as const) expect(u.up[w] + u.down[w]).toBe(business[w]);
        const tl = storeTimeline('s', schedule, polls, now);
        expect(tl.figures).toEqual(u);
        expect(sumWindows(tl.up, now)).toEqual(u.up);
      }),
      { numRuns: 300 },
    );
  });

  it('gives the same figures from the window plus the one earlier observation it asks for', () => {
    fc.assert(
      fc.property(caseArb, fc.boolean(), ({ hours, zone, now, polls }, handOver) => {
        const schedule = buildSchedule(hours, zone);
        const full = storeUptime('s', schedule, polls, now);
        const sorted = [...polls].sort((a, b) => a.at - b.at);
        const acc = new StoreAccumulator(now);
        acc.begin('s', schedule);
        for (const p of sorted) if (p.at > acc.windowStart) acc.push(p.at, p.active);
        if (acc.needsEarlierObservation()) {
          const before = sorted.filter((p) => p.at <= acc.windowStart && acc.isObservation(p.at));
          const last = before[before.length - 1];
          for (const p of before) {
            if (p.at !== last?.at) continue;
            if (handOver) acc.pushEarlierObservation(p.at, p.active);
            else acc.push(p.at, p.active); // out of order: inserted in place
          }
        }
        expect(acc.finish()).toEqual(full);
      }),
      { numRuns: 300 },
    );
  });
});
