// Where the diffing system's files live in the artifact store (all under its own prefix, "diffing/"):
// each job's results, and each upload's two files until its job is removed.
import path from 'node:path';

const PREFIX = 'diffing';

/** Everything of one job (its results), removed with the job. */
export const jobArtifactsKey = (jobId: number) => `${PREFIX}/${jobId}`;
/** The diff (new file header, new and changed rows) of a job. */
export const diffArtifactKey = (jobId: number) => `${jobArtifactsKey(jobId)}/diff.csv`;
/** The rows only in the old file, of a job. */
export const deletedArtifactKey = (jobId: number) => `${jobArtifactsKey(jobId)}/deleted.csv`;

/** A job's preview: its first new, changed (with the old value) and deleted rows (preview.ts). */
export const previewArtifactKey = (jobId: number) => `${jobArtifactsKey(jobId)}/preview.jsonl`;

/** One upload's two files. */
export const uploadArtifactsKey = (uploadId: string) => `${PREFIX}/uploads/${uploadId}`;
/** The old or new file of an upload. */
export const uploadFileKey = (uploadId: string, which: 'old' | 'new') =>
  `${uploadArtifactsKey(uploadId)}/${which}.csv`;
/** The upload an uploaded file's key belongs to (what uploadFileKey was given), as uploadArtifactsKey. */
export const uploadOfFileKey = (fileKey: string) => path.posix.dirname(fileKey);
