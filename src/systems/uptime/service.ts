// The uptime system's rules: imports and live polls, reports (create, status, CSV, rows), stores.
import crypto from 'node:crypto';
import type { Readable } from 'node:stream';
import type { Clock } from '../../platform/clock.js';
import type { Database } from '../../platform/db/database.js';
import { badInput, conflict, notFound } from '../../platform/errors.js';
import { enqueueOrUndo, type JobQueue } from '../../platform/jobs/job-queue.js';
import type { Platform } from '../../platform/platform.js';
import {
  ArtifactNotFoundError,
  type ArtifactStore,
  type LocalArtifact,
} from '../../platform/storage/artifact-store.js';
import { readCsvRecords } from '../../platform/csv/index.js';
import { reportCsvKey } from './artifact-keys.js';
import {
  importUptimeFiles,
  ingestPolls,
  type ImportOptions,
  type ImportSources,
  type ImportSummary,
  type IngestResult,
} from './import.js';
import { REPORT_COLUMNS, formatFigure, toReportRow } from './report.js';
import { REPORT_JOB, reportJob } from './report-job.js';
import { reportNow, storeWeek } from './report-run.js';
import {
  deleteReports,
  findReport,
  findStore,
  insertReport,
  recentReports,
  searchStores,
  type ReportRow,
} from './repository.js';
import { formatTimeOfDay } from './rows.js';
import { parseTimestamp, timestampProblem } from './timestamps.js';
import type { ReportStatus, UptimeDb } from './tables.js';

/** A report as every API shows it (the contract in uptime-api.md). */
export interface ReportView {
  id: string;
  status: ReportStatus;
  progress: number;
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

export type ReportColumn = (typeof REPORT_COLUMNS)[number];
type FigureColumn = Exclude<ReportColumn, 'store_id'>;
const FIGURE_COLUMNS = REPORT_COLUMNS.filter((c): c is FigureColumn => c !== 'store_id');

export type ReportLine = { store_id: string } & Record<FigureColumn, number>;

export interface RowsQuery {
  sort?: string;
  dir?: string;
  q?: string;
  offset?: string | number;
  limit?: string | number;
}

export interface RowsPage {
  total: number;
  offset: number;
  limit: number;
  totals: { stores: number } & Record<FigureColumn, number>;
  rows: ReportLine[];
}

export interface StoreDetail {
  store_id: string;
  timezone: string;
  timezoneDefaulted: boolean;
  hours: { dayOfWeek: number; start: string; end: string }[];
  now: string;
  figures: Record<FigureColumn, number>;
  timeline: {
    from: string;
    to: string;
    business: { start: string; end: string }[];
    polls: { at: string; status: 'active' | 'inactive'; inBusinessHours: boolean }[];
    periods: { start: string; end: string; status: 'up' | 'down' }[];
  };
}

export const MAX_ROWS_LIMIT = 500;
export const RECENT_REPORTS = 20;
const iso = (ms: number) => new Date(ms).toISOString();
const num = (v: number | string | null) => (v === null ? null : Number(v));

export const reportCsvUrl = (id: string) => `/api/uptime/reports/${id}.csv`;

function toView(row: ReportRow): ReportView {
  const nowMs = num(row.now_ms) ?? num(row.requested_now_ms);
  return {
    id: row.id,
    status: row.status,
    progress: row.status === 'complete' ? 100 : row.progress,
    now: nowMs === null ? null : iso(nowMs),
    createdAt: row.created_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    durationMs: row.duration_ms,
    stores: row.stores,
    pollsRead: num(row.polls_read),
    error: row.error,
    csvUrl: row.status === 'complete' ? reportCsvUrl(row.id) : null,
  };
}

/** A timestamp given by a caller (`now`), as epoch ms; bad input naming the parameter otherwise. */
export function parseNow(value: string | undefined, name = 'now'): number | undefined {
  if (value === undefined || value === '') return undefined;
  const ms = parseTimestamp(value.trim());
  if (Number.isNaN(ms)) throw badInput(`${name}: ${timestampProblem(value.trim())}`);
  return ms;
}

/** Report ids are 32 lowercase hex digits; anything else is a report that does not exist. */
const REPORT_ID = /^[0-9a-f]{32}$/;

/** Parsed report CSVs kept for paging (a complete report never changes). */
const ROWS_CACHE_SIZE = 4;

function intParam(
  value: string | number | undefined,
  name: string,
  fallback: number,
  min: number,
  max: number,
) {
  if (value === undefined || value === '') return fallback;
  const text = String(value);
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < min || n > max)
    throw badInput(`${name} must be a whole number from ${min} to ${max}, got "${text}"`);
  return n;
}

