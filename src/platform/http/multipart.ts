// Receiving multipart/form-data uploads of CSV files, for every system that takes them (diffing's
// two exports, uptime's and banners' imports): each file streams into an artifact writer's scratch
// file as it arrives, never held whole in memory; the caller commits or drops the writers.
//
// The parser is busboy itself, driven here rather than through @fastify/multipart's part queue: that
// queue hands a part over after the parser may already have seen the body end inside it, and such a
// file stream never ends, so the request hung with its descriptor and temp file open. Here every
// file stream is listened to from the moment it appears, and one failure path (a malformed body, a
// limit, a client that goes away, a disk error) stops reading, closes every stream and drops every
// scratch file before the request is answered.
import fs from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { Busboy, type BusboyFileStream, type BusboyInstance } from '@fastify/busboy';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { badInput, DomainError, tooLarge } from '../errors.js';
import type { ArtifactWriter } from '../storage/artifact-store.js';

const NUL = '\u0000';
/** Longest multipart boundary read (RFC 2046 allows 70; the parser's search needs it under 253). */
export const MAX_BOUNDARY_LENGTH = 250;
const FIELD_BYTES = 10_000;
/**
 * How long the parser may hold the request paused with no file of ours open before the body is
 * called malformed: @fastify/busboy 3.2.6 stalls on a part with no header lines and more than
 * ~16 KB of data (it waits for the end of a header that never comes, and pauses the socket).
 * A slow client never trips this (its request is not paused), nor a slow disk (a file is open).
 */
const STALL_MS = 1000;

/** The client closed the connection before its upload ended: nobody is left to answer. */
export class UploadAbortedError extends DomainError {
  constructor() {
    super('bad_input', 'the client closed the connection before the upload ended');
  }
}

export interface MultipartSpec {
  /** The file fields a request may send (each at most once). */
  files: readonly string[];
  /** The text fields a request may send (each at most once). */
  fields: readonly string[];
  /** Largest file accepted, and the variable that sets it (named in the 413). */
  maxFileBytes: number;
  limitVariable: string;
  /** What a well-formed request sends, for messages ("send the files "old" and "new" with …"). */
  hint: string;
  /** Where a file goes: an artifact writer (its scratch file is written; never committed here). */
  writer(field: string): Promise<ArtifactWriter>;
}

export interface ReceivedFile {
  writer: ArtifactWriter;
  /** The name it was sent with (or `<field>.csv`). */
  name: string;
}

export interface ReceivedMultipart {
  files: Map<string, ReceivedFile>;
  fields: Record<string, string>;
  /** Drops every file (when the caller makes nothing of them). */
  discard(): Promise<void>;
}

/** True when the request says it is multipart/form-data (whatever its parameters). */
export function isMultipart(request: FastifyRequest): boolean {
  return /^multipart\/form-data(\s*;|\s*$)/i.test(request.headers['content-type'] ?? '');
}

/** Lets multipart bodies through to the route unread (receiveMultipart reads them as a stream). */
export function acceptMultipartStreams(app: FastifyInstance): void {
  if (!app.hasContentTypeParser('multipart/form-data'))
    app.addContentTypeParser('multipart/form-data', (_request, _payload, done) => done(null));
}

/** The boundary parameter of a multipart Content-Type, checked; throws naming what is wrong. */
function checkBoundary(contentType: string): void {
  const match = /;\s*boundary\s*=\s*(?:"([^"]*)"|([^;\s]*))/i.exec(contentType);
  const boundary = match?.[1] ?? match?.[2] ?? '';
  if (boundary === '') throw badInput('Content-Type multipart/form-data has no boundary parameter');
  if (boundary.length > MAX_BOUNDARY_LENGTH)
    throw badInput(
      `the multipart boundary is ${boundary.length} characters long (at most ${MAX_BOUNDARY_LENGTH})`,
    );
}

/**
 * Reads a multipart request of the files and fields `spec` allows. Anything else (another field, a
 * part sent twice, too many parts, a file over the limit, a body that ends inside a part) is a
 * DomainError naming it, and nothing of the upload is left: no scratch file, no open descriptor. A
 * client that goes away mid-upload gets UploadAbortedError.
 */
