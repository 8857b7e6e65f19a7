// The uptime page's display helpers (web/uptime/format.ts): pure, so tested here where vitest looks.
import { describe, expect, it } from 'vitest';
import {
  COLUMNS,
  formatFigure,
  formatFigureWithUnit,
  formatSpan,
  formatTimeOfDay,
  isReportColumn,
  uptimeShare,
  weeklyHours,
} from '../../web/uptime/format.js';
import { REPORT_COLUMNS } from '../../src/systems/uptime/report.js';
import type { Figures } from '../../web/uptime/types.js';

const figures = (up: number, down: number): Figures => ({
  uptime_last_hour: up,
  uptime_last_day: up,
  uptime_last_week: up,
  downtime_last_hour: down,
  downtime_last_day: down,
  downtime_last_week: down,
});

describe('uptime page columns', () => {
  it('are the report CSV columns in their order', () => {
    expect(COLUMNS).toEqual([...REPORT_COLUMNS]);
    expect(isReportColumn('downtime_last_day')).toBe(true);
    expect(isReportColumn('toString')).toBe(false);
    expect(isReportColumn('')).toBe(false);
  });
});

describe('formatFigure', () => {
  it('writes two decimals with thousands separators, a dash when unknown', () => {
    expect(formatFigure(0)).toBe('0.00');
    expect(formatFigure(12.5)).toBe('12.50');
    expect(formatFigure(1234.567)).toBe('1,234.57');
    expect(formatFigure(null)).toBe('—');
    expect(formatFigure(Number.NaN)).toBe('—');
    expect(formatFigureWithUnit('uptime_last_hour', 42)).toBe('42.00 min');
    expect(formatFigureWithUnit('downtime_last_week', 6.25)).toBe('6.25 h');
  });
});

describe('uptimeShare', () => {
  it('is uptime over the business time of the window, null without business time', () => {
    expect(uptimeShare(figures(3, 1), 'day')).toBe(0.75);
    expect(uptimeShare(figures(0, 5), 'hour')).toBe(0);
    expect(uptimeShare(figures(0, 0), 'week')).toBeNull();
  });
});

describe('formatTimeOfDay', () => {
  it('drops zero seconds and keeps the others, since end times are literal', () => {
    expect(formatTimeOfDay('09:00:00')).toBe('09:00');
    expect(formatTimeOfDay('9:30:00')).toBe('09:30');
    expect(formatTimeOfDay('23:59:59')).toBe('23:59:59');
    expect(formatTimeOfDay('garbage')).toBe('garbage');
  });
});

describe('weeklyHours', () => {
  it('is null for a store without hours (open 24×7)', () => {
    expect(weeklyHours([])).toBeNull();
  });

  it('lists every weekday from Monday, intervals in order, closed days empty, overnight marked', () => {
    const week = weeklyHours([
      { dayOfWeek: 0, start: '17:00:00', end: '22:00:00' },
      { dayOfWeek: 0, start: '09:00:00', end: '12:00:00' },
      { dayOfWeek: 4, start: '22:00:00', end: '02:00:00' },
      { dayOfWeek: 6, start: '00:00:00', end: '23:59:59' },
    ]);
    expect(week?.map((d) => d.day)).toEqual([
      'Monday',
      'Tuesday',
      'Wednesday',
      'Thursday',
      'Friday',
      'Saturday',
      'Sunday',
    ]);
    expect(week?.[0]?.intervals).toEqual(['09:00 – 12:00', '17:00 – 22:00']);
    expect(week?.[1]?.intervals).toEqual([]);
    expect(week?.[4]?.intervals).toEqual(['22:00 – 02:00 (next day)']);
    expect(week?.[6]?.intervals).toEqual(['00:00 – 23:59:59']);
  });
});

describe('formatSpan', () => {
  it('reads as seconds, minutes, hours and minutes, then days and hours', () => {
    expect(formatSpan(40_000)).toBe('40 s');
    expect(formatSpan(45 * 60_000)).toBe('45 min');
    expect(formatSpan(3 * 3_600_000 + 5 * 60_000)).toBe('3 h 05 min');
    expect(formatSpan(52 * 3_600_000)).toBe('2 d 4 h');
    expect(formatSpan(-1)).toBe('—');
  });
});
