// The uptime page's timeline (web/uptime/timeline.ts, zoned-time.ts): a store's week as ECharts
// series and its time axis in the store's local time, DST and odd offsets included.
import { describe, expect, it } from 'vitest';
import {
  escapeHtml,
  renderBand,
  ROW,
  timelineOption,
  timelineSeries,
  timelineSummary,
  tooltipText,
} from '../../web/uptime/timeline.js';
import type { StoreDetail } from '../../web/uptime/types.js';
import { formatLocal, localParts, localTicks, zoneName } from '../../web/uptime/zoned-time.js';

const H = 3_600_000;
const at = (iso: string) => Date.parse(iso);

describe('localTicks', () => {
  it('gives the store’s midnights, 23 hours apart across spring forward (Chicago)', () => {
    const ticks = localTicks(at('2024-03-07T12:00:00Z'), at('2024-03-14T12:00:00Z'), 'America/Chicago', 24);
    expect(ticks.map((t) => new Date(t).toISOString())).toEqual([
      '2024-03-08T06:00:00.000Z',
      '2024-03-09T06:00:00.000Z',
      '2024-03-10T06:00:00.000Z',
      '2024-03-11T05:00:00.000Z',
      '2024-03-12T05:00:00.000Z',
      '2024-03-13T05:00:00.000Z',
      '2024-03-14T05:00:00.000Z',
    ]);
  });

  it('has a 25-hour day when the southern hemisphere falls back (Sydney)', () => {
    const ticks = localTicks(at('2024-04-05T00:00:00Z'), at('2024-04-09T00:00:00Z'), 'Australia/Sydney', 24);
    const gaps = ticks.slice(1).map((t, i) => (t - ticks[i]!) / H);
    expect(gaps).toEqual([24, 25, 24]);
    for (const t of ticks) expect(localParts(t, 'Australia/Sydney')).toMatchObject({ hour: 0, minute: 0 });
  });

  it('finds midnights of 30- and 45-minute offset zones', () => {
    expect(localTicks(at('2024-01-01T00:00:00Z'), at('2024-01-02T00:00:00Z'), 'Asia/Kolkata', 24)).toEqual([
      at('2024-01-01T18:30:00Z'),
    ]);
    expect(localTicks(at('2024-01-01T00:00:00Z'), at('2024-01-02T00:00:00Z'), 'Asia/Kathmandu', 24)).toEqual([
      at('2024-01-01T18:15:00Z'),
    ]);
  });

  it('gives every third local hour for a day, and both 01:00s when the clock falls back', () => {
    const day = localTicks(at('2024-01-10T06:00:00Z'), at('2024-01-11T06:00:00Z'), 'America/Chicago', 3);
    expect(day.map((t) => localParts(t, 'America/Chicago').hour)).toEqual([0, 3, 6, 9, 12, 15, 18, 21, 0]);
    const fallBack = localTicks(at('2024-11-03T05:00:00Z'), at('2024-11-03T08:00:00Z'), 'America/Chicago', 1);
    expect(fallBack.map((t) => localParts(t, 'America/Chicago').hour)).toEqual([0, 1, 1, 2]);
  });
});

describe('formatLocal', () => {
  it('shows the instant on the store’s clock, not the browser’s', () => {
    const t = at('2023-01-23T15:05:09Z');
    expect(formatLocal(t, 'America/Chicago', 'time', 'en-US')).toBe('09:05');
    expect(formatLocal(t, 'Asia/Kolkata', 'time', 'en-US')).toBe('20:35');
    expect(formatLocal(t, 'America/Chicago', 'day', 'en-US')).toBe('Mon 23');
    expect(formatLocal(t, 'America/Chicago', 'full', 'en-US')).toBe('Mon, Jan 23, 09:05:09');
    expect(zoneName(t, 'America/Chicago', 'en-US')).toBe('CST');
    expect(zoneName(at('2023-07-01T00:00:00Z'), 'America/Chicago', 'en-US')).toBe('CDT');
  });
});

const detail = (): StoreDetail['timeline'] => ({
  from: '2023-01-18T12:00:00.000Z',
  to: '2023-01-25T12:00:00.000Z',
  business: [
    { start: '2023-01-18T10:00:00.000Z', end: '2023-01-18T14:00:00.000Z' },
    { start: '2023-01-24T15:00:00.000Z', end: '2023-01-25T13:00:00.000Z' },
  ],
  polls: [
    { at: '2023-01-18T12:30:00.000Z', status: 'active', inBusinessHours: true },
    { at: '2023-01-20T03:00:00.000Z', status: 'inactive', inBusinessHours: false },
    { at: '2023-01-24T16:00:00.000Z', status: 'inactive', inBusinessHours: true },
    { at: '2023-01-25T11:00:00.000Z', status: 'active', inBusinessHours: true },
  ],
  periods: [
    { start: '2023-01-18T12:00:00.000Z', end: '2023-01-18T14:00:00.000Z', status: 'up' },
    { start: '2023-01-24T15:00:00.000Z', end: '2023-01-25T10:30:00.000Z', status: 'down' },
    { start: '2023-01-25T10:30:00.000Z', end: '2023-01-25T12:00:00.000Z', status: 'up' },
  ],
});

