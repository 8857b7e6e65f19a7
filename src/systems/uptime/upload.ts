// Receiving `POST /api/uptime/import` (multipart: files "status", "hours", "timezones", any of them)
// through the platform's streaming multipart reader: each file goes into an artifact writer's scratch
// file as it arrives (never held in memory, size-limited), is imported from there like a file given
// to the CLI, then dropped (never committed: nothing of an upload outlives its request).
import crypto from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { badInput } from '../../platform/errors.js';
import { receiveMultipart } from '../../platform/http/multipart.js';
import type { ArtifactStore } from '../../platform/storage/artifact-store.js';
import { uploadKey } from './artifact-keys.js';
import { IMPORT_FILES, type ImportFile, type ImportSources } from './import.js';

export interface ReceivedUpload {
  sources: ImportSources;
  remove(): Promise<void>;
}

export async function receiveImport(
  request: FastifyRequest,
  artifacts: ArtifactStore,
  maxBytes: number,
): Promise<ReceivedUpload> {
  const uploadId = crypto.randomUUID();
  const upload = await receiveMultipart(request, {
    files: IMPORT_FILES,
    fields: [],
    maxFileBytes: maxBytes,
    limitVariable: 'UPTIME_UPLOAD_MAX_MB',
    hint: 'send files status, hours, timezones (any of them, each at most once)',
    writer: (field) => artifacts.writer(uploadKey(uploadId, field)),
  });
  if (upload.files.size === 0) {
    await upload.discard();
    throw badInput('send at least one of the files status, hours, timezones');
  }
  const sources: ImportSources = {};
  for (const [field, { writer, name }] of upload.files)
    sources[field as ImportFile] = { path: writer.path, name };
  return { sources, remove: upload.discard };
}
