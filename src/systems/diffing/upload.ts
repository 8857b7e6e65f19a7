// Receiving an upload of two CSV files for a diff (multipart: files "old" and "new", with "metric", or
// "keys" and "value"): each file is streamed into the artifact store as it arrives, never held whole
// in memory, and committed only when the whole request is read and well formed.
//
// The parser is busboy itself, driven here rather than through @fastify/multipart's part queue: that
// queue hands a part over after the parser may already have seen the body end inside it, and such a
// file stream never ends, so the request hung with its descriptor and temp file open. Here every
// file stream is listened to from the moment it appears, and one failure path (a malformed body, a
// limit, a client that goes away, a disk error) stops reading, closes every stream and removes every
// temp file before the request is answered.
import crypto from 'node:crypto';
import fs from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { Busboy, type BusboyFileStream, type BusboyInstance } from '@fastify/busboy';
import type { FastifyRequest } from 'fastify';
import type { ArtifactStore, ArtifactWriter } from '../../platform/storage/artifact-store.js';
import { uploadArtifactsKey, uploadFileKey } from './artifact-keys.js';
import { splitKeys, type DiffRequest } from './diff-spec.js';
import { DiffRequestError, type UploadedInputs } from './service.js';

/** The text fields of an upload; the files are "old" and "new". */
const SPEC_FIELDS = new Set(['metric', 'keys', 'value']);
const PARTS_HINT = 'send the files "old" and "new" with "metric", or "keys" and "value"';
const NUL = '\u0000';
/** Longest multipart boundary read (RFC 2046 allows 70; the parser's search needs it under 253). */
export const MAX_BOUNDARY_LENGTH = 250;

/** busboy's limits for these uploads. */
export function uploadLimits(maxBytes: number) {
  // A third file is let through to be refused by name ("unexpected file field", "sent twice").
  return { fileSize: maxBytes, files: 3, fields: 10, fieldSize: 10_000, parts: 13 };
}

const megabytes = (bytes: number) => Math.round(bytes / 2 ** 20);

/** True when the request says it is multipart/form-data (whatever its parameters). */
export function isMultipart(request: FastifyRequest): boolean {
  return /^multipart\/form-data(\s*;|\s*$)/i.test(request.headers['content-type'] ?? '');
}

/** The client closed the connection before its upload ended: nobody is left to answer. */
export class UploadAbortedError extends DiffRequestError {
  constructor() {
    super('the client closed the connection before the upload ended');
  }
}

export interface ReceivedUpload {
  /** The committed files, by artifact key, with the names they were sent with. */
  inputs: UploadedInputs;
  /** The request's spec fields (keys split at commas). */
  spec: DiffRequest;
  /** Removes both files (when no job is made of them). */
  remove(): Promise<void>;
}

/** The boundary parameter of a multipart Content-Type, checked; throws naming what is wrong. */
function checkBoundary(contentType: string): void {
  const match = /;\s*boundary\s*=\s*(?:"([^"]*)"|([^;\s]*))/i.exec(contentType);
  const boundary = match?.[1] ?? match?.[2] ?? '';
  if (boundary === '')
    throw new DiffRequestError('Content-Type multipart/form-data has no boundary parameter');
  if (boundary.length > MAX_BOUNDARY_LENGTH)
    throw new DiffRequestError(
      `the multipart boundary is ${boundary.length} characters long (at most ${MAX_BOUNDARY_LENGTH})`,
    );
}

/**
 * Reads a multipart request of two CSV files and the spec fields. Anything else (another field, a
 * file sent twice, a missing one, too many parts, a file over `maxBytes`, a body that ends inside a
 * part) is a DiffRequestError naming it, and nothing of the upload is left in the store: no temp
 * file, no open descriptor. A client that goes away mid-upload gets UploadAbortedError.
 */
