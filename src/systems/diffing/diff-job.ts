// The diffing job's contract: its name, what it is given and what it returns; the work runs in a
// worker thread (diff-job.worker.ts), and these hooks keep the job's row current, in whichever
// process runs it, so every app instance answers polls from the database.
import { defineJob, type JobDefinition } from '../../platform/jobs/job-queue.js';
import type { Platform } from '../../platform/platform.js';
import type { DiffStats } from './engine/index.js';
import { updateJob, updateProgress } from './repository.js';
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

export function diffJobDefinition(platform: Platform): JobDefinition<DiffJobPayload, DiffJobResult> {
  const db = platform.db as DiffingDb;
  const now = () => platform.clock.now().toISOString();
  return defineJob<DiffJobPayload, DiffJobResult>({
    name: DIFF_JOB,
    workerModule: new URL('./diff-job.worker.js', import.meta.url),
    maxAttempts: 3,
    async onStart(payload, info) {
      await updateJob(db, payload.jobId, {
        status: 'processing',
        progress: 0,
        attempts: info.attempt,
        started_at: now(),
        error: null,
      });
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
