// Receiving `POST /api/uptime/import` (multipart: files "status", "hours", "timezones", any of them):
// each file is streamed into an artifact writer's local file as it arrives (never held in memory,
// size-limited), imported from there like a file given to the CLI, then dropped (never committed:
// nothing of an upload outlives its request, in a directory store or in S3).
import crypto from 'node:crypto';
import fs from 'node:fs';
import { pipeline } from 'node:stream/promises';
import type { FastifyRequest } from 'fastify';
import { badInput, tooLarge } from '../../platform/errors.js';
import type { ArtifactStore, ArtifactWriter } from '../../platform/storage/artifact-store.js';
import { uploadKey } from './artifact-keys.js';
import { IMPORT_FILES, type ImportFile, type ImportSources } from './import.js';

/** @fastify/multipart's limits for these uploads (a fourth file is let through to be refused by name). */
export function uploadLimits(maxBytes: number) {
  return { fileSize: maxBytes, files: 4, fields: 0, parts: 4 };
}

export interface ReceivedUpload {
  sources: ImportSources;
  remove(): Promise<void>;
}

const FIELDS = new Set<string>(IMPORT_FILES);

export async function receiveImport(
  request: FastifyRequest,
  artifacts: ArtifactStore,
  maxBytes: number,
): Promise<ReceivedUpload> {
  const uploadId = crypto.randomUUID();
  const writers = new Map<ImportFile, { writer: ArtifactWriter; name: string }>();
  const remove = async () => {
    for (const { writer } of writers.values()) await writer.abort();
  };
  try {
    for await (const part of request.parts()) {
      if (part.type !== 'file')
        throw badInput(`unexpected field "${part.fieldname}": send files status, hours, timezones`);
      const field = part.fieldname;
      if (!FIELDS.has(field)) {
        part.file.resume();
        throw badInput(`unexpected file field "${field}" (send status, hours, timezones)`);
      }
      if (writers.has(field as ImportFile)) throw badInput(`file "${field}" was sent twice`);
      const writer = await artifacts.writer(uploadKey(uploadId, field));
      writers.set(field as ImportFile, { writer, name: part.filename || `${field}.csv` });
      await pipeline(part.file, fs.createWriteStream(writer.path));
      if (part.file.truncated)
        throw tooLarge(
          `file "${field}" is larger than ${Math.round(maxBytes / 2 ** 20)} MB (UPTIME_UPLOAD_MAX_MB)`,
        );
    }
    if (writers.size === 0) throw badInput('send at least one of the files status, hours, timezones');
    const sources: ImportSources = {};
    for (const [field, { writer, name }] of writers) sources[field] = { path: writer.path, name };
    return { sources, remove };
  } catch (err) {
    await remove();
    const code = (err as { code?: unknown }).code;
    if (code === 'FST_FILES_LIMIT' || code === 'FST_PARTS_LIMIT' || code === 'FST_FIELDS_LIMIT')
      throw badInput('too many parts: send the files status, hours, timezones, each at most once');
    if (code === 'FST_REQ_FILE_TOO_LARGE')
      throw tooLarge(`a file is larger than ${Math.round(maxBytes / 2 ** 20)} MB (UPTIME_UPLOAD_MAX_MB)`);
    throw err;
  }
}
