// The thread of the retention job (retention-job.ts).
import type { JobContext } from '../../platform/jobs/job-queue.js';
import type { RetentionResult } from './retention-job.js';
import { removeExpiredFiles, retentionCutoff } from './retention.js';
import type { DiffingDb } from './tables.js';

export default async function run(_payload: null, ctx: JobContext): Promise<RetentionResult> {
  const cutoff = retentionCutoff(ctx.now().getTime(), ctx.config.jobRetentionDays);
  return { ids: await removeExpiredFiles(ctx.db as DiffingDb, ctx.artifacts, cutoff) };
}