export class UptimeService {
  private readonly rowsCache = new Map<string, ReportLine[]>();

  constructor(
    private readonly database: Database,
    private readonly jobs: JobQueue,
    private readonly artifacts: ArtifactStore,
    private readonly clock: Clock,
  ) {}

  private get db(): UptimeDb {
    return this.database.db as UptimeDb;
  }

  importFiles(sources: ImportSources, options?: ImportOptions): Promise<ImportSummary> {
    return importUptimeFiles(this.database, sources, options);
  }

  ingest(polls: readonly unknown[]): Promise<IngestResult> {
    return ingestPolls(this.database, polls);
  }

  /** Queues a report at `now` (a timestamp as parseTimestamp reads it), or at the latest poll. */
  async createReport(now?: string): Promise<ReportView> {
    const nowMs = parseNow(now);
    const id = crypto.randomBytes(16).toString('hex');
    const row = await insertReport(this.db, {
      id,
      status: 'queued',
      progress: 0,
      attempts: 0,
      requested_now_ms: nowMs ?? null,
      now_ms: null,
      created_at: this.clock.now().toISOString(),
    });
    const { payload, key } = reportJob(row);
    await enqueueOrUndo(this.jobs, { name: REPORT_JOB, payload, options: { key } }, () =>
      deleteReports(this.db, [id]),
    );
    return toView(row);
  }

  async report(id: string): Promise<ReportView | undefined> {
    if (!REPORT_ID.test(id)) return undefined;
    const row = await findReport(this.db, id);
    return row && toView(row);
  }

  async recent(): Promise<ReportView[]> {
    return (await recentReports(this.db, RECENT_REPORTS)).map(toView);
  }

  private async completeReport(id: string): Promise<ReportView> {
    const report = await this.report(id);
    if (!report) throw notFound('report not found');
    if (report.status !== 'complete') throw conflict('report is not complete', { status: report.status });
    return report;
  }

  /** The CSV of a complete report; not_found / conflict otherwise. */
  async openCsv(id: string): Promise<{ stream: Readable; size: number; filename: string }> {
    await this.completeReport(id);
    try {
      const key = reportCsvKey(id);
      const size = await this.artifacts.size(key);
      return { stream: await this.artifacts.openRead(key), size, filename: `uptime-report-${id}.csv` };
    } catch (err) {
      // Retention removes the file before the row: the report is gone, not broken.
      if (err instanceof ArtifactNotFoundError) throw notFound('report not found');
      throw err;
    }
  }

  private async lines(id: string): Promise<ReportLine[]> {
    const cached = this.rowsCache.get(id);
    if (cached) return cached;
    const lines: ReportLine[] = [];
    let local: LocalArtifact;
    try {
      local = await this.artifacts.localFile(reportCsvKey(id));
    } catch (err) {
      if (err instanceof ArtifactNotFoundError) throw notFound('report not found');
      throw err;
    }
    try {
      let header = true;
      for await (const { fields } of readCsvRecords(local.path)) {
        if (header) {
          header = false;
          continue;
        }
        const line = { store_id: fields[0] as string } as ReportLine;
        FIGURE_COLUMNS.forEach((c, i) => (line[c] = Number(fields[i + 1])));
        lines.push(line);
      }
    } finally {
      await local.release();
    }
    if (this.rowsCache.size >= ROWS_CACHE_SIZE)
      this.rowsCache.delete(this.rowsCache.keys().next().value as string);
    this.rowsCache.set(id, lines);
    return lines;
  }

