// What the uptime API sends back (/work/coord/uptime-api.md, src/systems/uptime/routes.ts), and
// helpers for showing it.
import type { REPORT_COLUMNS } from '../../src/systems/uptime/report.js';

export type ReportState = 'queued' | 'running' | 'complete' | 'failed';

export interface Report {
  id: string;
  status: ReportState;
  /** 0–100. */
  progress: number;
  /** The instant the report is computed at; null until known. */
  now: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  durationMs: number | null;
  stores: number | null;
  pollsRead: number | null;
  error: string | null;
  csvUrl: string | null;
}

/** One of the report's columns (the CSV's, in order). */
export type ReportColumn = (typeof REPORT_COLUMNS)[number];
export type FigureColumn = Exclude<ReportColumn, 'store_id'>;
export type Figures = Record<FigureColumn, number>;

export type ReportRow = { store_id: string } & Figures;

export interface ReportRows {
  total: number;
  offset: number;
  limit: number;
  totals: { stores: number } & Figures;
  rows: ReportRow[];
}

export interface WeeklyHours {
  /** 0 = Monday … 6 = Sunday. */
  dayOfWeek: number;
  /** HH:MM:SS, the store's local time. */
  start: string;
  end: string;
}

export interface Span {
  start: string;
  end: string;
}

export interface TimelinePoll {
  at: string;
  status: 'active' | 'inactive';
  inBusinessHours: boolean;
}

export interface StoreDetail {
  store_id: string;
  timezone: string;
  timezoneDefaulted: boolean;
  /** Empty: open 24×7. */
  hours: WeeklyHours[];
  now: string;
  figures: Figures;
  timeline: {
    from: string;
    to: string;
    business: Span[];
    polls: TimelinePoll[];
    periods: (Span & { status: 'up' | 'down' })[];
  };
}

export const isRunning = (status: ReportState): boolean => status === 'queued' || status === 'running';

export const reportUrl = (id: string) => `/api/uptime/reports/${encodeURIComponent(id)}`;
export const rowsUrl = (id: string) => `${reportUrl(id)}/rows`;
export const csvUrl = (id: string) => `${reportUrl(id)}.csv`;
export const storeUrl = (storeId: string) => `/api/uptime/stores/${encodeURIComponent(storeId)}`;

export const STATUS_LABELS: Record<ReportState, string> = {
  queued: 'Queued',
  running: 'Running',
  complete: 'Complete',
  failed: 'Failed',
};
