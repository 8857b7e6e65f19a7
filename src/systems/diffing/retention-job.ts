// The diffing system's retention as a scheduled job (hourly, once per period whichever process
// runs workers): its thread finds the expired jobs through its read-only database handle and
// removes their files; the hook deletes their rows.
import { defineJob, type JobDefinition } from '../../platform/jobs/job-queue.js';
import type { Platform } from '../../platform/platform.js';
import { deleteJobs } from './repository.js';
import type { DiffingDb } from './tables.js';

export const RETENTION_JOB = 'diffing.retention';
export const RETENTION_EVERY_MS = 60 * 60 * 1000;

export interface RetentionResult {
  /** The expired jobs whose files were removed: their rows go next. */
  ids: number[];
}

export function retentionJobDefinition(platform: Platform): JobDefinition<null, RetentionResult> {
  const db = platform.db as DiffingDb;
  return defineJob<null, RetentionResult>({
    name: RETENTION_JOB,
    workerModule: new URL('./retention-job.worker.js', import.meta.url),
    schedule: { everyMs: RETENTION_EVERY_MS, payload: null },
    maxAttempts: 2,
    async onCompleted(_payload, result) {
      await deleteJobs(db, result.ids);
      if (result.ids.length) platform.log.info({ jobs: result.ids.length }, 'diffing: removed expired jobs');
    },
  });
}