export async function receiveUpload(
  request: FastifyRequest,
  artifacts: ArtifactStore,
  maxBytes: number,
): Promise<ReceivedUpload> {
  const contentType = request.headers['content-type'] ?? '';
  checkBoundary(contentType);
  const raw: IncomingMessage = request.raw;
  const uploadId = crypto.randomUUID();
  const files = new Map<'old' | 'new', { writer?: ArtifactWriter; name: string }>();
  const streams = new Set<BusboyFileStream>();
  const tasks: Promise<void>[] = [];
  const fields: Record<string, string> = {};

  let failure: Error | undefined;
  let settle!: { resolve: () => void; reject: (err: Error) => void };
  const parsed = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
  let bb: BusboyInstance;
  try {
    bb = new Busboy({
      headers: { ...request.headers, 'content-type': contentType },
      limits: uploadLimits(maxBytes),
    });
  } catch (err) {
    throw new DiffRequestError(`malformed multipart/form-data Content-Type: ${(err as Error).message}`);
  }

  // The one way out on failure: stop reading the request, drop every file stream (their pipelines
  // then close their write streams), and let the caller clean up once the tasks have settled.
  const fail = (err: Error) => {
    if (failure) return;
    failure = err;
    raw.unpipe(bb);
    for (const stream of streams) stream.destroy();
    settle.reject(err);
  };
  const onClose = () => {
    if (!raw.complete) fail(new UploadAbortedError());
  };

  bb.on('field', (name: string, value: string, _nameTruncated: boolean, valueTruncated: boolean) => {
    if (!SPEC_FIELDS.has(name))
      return fail(new DiffRequestError(`unexpected field "${name}" (${PARTS_HINT})`));
    if (name in fields) return fail(new DiffRequestError(`field "${name}" was sent twice`));
    if (valueTruncated)
      return fail(
        new DiffRequestError(`field "${name}" is longer than ${uploadLimits(maxBytes).fieldSize} bytes`),
      );
    // PostgreSQL cannot store a NUL in text (the job row keeps keys and value).
    if (value.includes(NUL)) return fail(new DiffRequestError(`field "${name}" contains a NUL character`));
    fields[name] = value;
  });

  bb.on('file', (name: string, file: BusboyFileStream, filename: string) => {
    streams.add(file);
    // Before anything else: a part that ends early emits its error at once, listened to or not.
    file.on('error', (err) => fail(malformed(err)));
    file.on('limit', () =>
      fail(
        new DiffRequestError(
          `file "${name}" is larger than ${megabytes(maxBytes)} MB (DIFF_UPLOAD_MAX_MB)`,
          'too_large',
        ),
      ),
    );
    if (failure) return void file.destroy();
    if (name !== 'old' && name !== 'new')
      return fail(new DiffRequestError(`unexpected file field "${name}" (send "old" and "new")`));
    if (files.has(name)) return fail(new DiffRequestError(`file "${name}" was sent twice`));
    if (filename.includes(NUL))
      return fail(new DiffRequestError(`the name of file "${name}" contains a NUL character`));
    const entry: { writer?: ArtifactWriter; name: string } = { name: filename || `${name}.csv` };
    files.set(name, entry);
    // Until the writer exists the file stream buffers and busboy, then the socket, wait.
    tasks.push(
      (async () => {
        entry.writer = await artifacts.writer(uploadFileKey(uploadId, name));
        if (failure) return;
        await pipeline(file, fs.createWriteStream(entry.writer.path));
      })().catch((err: unknown) => fail(err instanceof Error ? err : new Error(String(err)))),
    );
  });

  bb.on('partsLimit', () => fail(new DiffRequestError(`too many parts: ${PARTS_HINT}`)));
  bb.on('filesLimit', () => fail(new DiffRequestError(`too many files: ${PARTS_HINT}`)));
  bb.on('fieldsLimit', () =>
    fail(new DiffRequestError(`too many fields (more than ${uploadLimits(maxBytes).fields}): ${PARTS_HINT}`)),
  );
  bb.on('error', (err: Error) => fail(malformed(err)));
  bb.on('finish', () => settle.resolve());
  raw.on('close', onClose);
  raw.on('error', onClose);
  raw.pipe(bb);

  try {
    await parsed;
    await Promise.all(tasks);
    if (failure) throw failure;
    const oldFile = files.get('old');
    const newFile = files.get('new');
    if (!oldFile?.writer || !newFile?.writer) {
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
    fail(err as Error);
    // Every pipeline has closed its write stream once its task settles; then no descriptor is open.
    await Promise.allSettled(tasks);
    for (const { writer } of files.values()) await writer?.abort();
    // A commit that failed half-way may have left the first file.
    await artifacts.remove(uploadArtifactsKey(uploadId));
    throw failure ?? err;
  } finally {
    raw.off('close', onClose);
    raw.off('error', onClose);
  }
}

/** A parser error as the client's fault, in words (the body ends inside a part, a bad header). */
function malformed(err: Error): Error {
  if (err instanceof DiffRequestError) return err;
  if (/unexpected end|terminated early/i.test(err.message))
    return new DiffRequestError(
      `the multipart body ends inside a part (truncated upload, or a closing boundary is missing): ${PARTS_HINT}`,
    );
  if (/^Multipart:|Malformed|header/i.test(err.message))
    return new DiffRequestError(`malformed multipart/form-data body: ${err.message}`);
  return err;
}