describe('timelineSeries', () => {
  it('cuts the bands to the week and sorts the polls by status and business hours', () => {
    const s = timelineSeries(detail());
    expect(s.from).toBe(at('2023-01-18T12:00:00Z'));
    expect(s.to).toBe(at('2023-01-25T12:00:00Z'));
    expect(s.business).toEqual([
      [at('2023-01-18T12:00:00Z'), at('2023-01-18T14:00:00Z'), ROW.business],
      [at('2023-01-24T15:00:00Z'), at('2023-01-25T12:00:00Z'), ROW.business],
    ]);
    expect(s.up.map(([a, b]) => (b - a) / H)).toEqual([2, 1.5]);
    expect(s.down.map(([a, b]) => (b - a) / H)).toEqual([19.5]);
    expect(s.active).toEqual([
      [at('2023-01-18T12:30:00Z'), ROW.polls],
      [at('2023-01-25T11:00:00Z'), ROW.polls],
    ]);
    expect(s.inactive).toEqual([[at('2023-01-24T16:00:00Z'), ROW.polls]]);
    expect(s.outside).toEqual([[at('2023-01-20T03:00:00Z'), ROW.polls]]);
  });

  it('keeps only the last 24 hours in the day view', () => {
    const s = timelineSeries(detail(), 'day');
    expect(s.from).toBe(at('2023-01-24T12:00:00Z'));
    expect(s.business).toEqual([[at('2023-01-24T15:00:00Z'), at('2023-01-25T12:00:00Z'), ROW.business]]);
    expect(s.up).toHaveLength(1);
    expect(s.active).toHaveLength(1);
    expect(s.outside).toHaveLength(0);
  });

  it('says in words what the chart shows', () => {
    const text = timelineSummary(timelineSeries(detail()), 'America/Chicago', 'en-US');
    expect(text).toContain('local time (America/Chicago)');
    expect(text).toContain('23 h 00 min of business hours');
    expect(text).toContain('up 3 h 30 min and down 19 h 30 min');
    expect(text).toContain('3 polls in business hours (2 active, 1 inactive) and 1 outside them');
  });
});

describe('timelineOption', () => {
  it('draws bands and points on three rows against the store’s midnights', () => {
    const s = timelineSeries(detail());
    const option = timelineOption(s, 'America/Chicago', 'en-US') as {
      xAxis: {
        min: number;
        max: number;
        name: string;
        axisLabel: { customValues: number[]; formatter: (v: number) => string };
      };
      series: { type: string; name: string; data: unknown[] }[];
    };
    expect(option.xAxis.min).toBe(s.from);
    expect(option.xAxis.max).toBe(s.to);
    expect(option.xAxis.name).toBe('Local time (CST)');
    const midnights = option.xAxis.axisLabel.customValues;
    expect(midnights).toHaveLength(7);
    expect(midnights.map((t) => localParts(t, 'America/Chicago').hour)).toEqual([0, 0, 0, 0, 0, 0, 0]);
    expect(option.xAxis.axisLabel.formatter(midnights[0]!)).toBe('Thu\n19');
    expect(option.series.map((x) => [x.type, x.name, x.data.length])).toEqual([
      ['custom', 'Business hours', 2],
      ['custom', 'Up (interpolated)', 2],
      ['custom', 'Down (interpolated)', 1],
      ['scatter', 'Poll: active', 2],
      ['scatter', 'Poll: inactive', 1],
      ['scatter', 'Poll outside business hours', 1],
    ]);
  });

  it('labels a day view by local hours: every sixth labelled, every third ticked', () => {
    const option = timelineOption(timelineSeries(detail(), 'day'), 'America/Chicago', 'en-US') as {
      xAxis: {
        axisTick: { customValues: number[] };
        axisLabel: { customValues: number[]; formatter: (v: number) => string };
      };
    };
    expect(
      option.xAxis.axisTick.customValues.map((v) => formatLocal(v, 'America/Chicago', 'time', 'en-US')),
    ).toEqual(['06:00', '09:00', '12:00', '15:00', '18:00', '21:00', '00:00', '03:00', '06:00']);
    const labels = option.xAxis.axisLabel.customValues.map((v) => option.xAxis.axisLabel.formatter(v));
    expect(labels).toEqual(['06:00', '12:00', '18:00', 'Wed\n25', '06:00']);
  });
});

describe('renderBand', () => {
  const api = (start: number, end: number) => ({
    value: (d: number) => [start, end, 1][d]!,
    coord: ([x, row]: [number, number]) => [x / 10, 100 + row * 40],
    size: () => [0, 40],
  });
  const coordSys = { x: 20, y: 0, width: 200, height: 120 };

  it('is a rectangle across its row, cut to the plot', () => {
    expect(renderBand('#009E73', 0.5)({ coordSys }, api(500, 1500))).toEqual({
      type: 'rect',
      shape: { x: 50, y: 130, width: 100, height: 20 },
      style: { fill: '#009E73' },
    });
    expect(renderBand('#000', 0.5)({ coordSys }, api(0, 3000)).shape).toMatchObject({ x: 20, width: 200 });
  });

  it('is at least one pixel wide', () => {
    expect(renderBand('#000', 1)({ coordSys }, api(500, 501)).shape.width).toBe(1);
  });
});

describe('tooltipText', () => {
  it('shows a band’s local start, end and length, escaped', () => {
    const text = tooltipText(
      { seriesName: 'Down <b>', value: [at('2023-01-23T15:00:00Z'), at('2023-01-23T16:30:00Z'), 2] },
      'America/Chicago',
      'en-US',
    );
    expect(text).toBe(
      '<strong>Down &lt;b&gt;</strong><br>Mon, Jan 23, 09:00:00 – Mon, Jan 23, 10:30:00<br>1 h 30 min',
    );
    expect(
      tooltipText({ seriesName: 'Poll: active', value: [at('2023-01-23T15:00:00Z'), 1] }, 'UTC', 'en-US'),
    ).toBe('<strong>Poll: active</strong><br>Mon, Jan 23, 15:00:00');
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });
});
