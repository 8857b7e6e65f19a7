// Display helpers of the uptime page (pure: no DOM, no requests).
import type { FigureColumn, Figures, ReportColumn, WeeklyHours } from './types.js';

/** The report's columns: what each is called on the page and its unit. */
export const COLUMN_INFO: Readonly<Record<ReportColumn, { label: string; unit: '' | 'min' | 'h' }>> = {
  store_id: { label: 'Store', unit: '' },
  uptime_last_hour: { label: 'Uptime, last hour', unit: 'min' },
  uptime_last_day: { label: 'Uptime, last day', unit: 'h' },
  uptime_last_week: { label: 'Uptime, last week', unit: 'h' },
  downtime_last_hour: { label: 'Downtime, last hour', unit: 'min' },
  downtime_last_day: { label: 'Downtime, last day', unit: 'h' },
  downtime_last_week: { label: 'Downtime, last week', unit: 'h' },
};

/** The report's CSV columns, in order (REPORT_COLUMNS in src/systems/uptime/report.ts). */
export const COLUMNS = Object.keys(COLUMN_INFO) as ReportColumn[];
export const FIGURE_COLUMNS = COLUMNS.filter((c): c is FigureColumn => c !== 'store_id');

export const WINDOWS = [
  { key: 'hour', label: 'Last hour', unit: 'min' },
  { key: 'day', label: 'Last day', unit: 'h' },
  { key: 'week', label: 'Last week', unit: 'h' },
] as const;
export type WindowKey = (typeof WINDOWS)[number]['key'];

export const isReportColumn = (value: string): value is ReportColumn => Object.hasOwn(COLUMN_INFO, value);

const figureFormat = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });

/** A report figure as the CSV has it, 2 decimals, with thousands separators: "1,234.50"; "—" if unknown. */
export function formatFigure(value: number | null | undefined): string {
  return typeof value === 'number' && Number.isFinite(value) ? figureFormat.format(value) : '—';
}

/** The figure with its unit: "42.00 min", "6.25 h". */
export function formatFigureWithUnit(column: FigureColumn, value: number | null | undefined): string {
  return `${formatFigure(value)} ${COLUMN_INFO[column].unit}`;
}

/** Uptime's share of the business time in one window (up / (up + down)), or null when there was none. */
export function uptimeShare(figures: Figures, window: WindowKey): number | null {
  const up = figures[`uptime_last_${window}`];
  const down = figures[`downtime_last_${window}`];
  const total = up + down;
  return total > 0 ? up / total : null;
}

export const WEEKDAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];

/** "09:00:00" → "09:00"; seconds stay when they are not zero ("23:59:59"), as the report takes them literally. */
export function formatTimeOfDay(text: string): string {
  const m = /^(\d{1,2}):(\d{2})(?::(\d{2}))?$/.exec(text);
  if (m === null) return text;
  const hm = `${m[1]!.padStart(2, '0')}:${m[2]}`;
  return m[3] === undefined || m[3] === '00' ? hm : `${hm}:${m[3]}`;
}

const seconds = (text: string): number => {
  const [h = 0, m = 0, s = 0] = text.split(':').map(Number);
  return h * 3600 + m * 60 + s;
};

export interface DayHours {
  /** 0 = Monday … 6 = Sunday. */
  dayOfWeek: number;
  day: string;
  /** "09:00 – 17:00", "22:00 – 02:00 (next day)"; empty: closed that day. */
  intervals: string[];
}

/**
 * A store's weekly hours, Monday to Sunday, each day's intervals in order of opening; null when the
 * store has none (open 24×7).
 */
export function weeklyHours(hours: readonly WeeklyHours[]): DayHours[] | null {
  if (hours.length === 0) return null;
  return WEEKDAYS.map((day, dayOfWeek) => ({
    dayOfWeek,
    day,
    intervals: hours
      .filter((h) => h.dayOfWeek === dayOfWeek)
      .sort((a, b) => seconds(a.start) - seconds(b.start) || seconds(a.end) - seconds(b.end))
      .map((h) => {
        const overnight = seconds(h.end) < seconds(h.start);
        return `${formatTimeOfDay(h.start)} – ${formatTimeOfDay(h.end)}${overnight ? ' (next day)' : ''}`;
      }),
  }));
}

/** A length of time for people: "45 min", "3 h 05 min", "2 d 4 h"; under a minute "40 s". */
export function formatSpan(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '—';
  const totalSeconds = Math.round(ms / 1000);
  if (totalSeconds < 60) return `${totalSeconds} s`;
  const totalMinutes = Math.round(ms / 60_000);
  if (totalMinutes < 60) return `${totalMinutes} min`;
  const hours = Math.floor(totalMinutes / 60);
  const minutes = totalMinutes % 60;
  if (hours < 48) return `${hours} h ${String(minutes).padStart(2, '0')} min`;
  return `${Math.floor(hours / 24)} d ${hours % 24} h`;
}
