// The report job's contract: its name, what it is given and what it returns; the work runs in a
// worker thread (report-job.worker.ts), and these hooks keep the report's row current, in whichever
// process runs it, so every app instance answers polls from the database.
import { defineJob, type JobDefinition } from '../../platform/jobs/job-queue.js';
import type { Platform } from '../../platform/platform.js';
import { unfinishedReports, updateReport, updateReportProgress } from './repository.js';
import type { UptimeDb } from './tables.js';

export const REPORT_JOB = 'uptime.report';

export interface ReportJobPayload {
  reportId: string;
  /** epoch ms, or null: the latest poll's time */
  now: number | null;
}

/** `inputError`: nothing to report on (no polls), so retrying cannot help (the report fails at once). */
export type ReportJobResult =
  { now: number; stores: number; pollsRead: number; durationMs: number } | { inputError: string };

/** The job of a report, as enqueued: its key makes a repeated enqueue of the same report a no-op. */
export function reportJob(row: { id: string; requested_now_ms: number | string | null }): {
  payload: ReportJobPayload;
  key: string;
} {
  // PostgreSQL hands a bigint column back as a string.
  const now = row.requested_now_ms === null ? null : Number(row.requested_now_ms);
  return { payload: { reportId: row.id, now }, key: `uptime-report-${row.id}` };
}

export function reportJobDefinition(platform: Platform): JobDefinition<ReportJobPayload, ReportJobResult> {
  const db = platform.db as UptimeDb;
  const now = () => platform.clock.now().toISOString();
  return defineJob<ReportJobPayload, ReportJobResult>({
    name: REPORT_JOB,
    workerModule: new URL('./report-job.worker.js', import.meta.url),
    maxAttempts: 3,
    unfinished: async () => (await unfinishedReports(db)).map(reportJob),
    async onStart(payload, info) {
      const found = await updateReport(db, payload.reportId, {
        status: 'running',
        progress: 0,
        attempts: info.attempt,
        started_at: now(),
        error: null,
      });
      if (!found) return 'gone';
    },
    async onProgress(payload, pct) {
      await updateReportProgress(db, payload.reportId, pct);
    },
    async onCompleted(payload, result) {
      if ('inputError' in result) {
        await updateReport(db, payload.reportId, {
          status: 'failed',
          error: result.inputError,
          finished_at: now(),
        });
        return;
      }
      await updateReport(db, payload.reportId, {
        status: 'complete',
        progress: 100,
        now_ms: result.now,
        stores: result.stores,
        polls_read: result.pollsRead,
        duration_ms: result.durationMs,
        finished_at: now(),
      });
    },
    async onFailed(payload, error, willRetry) {
      await updateReport(
        db,
        payload.reportId,
        willRetry
          ? { status: 'queued', progress: 0, error: `retrying after: ${error}` }
          : { status: 'failed', error, finished_at: now() },
      );
    },
  });
}
