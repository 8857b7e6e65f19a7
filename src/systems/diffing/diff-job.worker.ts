// The diffing job's thread entry: runs one diff in a worker thread (the event loop of the process
// serving requests never blocks). The job's contract is diff-job.ts.
import path from 'node:path';
import type { JobContext } from '../../platform/jobs/job-queue.js';
import type { LocalArtifact } from '../../platform/storage/artifact-store.js';
import { deletedArtifactKey, diffArtifactKey, previewArtifactKey } from './artifact-keys.js';
import type { DiffJobPayload, DiffJobResult } from './diff-job.js';
import { DiffInputError, runDiff } from './engine/index.js';
import { buildPreview } from './preview.js';

export default async function run(payload: DiffJobPayload, ctx: JobContext): Promise<DiffJobResult> {
  const { artifacts } = ctx;
  // Uploaded inputs are artifacts: local files in a directory store, downloaded from S3 otherwise.
  const inputs: LocalArtifact[] = [];
  try {
    const input = async (ref: string) => {
      if (!payload.inputsAreArtifacts) return ref;
      const file = await artifacts.localFile(ref);
      inputs.push(file);
      return file.path;
    };
    return await diffFiles(payload, ctx, await input(payload.oldInput), await input(payload.newInput));
  } finally {
    await Promise.all(inputs.map((f) => f.release()));
  }
}

async function diffFiles(
  payload: DiffJobPayload,
  ctx: JobContext,
  oldPath: string,
  newPath: string,
): Promise<DiffJobResult> {
  const { artifacts } = ctx;
  const diff = await artifacts.writer(diffArtifactKey(payload.jobId));
  const deleted = await artifacts.writer(deletedArtifactKey(payload.jobId));
  const preview = await artifacts.writer(previewArtifactKey(payload.jobId));
  let peak = process.memoryUsage.rss();
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 50);
  const started = performance.now();
  try {
    const stats = await runDiff({
      oldPath,
      newPath,
      outPath: diff.path,
      deletedPath: deleted.path,
      spec: { keys: payload.keys, value: payload.value },
      memoryBudgetBytes: payload.memoryBudgetBytes,
      onProgress: (fraction) => ctx.progress(Math.min(99, Math.floor(fraction * 100))),
    });
    // The first rows of each kind, with changed rows' old values, while the old file is at hand. A
    // preview that cannot be made is logged and left out: it never costs the diff.
    const previewed = await buildPreview({
      oldPath,
      diffPath: diff.path,
      deletedPath: deleted.path,
      keys: payload.keys,
      value: payload.value,
      counts: stats,
      outPath: preview.path,
    }).then(
      () => true,
      (err: unknown) => {
        ctx.log.error(
          { err, jobId: payload.jobId },
          'diff preview failed: the job keeps its diff without one',
        );
        return false;
      },
    );
    // The results appear only once all are complete; the diff last, as the one a client polls for.
    if (previewed) await preview.commit();
    else await preview.abort();
    await deleted.commit();
    await diff.commit();
    peak = Math.max(peak, process.memoryUsage.rss());
    return { stats, durationMs: Math.round(performance.now() - started), peakMemoryBytes: peak };
  } catch (err) {
    await Promise.all([diff.abort(), deleted.abort(), preview.abort()]);
    if (err instanceof DiffInputError) {
      // Named by file name, not server path: the message is shown to API users. An upload is stored
      // as old.csv/new.csv, so its own name is the one the user knows.
      const name = (err.file === 'old' ? payload.oldName : payload.newName) ?? path.basename(err.path);
      return { inputError: err.describe(name) };
    }
    throw err;
  } finally {
    clearInterval(sampler);
  }
}
