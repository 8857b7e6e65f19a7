// Retention: finished jobs older than JOB_RETENTION_DAYS go, with their results and uploads. The
// diffing system owns everything under `diffing/` in the artifact store, so it removes its own;
// nothing else sweeps there.
import type { ArtifactStore } from '../../platform/storage/artifact-store.js';
import { jobArtifactsKey, uploadOfFileKey } from './artifact-keys.js';
import { finishedBefore } from './repository.js';
import type { DiffingDb } from './tables.js';

export const DAY_MS = 86_400_000;

/** The finished_at before which a job has expired. */
export const retentionCutoff = (nowMs: number, retentionDays: number) =>
  new Date(nowMs - retentionDays * DAY_MS).toISOString();

/**
 * Removes the files of every job that finished before `cutoff` and returns their ids, for the
 * caller to delete the rows. Files go first: between the two, a download of such a job finds no
 * file and answers 404 "job not found", as it will once the row is gone.
 */
export async function removeExpiredFiles(
  db: DiffingDb,
  artifacts: ArtifactStore,
  cutoff: string,
): Promise<number[]> {
  const rows = await finishedBefore(db, cutoff);
  for (const row of rows) {
    await artifacts.remove(jobArtifactsKey(row.id));
    if (row.source === 'upload') await artifacts.remove(uploadOfFileKey(row.old_input));
  }
  return rows.map((r) => r.id);
}
