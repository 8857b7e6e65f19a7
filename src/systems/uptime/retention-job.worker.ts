// The thread of the retention job (retention-job.ts). Files go first: between the two steps a
// download of such a report finds no file and answers 404, as it will once the row is gone.
import type { JobContext } from '../../platform/jobs/job-queue.js';
import { reportArtifactsKey } from './artifact-keys.js';
import type { RetentionResult } from './retention-job.js';
import { reportsFinishedBefore } from './repository.js';
import type { UptimeDb } from './tables.js';

const DAY_MS = 86_400_000;

export default async function run(_payload: null, ctx: JobContext): Promise<RetentionResult> {
  const cutoff = new Date(ctx.now().getTime() - ctx.config.jobRetentionDays * DAY_MS).toISOString();
  const ids = await reportsFinishedBefore(ctx.db as UptimeDb, cutoff);
  for (const id of ids) await ctx.artifacts.remove(reportArtifactsKey(id));
  return { ids };
}
