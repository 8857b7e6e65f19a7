// Runs one diff in a worker thread (the event loop of the process serving requests never blocks).
import path from 'node:path';
import type { JobContext } from '../../platform/jobs/job-queue.js';
import { DiffInputError, runDiff, type DiffStats } from './engine/index.js';

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

export const diffArtifactKey = (jobId: number) => `diffing/${jobId}/diff.csv`;
export const deletedArtifactKey = (jobId: number) => `diffing/${jobId}/deleted.csv`;

export default async function run(payload: DiffJobPayload, ctx: JobContext): Promise<DiffJobResult> {
  const { artifacts } = ctx;
  const input = (ref: string) => (payload.inputsAreArtifacts ? artifacts.pathOf(ref) : ref);
  const diff = await artifacts.writer(diffArtifactKey(payload.jobId));
  const deleted = await artifacts.writer(deletedArtifactKey(payload.jobId));
  let peak = process.memoryUsage.rss();
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 50);
  const started = performance.now();
  try {
    const stats = await runDiff({
      oldPath: input(payload.oldInput),
      newPath: input(payload.newInput),
      outPath: diff.path,
      deletedPath: deleted.path,
      spec: { keys: payload.keys, value: payload.value },
      memoryBudgetBytes: payload.memoryBudgetBytes,
      onProgress: (fraction) => ctx.progress(Math.min(99, Math.floor(fraction * 100))),
    });
    // Both results appear only once both are complete.
    await deleted.commit();
    await diff.commit();
    peak = Math.max(peak, process.memoryUsage.rss());
    return { stats, durationMs: Math.round(performance.now() - started), peakMemoryBytes: peak };
  } catch (err) {
    await Promise.all([diff.abort(), deleted.abort()]);
    if (err instanceof DiffInputError) {
      // Named by file name, not server path: the message is shown to API users. An upload is stored
      // as old.csv/new.csv, so its own name is the one the user knows.
      const where = err.line > 0 ? `, line ${err.line}` : '';
      const name = (err.file === 'old' ? payload.oldName : payload.newName) ?? path.basename(err.path);
      return { inputError: `${err.file} file ${name}${where}: ${err.reason}` };
    }
    throw err;
  } finally {
    clearInterval(sampler);
  }
}
