// Receiving an upload of two CSV files for a diff (multipart: files "old" and "new", with "metric", or
// "keys" and "value"): each file is streamed into the artifact store as it arrives, never held whole
// in memory, and committed only when the whole request is read and well formed.
import crypto from 'node:crypto';
import fs from 'node:fs';
import { pipeline } from 'node:stream/promises';
import type { FastifyRequest } from 'fastify';
import type { ArtifactStore, ArtifactWriter } from '../../platform/storage/artifact-store.js';
import { uploadArtifactsKey, uploadFileKey } from './artifact-keys.js';
import { splitKeys, type DiffRequest } from './diff-spec.js';
import { DiffRequestError, type UploadedInputs } from './service.js';

/** The text fields of an upload; the files are "old" and "new". */
const SPEC_FIELDS = new Set(['metric', 'keys', 'value']);
const PART_LIMIT_ERRORS = new Set(['FST_FILES_LIMIT', 'FST_FIELDS_LIMIT', 'FST_PARTS_LIMIT']);

/** @fastify/multipart's limits for these uploads. */
export function uploadLimits(maxBytes: number) {
  // A third file is let through to be refused by name ("unexpected file field", "sent twice").
  return { fileSize: maxBytes, files: 3, fields: 10, fieldSize: 10_000, parts: 13 };
}

const megabytes = (bytes: number) => Math.round(bytes / 2 ** 20);

export interface ReceivedUpload {
  /** The committed files, by artifact key, with the names they were sent with. */
  inputs: UploadedInputs;
  /** The request's spec fields (keys split at commas). */
  spec: DiffRequest;
  /** Removes both files (when no job is made of them). */
  remove(): Promise<void>;
}

/**
 * Reads a multipart request of two CSV files and the spec fields. Anything else (another field, a
 * file sent twice, a missing one, too many parts, a file over `maxBytes`) is a DiffRequestError
 * naming it, and nothing of the upload is left in the store.
 */
export async function receiveUpload(
  request: FastifyRequest,
  artifacts: ArtifactStore,
  maxBytes: number,
): Promise<ReceivedUpload> {
  const uploadId = crypto.randomUUID();
  const writers = new Map<'old' | 'new', { writer: ArtifactWriter; name: string }>();
  const fields: Record<string, string> = {};
  try {
    for await (const part of request.parts()) {
      if (part.type === 'file') {
        const which = part.fieldname;
        if (which !== 'old' && which !== 'new') {
          part.file.resume();
          throw new DiffRequestError(`unexpected file field "${which}" (send "old" and "new")`);
        }
        if (writers.has(which)) throw new DiffRequestError(`file "${which}" was sent twice`);
        const writer = await artifacts.writer(uploadFileKey(uploadId, which));
        writers.set(which, { writer, name: part.filename || `${which}.csv` });
        await pipeline(part.file, fs.createWriteStream(writer.path));
        if (part.file.truncated) {
          throw new DiffRequestError(
            `file "${which}" is larger than ${megabytes(maxBytes)} MB (DIFF_UPLOAD_MAX_MB)`,
            'too_large',
          );
        }
      } else {
        if (!SPEC_FIELDS.has(part.fieldname)) {
          throw new DiffRequestError(
            `unexpected field "${part.fieldname}" (send "metric", or "keys" and "value")`,
          );
        }
        fields[part.fieldname] = String(part.value);
      }
    }
    const oldFile = writers.get('old');
    const newFile = writers.get('new');
    if (!oldFile || !newFile) {
      const missing = [!oldFile && '"old"', !newFile && '"new"'].filter(Boolean);
      throw new DiffRequestError(`missing file ${missing.join(' and ')}`);
    }
    await oldFile.writer.commit();
    await newFile.writer.commit();
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
    for (const { writer } of writers.values()) await writer.abort();
    // A commit that failed half-way may have left the first file.
    await artifacts.remove(uploadArtifactsKey(uploadId));
    // More parts than a request of this API has: a malformed request, not a too large one.
    if (
      err instanceof Error &&
      'code' in err &&
      typeof err.code === 'string' &&
      PART_LIMIT_ERRORS.has(err.code)
    ) {
      throw new DiffRequestError(
        'too many parts: send the files "old" and "new" with "metric", or "keys" and "value"',
      );
    }
    if (err instanceof Error && 'code' in err && err.code === 'FST_REQ_FILE_TOO_LARGE') {
      throw new DiffRequestError(
        `a file is larger than ${megabytes(maxBytes)} MB (DIFF_UPLOAD_MAX_MB)`,
        'too_large',
      );
    }
    throw err;
  }
}
