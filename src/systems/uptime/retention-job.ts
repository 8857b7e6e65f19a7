// The uptime system's retention as a scheduled job (hourly, once per period whichever process runs
// workers), as diffing's: its thread finds the reports finished more than JOB_RETENTION_DAYS ago
// through its read-only database handle and removes their CSVs; the hook deletes their rows.
import { defineJob, type JobDefinition } from '../../platform/jobs/job-queue.js';
import type { Platform } from '../../platform/platform.js';
import { deleteReports } from './repository.js';
import type { UptimeDb } from './tables.js';

export const RETENTION_JOB = 'uptime.retention';
export const RETENTION_EVERY_MS = 60 * 60 * 1000;

export interface RetentionResult {
  /** The expired reports whose files were removed: their rows go next. */
  ids: string[];
}

export function retentionJobDefinition(platform: Platform): JobDefinition<null, RetentionResult> {
  const db = platform.db as UptimeDb;
  return defineJob<null, RetentionResult>({
    name: RETENTION_JOB,
    workerModule: new URL('./retention-job.worker.js', import.meta.url),
    schedule: { everyMs: RETENTION_EVERY_MS, payload: null },
    maxAttempts: 2,
    async onCompleted(_payload, result) {
      await deleteReports(db, result.ids);
      if (result.ids.length)
        platform.log.info({ reports: result.ids.length }, 'uptime: removed expired reports');
    },
  });
}
