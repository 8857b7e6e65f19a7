// What the uptime API sends back (/work/coord/uptime-api.md, src/systems/uptime/routes.ts), and
// helpers for showing it.
// The server's own types (type-only: nothing of the server is bundled).
export type {
  ReportView as Report,
  RowsPage as ReportRows,
  StoreDetail,
  ReportColumn,
} from '../../src/systems/uptime/service.js';
export type { ReportStatus as ReportState } from '../../src/systems/uptime/tables.js';
import type { ReportColumn, StoreDetail } from '../../src/systems/uptime/service.js';
import type { ReportStatus as ReportState } from '../../src/systems/uptime/tables.js';

export type FigureColumn = Exclude<ReportColumn, 'store_id'>;
export type Figures = StoreDetail['figures'];
export type ReportRow = { store_id: string } & Figures;
export type WeeklyHours = StoreDetail['hours'][number];

export const isRunning = (status: ReportState): boolean => status === 'queued' || status === 'running';

export const reportUrl = (id: string) => `/api/uptime/reports/${encodeURIComponent(id)}`;
export const rowsUrl = (id: string) => `${reportUrl(id)}/rows`;
export const storeUrl = (storeId: string) => `/api/uptime/stores/${encodeURIComponent(storeId)}`;

export const STATUS_LABELS: Record<ReportState, string> = {
  queued: 'Queued',
  running: 'Running',
  complete: 'Complete',
  failed: 'Failed',
};
