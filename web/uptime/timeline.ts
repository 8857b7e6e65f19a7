// A store's week as chart series (pure): business-hours bands, polls as points coloured by status,
// and the interpolated up/down periods as a band, on a time axis labelled in the store's local time.
import type { ChartOption } from '../ui/Chart.js';
import { formatSpan } from './format.js';
import type { StoreDetail } from './types.js';
import { formatLocal, localTicks, zoneName } from './zoned-time.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** The chart's rows, top to bottom. */
export const ROWS = ['Open', 'Polls', 'Up/down'] as const;
export const ROW = { business: 0, polls: 1, periods: 2 } as const;

/** Okabe–Ito colours (web/ui/Chart.tsx's palette), so up and down stay apart for colour-blind readers. */
export const TIMELINE_COLORS = {
  business: '#56B4E9',
  up: '#009E73',
  down: '#D55E00',
  active: '#009E73',
  inactive: '#D55E00',
  outside: '#6b7280',
} as const;

export const LEGEND = [
  { key: 'business', label: 'Business hours', shape: 'band', color: TIMELINE_COLORS.business },
  { key: 'active', label: 'Poll: active', shape: 'dot', color: TIMELINE_COLORS.active },
  { key: 'inactive', label: 'Poll: inactive', shape: 'dot', color: TIMELINE_COLORS.inactive },
  {
    key: 'outside',
    label: 'Poll outside business hours (not counted)',
    shape: 'ring',
    color: TIMELINE_COLORS.outside,
  },
  { key: 'up', label: 'Up (interpolated)', shape: 'band', color: TIMELINE_COLORS.up },
  { key: 'down', label: 'Down (interpolated)', shape: 'band', color: TIMELINE_COLORS.down },
] as const;

export type TimelineView = 'week' | 'day';

/** [start, end, row] in epoch ms. */
export type Band = [start: number, end: number, row: number];
/** [at, row]. */
export type Point = [at: number, row: number];

export interface TimelineSeries {
  from: number;
  to: number;
  business: Band[];
  up: Band[];
  down: Band[];
  active: Point[];
  inactive: Point[];
  outside: Point[];
}

/** The part of the timeline in view (the week, or its last 24 hours), bands cut to it. */
export function timelineSeries(
  timeline: StoreDetail['timeline'],
  view: TimelineView = 'week',
): TimelineSeries {
  const to = Date.parse(timeline.to);
  const from = view === 'day' ? Math.max(Date.parse(timeline.from), to - DAY_MS) : Date.parse(timeline.from);
  const bands = (spans: readonly { start: string; end: string }[], row: number): Band[] => {
    const out: Band[] = [];
    for (const s of spans) {
      const start = Math.max(from, Date.parse(s.start));
      const end = Math.min(to, Date.parse(s.end));
      if (end > start) out.push([start, end, row]);
    }
    return out;
  };
  const series: TimelineSeries = {
    from,
    to,
    business: bands(timeline.business, ROW.business),
    up: bands(
      timeline.periods.filter((p) => p.status === 'up'),
      ROW.periods,
    ),
    down: bands(
      timeline.periods.filter((p) => p.status === 'down'),
      ROW.periods,
    ),
    active: [],
    inactive: [],
    outside: [],
  };
  for (const poll of timeline.polls) {
    const at = Date.parse(poll.at);
    if (at < from || at > to) continue;
    const list = !poll.inBusinessHours
      ? series.outside
      : poll.status === 'active'
        ? series.active
        : series.inactive;
    list.push([at, ROW.polls]);
  }
  return series;
}

const total = (bands: readonly Band[]) => bands.reduce((sum, [start, end]) => sum + (end - start), 0);

/** The chart's content in words, for screen readers (the figures are also in the page's tables). */
export function timelineSummary(series: TimelineSeries, timeZone: string, locale?: string): string {
  const range = `${formatLocal(series.from, timeZone, 'full', locale)} to ${formatLocal(series.to, timeZone, 'full', locale)}`;
  const counted = series.active.length + series.inactive.length;
  return (
    `Timeline from ${range}, local time (${timeZone}): ${formatSpan(total(series.business))} of business hours, ` +
    `up ${formatSpan(total(series.up))} and down ${formatSpan(total(series.down))} (interpolated); ` +
    `${counted} poll${counted === 1 ? '' : 's'} in business hours (${series.active.length} active, ` +
    `${series.inactive.length} inactive) and ${series.outside.length} outside them.`
  );
}

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};
/** ECharts writes tooltips as HTML: everything put in one is escaped. */
export const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);

/** What the custom series' renderItem is given (the part of ECharts' API it uses). */
export interface BandApi {
  value(dimension: number): number;
  coord(point: [number, number]): number[];
  size(dataSize: [number, number]): number[] | number;
}
export interface BandParams {
  coordSys: { x: number; y: number; width: number; height: number };
}

