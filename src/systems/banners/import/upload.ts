// Receiving `POST /api/banners/import` (multipart: "quarter" 1–4, optionally "replace", and the
// files "impressions", "clicks", "conversions", any of them) through the platform's streaming
// multipart reader: each file goes into an artifact writer's scratch file as it arrives (never held
// in memory, size-limited), is imported from there like a file given to the CLI, then dropped
// (never committed: nothing of an upload outlives its request).
import crypto from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { badInput } from '../../../platform/errors.js';
import { receiveMultipart } from '../../../platform/http/multipart.js';
import type { ArtifactStore } from '../../../platform/storage/artifact-store.js';
import { requireQuarter } from '../quarter.js';
import { DATASET_KINDS } from '../rows.js';
import type { DatasetKind, Quarter } from '../tables.js';
import type { DatasetFile } from './dataset-files.js';

export const UPLOAD_HINT =
  'send "quarter" (1–4), optionally "replace" (true or false), and the files "impressions", "clicks", "conversions" (any of them)';

/** Where an upload's files are written while it is imported (under the system's prefix). */
const uploadKey = (uploadId: string, field: string) => `banners/uploads/${uploadId}/${field}.csv`;

export interface ReceivedDataset {
  readonly quarter: Quarter;
  readonly files: readonly DatasetFile[];
  /** Replace the quarter's dataset instead of adding to it (field "replace": true). */
  readonly replace: boolean;
  /** Removes the received files. */
  remove(): Promise<void>;
}

export async function receiveDataset(
  request: FastifyRequest,
  artifacts: ArtifactStore,
  maxBytes: number,
): Promise<ReceivedDataset> {
  const uploadId = crypto.randomUUID();
  const upload = await receiveMultipart(request, {
    files: DATASET_KINDS,
    fields: ['quarter', 'replace'],
    maxFileBytes: maxBytes,
    limitVariable: 'BANNER_UPLOAD_MAX_MB',
    hint: UPLOAD_HINT,
    writer: (field) => artifacts.writer(uploadKey(uploadId, field)),
  });
  try {
    const { quarter: quarterField, replace: replaceField } = upload.fields;
    if (quarterField === undefined) throw badInput('missing field "quarter" (1, 2, 3 or 4)');
    const quarter = requireQuarter(quarterField);
    const flag = (replaceField ?? '').trim().toLowerCase();
    if (!['true', 'false', '1', '0', ''].includes(flag))
      throw badInput(`replace must be true or false, got "${(replaceField ?? '').slice(0, 20)}"`);
    if (upload.files.size === 0)
      throw badInput('no files: send the quarter\'s "impressions", "clicks" and/or "conversions"');
    const files: DatasetFile[] = [...upload.files].map(([field, { writer, name }]) => ({
      path: writer.path,
      name,
      kind: field as DatasetKind,
    }));
    return { quarter, files, replace: flag === 'true' || flag === '1', remove: upload.discard };
  } catch (err) {
    await upload.discard();
    throw err;
  }
}
