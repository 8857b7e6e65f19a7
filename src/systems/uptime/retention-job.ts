// The uptime system's retention (the platform's scheduled retention job, as diffing's): its thread
// finds the reports finished more than JOB_RETENTION_DAYS ago through its read-only database handle
// and removes their CSVs; the rows go next.
import type { RetentionResult as Result } from '../../platform/jobs/retention-job.js';
import { defineRetentionJob } from '../../platform/jobs/retention-job.js';
import type { Platform } from '../../platform/platform.js';
import { deleteReports } from './repository.js';
import type { UptimeDb } from './tables.js';

export const RETENTION_JOB = 'uptime.retention';
export type RetentionResult = Result<string>;

export const retentionJobDefinition = (platform: Platform) =>
  defineRetentionJob<string>(platform, {
    name: RETENTION_JOB,
    workerModule: new URL('./retention-job.worker.js', import.meta.url),
    items: 'reports',
    deleteRows: (ids) => deleteReports(platform.db as UptimeDb, ids),
  });