/** Draws one band as a rectangle across its row, at least 1 px wide so a short period still shows. */
export function renderBand(color: string, heightShare: number) {
  return (params: BandParams, api: BandApi) => {
    const [x0 = 0, yMid = 0] = api.coord([api.value(0), api.value(2)]);
    const [x1 = 0] = api.coord([api.value(1), api.value(2)]);
    const size = api.size([0, 1]);
    const rowHeight = Array.isArray(size) ? (size[1] ?? 0) : size;
    const height = rowHeight * heightShare;
    const { x: left, width: clipWidth } = params.coordSys;
    const start = Math.max(left, x0);
    const end = Math.min(left + clipWidth, x1);
    return {
      type: 'rect',
      shape: { x: start, y: yMid - height / 2, width: Math.max(1, end - start), height },
      style: { fill: color },
    };
  };
}

interface TooltipParams {
  seriesName?: string;
  value?: unknown;
  marker?: string;
}

/** The tooltip of a band or a point, in the store's local time. */
export function tooltipText(params: TooltipParams, timeZone: string, locale?: string): string {
  const value = Array.isArray(params.value) ? (params.value as number[]) : [];
  const name = escapeHtml(params.seriesName ?? '');
  const at = (ms: number) => escapeHtml(formatLocal(ms, timeZone, 'full', locale));
  if (value.length >= 3) {
    const [start = 0, end = 0] = value;
    return `${params.marker ?? ''}<strong>${name}</strong><br>${at(start)} – ${at(end)}<br>${escapeHtml(formatSpan(end - start))}`;
  }
  return `${params.marker ?? ''}<strong>${name}</strong><br>${at(value[0] ?? 0)}`;
}

/** The chart: three rows against a time axis whose ticks are the store's midnights (for a day, local hours). */
export function timelineOption(series: TimelineSeries, timeZone: string, locale?: string): ChartOption {
  const oneDay = series.to - series.from <= DAY_MS;
  const ticks = localTicks(series.from, series.to, timeZone, oneDay ? 3 : 24);
  // A day's labels every six hours (five of them fit on a phone); its ticks and grid every three.
  const labels = oneDay ? localTicks(series.from, series.to, timeZone, 6) : ticks;
  const band = (name: string, data: Band[], color: string, heightShare: number, z: number) => ({
    type: 'custom',
    name,
    data,
    encode: { x: [0, 1], y: 2 },
    renderItem: renderBand(color, heightShare),
    itemStyle: { color },
    z,
  });
  const points = (name: string, data: Point[], color: string, hollow: boolean) => ({
    type: 'scatter',
    name,
    data,
    symbol: hollow ? 'emptyCircle' : 'circle',
    symbolSize: hollow ? 6 : 7,
    itemStyle: { color, opacity: 0.9 },
    z: 3,
  });
  return {
    animation: false,
    // Fixed margins (the row names are short): the plot keeps its width on a phone.
    grid: { left: 64, right: 16, top: 12, bottom: 70 },
    tooltip: {
      trigger: 'item',
      confine: true,
      formatter: (params: TooltipParams) => tooltipText(params, timeZone, locale),
    },
    xAxis: {
      type: 'time',
      min: series.from,
      max: series.to,
      name: `Local time (${zoneName(series.to, timeZone, locale)})`,
      nameLocation: 'middle',
      nameGap: 48,
      nameTextStyle: { fontWeight: 600 },
      axisTick: { customValues: ticks },
      axisLabel: {
        customValues: labels,
        hideOverlap: true,
        lineHeight: 15,
        formatter: (value: number) => {
          const local = formatLocal(value, timeZone, 'time', locale);
          if (oneDay && local !== '00:00') return local;
          // Weekday over day number: seven of them fit side by side on a phone.
          return formatLocal(value, timeZone, 'day', locale).replace(' ', '\n');
        },
      },
      splitLine: { show: true, lineStyle: { color: '#d5dbd2' } },
    },
    yAxis: {
      type: 'category',
      data: [...ROWS],
      inverse: true,
      axisTick: { show: false },
      splitLine: { show: false },
    },
    series: [
      band('Business hours', series.business, TIMELINE_COLORS.business, 0.7, 1),
      band('Up (interpolated)', series.up, TIMELINE_COLORS.up, 0.7, 1),
      band('Down (interpolated)', series.down, TIMELINE_COLORS.down, 0.7, 1),
      points('Poll: active', series.active, TIMELINE_COLORS.active, false),
      points('Poll: inactive', series.inactive, TIMELINE_COLORS.inactive, false),
      points('Poll outside business hours', series.outside, TIMELINE_COLORS.outside, true),
    ],
  };
}
