// The diffing job's contract: its name, what it is given and what it returns; the work runs in a
// worker thread (diff-job.worker.ts), and these hooks keep the job's row current, in whichever
// process runs it, so every app instance answers polls from the database.
import { defineJob, type JobDefinition } from '../../platform/jobs/job-queue.js';
import type { Platform } from '../../platform/platform.js';
import type { DiffStats } from './engine/index.js';
import { unfinishedJobs, updateJob, updateProgress, type DiffJobRow } from './repository.js';
import { diffingSettings } from './settings.js';
import type { DiffingDb } from './tables.js';

export const DIFF_JOB = 'diffing.diff';

export interface DiffJobPayload {
  jobId: number;
  /** Absolute paths, or artifact keys when `inputsAreArtifacts`. */
  oldInput: string;
  newInput: string;
  inputsAreArtifacts: boolean;
  /** Display names of the inputs (an upload's own file names), used in error messages. */
  oldName?: string;
  newName?: string;
  keys: string[];
  value: string;
  memoryBudgetBytes: number;
}

/** `inputError` instead of stats: the input is bad, so retrying cannot help (the job fails at once). */
export type DiffJobResult = DiffJobSuccess | { inputError: string };

export interface DiffJobSuccess {
  stats: DiffStats;
  durationMs: number;
  /** Peak resident memory of the process running the job, sampled while it ran. */
  peakMemoryBytes: number;
}

/** The job of a row, as enqueued (by the service, and again for a queue that lost it). */
export function diffJob(
  row: DiffJobRow,
  memoryBudgetBytes: number,
): { payload: DiffJobPayload; key: string } {
  const payload: DiffJobPayload = {
    jobId: row.id,
    oldInput: row.old_input,
    newInput: row.new_input,
    inputsAreArtifacts: row.source === 'upload',
    oldName: row.old_name,
    newName: row.new_name,
    keys: JSON.parse(row.keys) as string[],
    value: row.value_column,
    memoryBudgetBytes,
  };
  // The key makes a repeated enqueue of this row a no-op; the creation time keeps it unique when ids
  // start over (a new database on the same Redis), where the id alone would be taken for a duplicate.
  return { payload, key: `diffing-${row.id}-${Date.parse(row.created_at)}` };
}

export function diffJobDefinition(platform: Platform): JobDefinition<DiffJobPayload, DiffJobResult> {
  const db = platform.db as DiffingDb;
  const now = () => platform.clock.now().toISOString();
  return defineJob<DiffJobPayload, DiffJobResult>({
    name: DIFF_JOB,
    workerModule: new URL('./diff-job.worker.js', import.meta.url),
    maxAttempts: 3,
    async unfinished() {
      const { memoryBytes } = diffingSettings(platform.config);
      return (await unfinishedJobs(db)).map((row) => diffJob(row, memoryBytes));
    },
    async onStart(payload, info) {
      const found = await updateJob(db, payload.jobId, {
        status: 'processing',
        progress: 0,
        attempts: info.attempt,
        started_at: now(),
        error: null,
      });
      if (!found) return 'gone';
    },
    async onProgress(payload, pct) {
      // The queue reports 100 when the thread returns, also for bad input (a failed job); only a
      // finished diff says 100 (onCompleted), so a failed job keeps the progress it failed at.
      if (pct >= 100) return;
      await updateProgress(db, payload.jobId, pct);
    },
    async onCompleted(payload, result) {
      if ('inputError' in result) {
        await updateJob(db, payload.jobId, {
          status: 'failed',
          error: result.inputError,
          finished_at: now(),
        });
        return;
      }
      const { stats } = result;
      await updateJob(db, payload.jobId, {
        status: 'done',
        progress: 100,
        rows_old: stats.rowsOld,
        rows_new: stats.rowsNew,
        rows_out: stats.rowsOut,
        added: stats.added,
        changed: stats.changed,
        unchanged: stats.unchanged,
        deleted: stats.deleted,
        duplicate_keys_old: stats.duplicateKeysOld,
        duplicate_keys_new: stats.duplicateKeysNew,
        warnings: JSON.stringify(stats.warnings),
        partitions: stats.partitions,
        duration_ms: result.durationMs,
        peak_memory_bytes: result.peakMemoryBytes,
        finished_at: now(),
      });
    },
    async onFailed(payload, error, willRetry) {
      await updateJob(
        db,
        payload.jobId,
        willRetry
          ? { status: 'queued', progress: 0, error: `retrying after: ${error}` }
          : { status: 'failed', error, finished_at: now() },
      );
    },
  });
}
