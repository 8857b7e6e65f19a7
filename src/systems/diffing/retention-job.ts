// The diffing system's retention (the platform's scheduled retention job): its thread finds the
// expired jobs through its read-only database handle and removes their files; the rows go next.
import type { RetentionResult as Result } from '../../platform/jobs/retention-job.js';
import { defineRetentionJob } from '../../platform/jobs/retention-job.js';
import type { Platform } from '../../platform/platform.js';
import { deleteJobs } from './repository.js';
import type { DiffingDb } from './tables.js';

export const RETENTION_JOB = 'diffing.retention';
export type RetentionResult = Result<number>;

export const retentionJobDefinition = (platform: Platform) =>
  defineRetentionJob<number>(platform, {
    name: RETENTION_JOB,
    workerModule: new URL('./retention-job.worker.js', import.meta.url),
    items: 'jobs',
    deleteRows: (ids) => deleteJobs(platform.db as DiffingDb, ids),
  });