export async function receiveMultipart(
  request: FastifyRequest,
  spec: MultipartSpec,
): Promise<ReceivedMultipart> {
  if (!isMultipart(request)) throw badInput(`send multipart/form-data: ${spec.hint}`);
  const contentType = request.headers['content-type'] ?? '';
  checkBoundary(contentType);
  const raw: IncomingMessage = request.raw;
  const allowedFiles = new Set(spec.files);
  const allowedFields = new Set(spec.fields);
  const files = new Map<string, { writer?: ArtifactWriter; name: string }>();
  const streams = new Set<BusboyFileStream>();
  /** File streams not yet closed (while one is open, a paused request may be our own backpressure). */
  let openFiles = 0;
  const tasks: Promise<void>[] = [];
  const fields: Record<string, string> = {};
  const mb = Math.round(spec.maxFileBytes / 2 ** 20);
  // One file more than allowed is let through, to be refused by name ("unexpected", "sent twice").
  const limits = {
    fileSize: spec.maxFileBytes,
    files: spec.files.length + 1,
    fields: Math.max(spec.fields.length, 1) * 2,
    fieldSize: FIELD_BYTES,
    parts: spec.files.length + 1 + Math.max(spec.fields.length, 1) * 2,
  };

  let failure: Error | undefined;
  let settle!: { resolve: () => void; reject: (err: Error) => void };
  const parsed = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
  let bb: BusboyInstance;
  try {
    bb = new Busboy({ headers: { ...request.headers, 'content-type': contentType }, limits });
  } catch (err) {
    throw badInput(`malformed multipart/form-data Content-Type: ${(err as Error).message}`);
  }

  // The one way out on failure: stop reading the request, drop every file stream (their pipelines
  // then close their write streams), and clean up once the tasks have settled.
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
  const discard = async () => {
    for (const { writer } of files.values()) await writer?.abort();
  };

  bb.on('field', (name: string, value: string, _nameTruncated: boolean, valueTruncated: boolean) => {
    if (!allowedFields.has(name)) return fail(badInput(`unexpected field "${name}" (${spec.hint})`));
    if (name in fields) return fail(badInput(`field "${name}" was sent twice`));
    if (valueTruncated) return fail(badInput(`field "${name}" is longer than ${FIELD_BYTES} bytes`));
    // PostgreSQL cannot store a NUL in text.
    if (value.includes(NUL)) return fail(badInput(`field "${name}" contains a NUL character`));
    fields[name] = value;
  });

  bb.on('file', (name: string, file: BusboyFileStream, filename: string) => {
    streams.add(file);
    openFiles++;
    file.once('close', () => openFiles--);
    // Before anything else: a part that ends early emits its error at once, listened to or not.
    file.on('error', (err) => fail(malformed(err, spec.hint)));
    file.on('limit', () => fail(tooLarge(`file "${name}" is larger than ${mb} MB (${spec.limitVariable})`)));
    if (failure) return void file.destroy();
    if (!allowedFiles.has(name)) return fail(badInput(`unexpected file field "${name}" (${spec.hint})`));
    if (files.has(name)) return fail(badInput(`file "${name}" was sent twice`));
    if (filename.includes(NUL)) return fail(badInput(`the name of file "${name}" contains a NUL character`));
    const entry: { writer?: ArtifactWriter; name: string } = { name: filename || `${name}.csv` };
    files.set(name, entry);
    // Until the writer exists the file stream buffers and busboy, then the socket, wait.
    tasks.push(
      (async () => {
        entry.writer = await spec.writer(name);
        if (failure) return;
        await pipeline(file, fs.createWriteStream(entry.writer.path));
      })().catch((err: unknown) => fail(err instanceof Error ? err : new Error(String(err)))),
    );
  });

  bb.on('partsLimit', () => fail(badInput(`too many parts: ${spec.hint}`)));
  bb.on('filesLimit', () => fail(badInput(`too many files: ${spec.hint}`)));
  bb.on('fieldsLimit', () => fail(badInput(`too many fields (more than ${limits.fields}): ${spec.hint}`)));
  bb.on('error', (err: Error) => fail(malformed(err, spec.hint)));
  bb.on('finish', () => settle.resolve());
  raw.on('close', onClose);
  raw.on('error', onClose);
  raw.pipe(bb);
  let pausedSince: number | undefined;
  const stallCheck = setInterval(() => {
    const stalled = raw.readableFlowing === false && openFiles === 0 && !raw.complete;
    if (!stalled) return void (pausedSince = undefined);
    pausedSince ??= Date.now();
    if (Date.now() - pausedSince >= STALL_MS)
      fail(badInput(`malformed multipart/form-data body: a part without its header lines: ${spec.hint}`));
  }, STALL_MS / 4);
  stallCheck.unref();

  try {
    await parsed;
    await Promise.all(tasks);
    if (failure) throw failure;
    const received = new Map<string, ReceivedFile>();
    for (const [field, { writer, name }] of files) if (writer) received.set(field, { writer, name });
    return { files: received, fields, discard };
  } catch (err) {
    fail(err as Error);
    // Every pipeline has closed its write stream once its task settles; then no descriptor is open.
    await Promise.allSettled(tasks);
    await discard();
    throw failure ?? err;
  } finally {
    raw.off('close', onClose);
    raw.off('error', onClose);
    clearInterval(stallCheck);
  }
}

/** A parser error as the client's fault, in words (the body ends inside a part, a bad header). */
function malformed(err: Error, hint: string): Error {
  if (err instanceof DomainError) return err;
  if (/unexpected end|terminated early/i.test(err.message))
    return badInput(
      `the multipart body ends inside a part (truncated upload, or a closing boundary is missing): ${hint}`,
    );
  if (/^Multipart:|Malformed|header/i.test(err.message))
    return badInput(`malformed multipart/form-data body: ${err.message}`);
  return err;
}