  /** A page of a complete report's rows: filtered by store id substring, sorted by a column. */
  async rows(id: string, query: RowsQuery): Promise<RowsPage> {
    const sort = (query.sort ?? 'store_id') as ReportColumn;
    if (!REPORT_COLUMNS.includes(sort))
      throw badInput(`sort must be one of ${REPORT_COLUMNS.join(', ')}, got "${query.sort}"`);
    const dir = query.dir ?? 'asc';
    if (dir !== 'asc' && dir !== 'desc') throw badInput(`dir must be asc or desc, got "${dir}"`);
    const offset = intParam(query.offset, 'offset', 0, 0, Number.MAX_SAFE_INTEGER);
    const limit = intParam(query.limit, 'limit', 50, 1, MAX_ROWS_LIMIT);
    await this.completeReport(id);
    const all = await this.lines(id);
    const totals = { stores: all.length } as RowsPage['totals'];
    for (const c of FIGURE_COLUMNS) totals[c] = Number(formatFigure(all.reduce((s, l) => s + l[c], 0)));
    const q = (query.q ?? '').trim();
    const matching = q === '' ? [...all] : all.filter((l) => l.store_id.includes(q));
    const sign = dir === 'asc' ? 1 : -1;
    if (sort === 'store_id') {
      if (dir === 'desc') matching.reverse(); // the CSV is sorted by store_id already
    } else {
      matching.sort(
        (a, b) =>
          sign * (a[sort] - b[sort]) || (a.store_id < b.store_id ? -1 : a.store_id > b.store_id ? 1 : 0),
      );
    }
    return { total: matching.length, offset, limit, totals, rows: matching.slice(offset, offset + limit) };
  }

  searchStores(q: string, limit: number) {
    return searchStores(this.db, q.trim(), limit);
  }

  /** One store's hours, timezone, figures and week timeline at `now` (default: the latest poll). */
  async store(storeId: string, now?: string): Promise<StoreDetail> {
    const nowGiven = parseNow(now);
    const key = await findStore(this.db, storeId);
    if (key === undefined) throw notFound(`no store "${storeId}"`);
    const at = await reportNow(this.db, nowGiven);
    const week = await storeWeek(this.db, key, storeId, at);
    const row = toReportRow(week.figures);
    const figures = {} as StoreDetail['figures'];
    for (const c of FIGURE_COLUMNS) figures[c] = Number(formatFigure(row[c]));
    const t = week.timeline;
    const periods = [
      ...t.up.map((i) => ({ ...i, status: 'up' as const })),
      ...t.down.map((i) => ({ ...i, status: 'down' as const })),
    ].sort((a, b) => a.start - b.start);
    return {
      store_id: storeId,
      timezone: week.schedule.timezone,
      timezoneDefaulted: week.timezoneDefaulted,
      hours: week.hours.map((h) => ({
        dayOfWeek: h.weekday,
        start: formatTimeOfDay(h.start),
        end: formatTimeOfDay(h.end),
      })),
      now: iso(at),
      figures,
      timeline: {
        from: iso(t.windowStart),
        to: iso(t.now),
        business: t.business.map((b) => ({ start: iso(b.start), end: iso(b.end) })),
        polls: t.polls.map((p) => ({
          at: iso(p.at),
          status: p.active ? 'active' : 'inactive',
          inBusinessHours: p.observation,
        })),
        periods: periods.map((p) => ({ start: iso(p.start), end: iso(p.end), status: p.status })),
      },
    };
  }
}

export function createUptimeService(platform: Platform): UptimeService {
  return new UptimeService(platform.database, platform.jobs, platform.artifacts, platform.clock);
}
