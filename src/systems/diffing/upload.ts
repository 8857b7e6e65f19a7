// Receiving an upload of two CSV files for a diff (multipart: files "old" and "new", with "metric", or
// "keys" and "value"), through the platform's streaming multipart reader: each file goes into the
// artifact store as it arrives, committed only when the whole request is read and well formed.
import crypto from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { receiveMultipart } from '../../platform/http/multipart.js';
import type { ArtifactStore } from '../../platform/storage/artifact-store.js';
import { uploadArtifactsKey, uploadFileKey } from './artifact-keys.js';
import { splitKeys, type DiffRequest } from './diff-spec.js';
import { DiffRequestError, type UploadedInputs } from './service.js';

export interface ReceivedUpload {
  /** The committed files, by artifact key, with the names they were sent with. */
  inputs: UploadedInputs;
  /** The request's spec fields (keys split at commas). */
  spec: DiffRequest;
  /** Removes both files (when no job is made of them). */
  remove(): Promise<void>;
}

/**
 * Reads a multipart request of two CSV files and the spec fields. Anything else is a 4xx naming it
 * (see receiveMultipart), and nothing of the upload is left in the store.
 */
export async function receiveUpload(
  request: FastifyRequest,
  artifacts: ArtifactStore,
  maxBytes: number,
): Promise<ReceivedUpload> {
  const uploadId = crypto.randomUUID();
  const upload = await receiveMultipart(request, {
    files: ['old', 'new'],
    fields: ['metric', 'keys', 'value'],
    maxFileBytes: maxBytes,
    limitVariable: 'DIFF_UPLOAD_MAX_MB',
    hint: 'send the files "old" and "new" with "metric", or "keys" and "value"',
    writer: (field) => artifacts.writer(uploadFileKey(uploadId, field as 'old' | 'new')),
  });
  try {
    const oldFile = upload.files.get('old');
    const newFile = upload.files.get('new');
    if (!oldFile || !newFile) {
      const missing = [!oldFile && '"old"', !newFile && '"new"'].filter(Boolean);
      throw new DiffRequestError(`missing file ${missing.join(' and ')}`);
    }
    await oldFile.writer.commit();
    await newFile.writer.commit();
    const { fields } = upload;
    return {
      inputs: {
        oldKey: oldFile.writer.key,
        newKey: newFile.writer.key,
        oldName: oldFile.name,
        newName: newFile.name,
      },
      spec: {
        metric: fields.metric,
        keys: fields.keys === undefined ? undefined : splitKeys(fields.keys),
        value: fields.value,
      },
      remove: () => artifacts.remove(uploadArtifactsKey(uploadId)),
    };
  } catch (err) {
    await upload.discard();
    // A commit that failed half-way may have left the first file.
    await artifacts.remove(uploadArtifactsKey(uploadId));
    throw err;
  }
}
