// Malformed, over-limit and abandoned uploads over a real socket: each gets a prompt answer (or none,
// when the client left), and none leaves an open descriptor or a temp file behind.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { REVENUE_HEADER, filesUnder, waitFor } from '../../../test/support/diffing.js';
import { createTestPlatform, type TestPlatform } from '../../../test/support/platform.js';
import { rawRequest } from '../../../test/support/raw-http.js';
import { buildApp } from '../../app.js';
import { diffingSystem } from './system.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

interface LogLine {
  level: number;
  msg: string;
}

/** The app listening on a real port, with a CSRF token and cookie for raw requests, and its log lines. */
async function listening(env: Record<string, string> = {}) {
  const platform: TestPlatform = await createTestPlatform('sqlite', { systems: [diffingSystem], env });
  const logs: LogLine[] = [];
  const log = pino(
    { level: 'info' },
    { write: (line: string) => void logs.push(JSON.parse(line) as LogLine) },
  );
  const app: FastifyInstance = await buildApp({ ...platform, log });
  await app.listen({ port: 0, host: '127.0.0.1' });
  cleanups.push(async () => {
    await app.close();
    await platform.dispose();
  });
  const port = (app.server.address() as net.AddressInfo).port;
  const tokenResponse = await app.inject('/api/csrf-token');
  const cookie = tokenResponse.cookies.map((c) => `${c.name}=${c.value}`).join('; ');
  const token = tokenResponse.json<{ token: string }>().token;
  const head = (body: Buffer, contentType = `multipart/form-data; boundary=${BOUNDARY}`) =>
    Buffer.from(
      `POST /api/diffing/jobs HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: ${contentType}\r\n` +
        `Content-Length: ${body.length}\r\nCookie: ${cookie}\r\nx-csrf-token: ${token}\r\n\r\n`,
    );
  const tmpDir = path.join(platform.config.artifactDir, '.tmp');
  return { app, platform, port, head, logs, tmpFiles: () => filesUnder(tmpDir) };
}

const BOUNDARY = 'quintet-test-boundary';
const field = (name: string, value: string) =>
  `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
const fileStart = (name: string) =>
  `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"; filename="${name}.csv"\r\n` +
  `Content-Type: text/csv\r\n\r\n`;
const csv = `${REVENUE_HEADER}\n2020-01-01,,,,,revenue,1\n`;

/** Ends inside the "old" file: no closing boundary. */
const truncatedBody = Buffer.from(field('metric', 'revenue') + fileStart('old') + csv);
/** Twelve text fields before the files. */
const manyFieldsBody = Buffer.from(
  Array.from({ length: 12 }, () => field('metric', 'revenue')).join('') +
    fileStart('old') +
    csv +
    `\r\n--${BOUNDARY}--\r\n`,
);
const wellFormed = (oldContent: string) =>
  Buffer.from(
    field('metric', 'revenue') +
      fileStart('old') +
      oldContent +
      '\r\n' +
      fileStart('new') +
      csv +
      `\r\n--${BOUNDARY}--\r\n`,
  );

/** Sends the head and part of the body, waits until the server has read some of it, then vanishes. */
async function abandonedRequest(port: number, head: Buffer, partial: Buffer, onRead: () => Promise<void>) {
  const socket = net.connect(port, '127.0.0.1');
  socket.on('error', () => undefined);
  socket.write(Buffer.concat([head, partial]));
  await onRead();
  socket.destroy();
}

const openDescriptors = () => fs.readdirSync('/proc/self/fd').length;

describe.skipIf(!fs.existsSync('/proc/self/fd'))('diffing uploads over a socket', () => {
  it('answers 400 at once naming the problem when the body ends inside a file part', async () => {
    const { port, head, tmpFiles } = await listening();
    const started = Date.now();
    const answer = await rawRequest(port, Buffer.concat([head(truncatedBody), truncatedBody]), 100);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body).error).toMatch(/multipart body ends inside a part/);
    await waitFor(() => tmpFiles().length === 0, 'the temp file to go');
  });

  it('answers 400 naming the field when more than 10 text fields come before the files', async () => {
    const { port, head } = await listening();
    const answer = await rawRequest(port, Buffer.concat([head(manyFieldsBody), manyFieldsBody]), 100);
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body)).toEqual({ error: 'field "metric" was sent twice' });
  });

  it.each([
    [
      'a field',
      field('keys', 'date\u0000') + field('value', 'value'),
      /^field "keys" contains a NUL character$/,
    ],
    [
      'a file name',
      fileStart('old').replace('filename="old.csv"', "filename*=utf-8''o%00.csv") + csv + '\r\n',
      /^the name of file "old" contains a NUL/,
    ],
  ])('answers 400 when %s holds a NUL byte (PostgreSQL text cannot)', async (_case, start, message) => {
    const { port, head, tmpFiles } = await listening();
    const body = Buffer.from(start + fileStart('new') + csv + `\r\n--${BOUNDARY}--\r\n`);
    const answer = await rawRequest(port, Buffer.concat([head(body), body]), 100);
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body).error).toMatch(message);
    await waitFor(() => tmpFiles().length === 0, 'no temp file to stay');
  });

  it.each([
    ['has no boundary', 'multipart/form-data', /has no boundary/],
    ['has an empty boundary', 'multipart/form-data; boundary=""', /has no boundary/],
    [
      'has a boundary over 250 characters',
      `multipart/form-data; boundary=${'b'.repeat(300)}`,
      /300 characters long/,
    ],
  ])('answers 400 when the Content-Type %s', async (_case, contentType, message) => {
    const { port, head } = await listening();
    const body = wellFormed(csv);
    const answer = await rawRequest(port, Buffer.concat([head(body, contentType), body]), 100);
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body).error).toMatch(message);
  });

  it('answers an over-limit upload written whole before reading with 413, Connection: close, and closes the socket', async () => {
    const { port, head, tmpFiles } = await listening({ DIFF_UPLOAD_MAX_MB: '1' });
    const big = wellFormed(csv + '2020-01-01,,,,,revenue,1\n'.repeat(Math.ceil((3 * 2 ** 20) / 25)));
    const answer = await rawRequest(port, Buffer.concat([head(big), big]), 5000);
    expect(answer.status).toBe(413);
    expect(answer.headers.connection).toBe('close');
    expect(JSON.parse(answer.body).error).toMatch(/larger than 1 MB \(DIFF_UPLOAD_MAX_MB\)/);
    expect(answer.closedByServer).toBe(true);
    await waitFor(() => tmpFiles().length === 0, 'the temp file to go');
  });

  it('releases every descriptor and temp file after many truncated, crowded, over-limit and abandoned uploads', async () => {
    const { app, port, head, tmpFiles, logs } = await listening({ DIFF_UPLOAD_MAX_MB: '1' });
    // A first well-formed upload opens what stays open anyway (the database, the artifact store).
    const ok = await rawRequest(port, Buffer.concat([head(wellFormed(csv)), wellFormed(csv)]), 200);
    expect(ok.status).toBe(201);
    const overLimit = wellFormed(csv + 'x'.repeat(1.5 * 2 ** 20));
    const fdsBefore = openDescriptors();
    const tmpBefore = tmpFiles().length;

    const rounds = 25;
    for (let i = 0; i < rounds; i++) {
      const answers = await Promise.all([
        rawRequest(port, Buffer.concat([head(truncatedBody), truncatedBody]), 200),
        rawRequest(port, Buffer.concat([head(manyFieldsBody), manyFieldsBody]), 200),
        rawRequest(port, Buffer.concat([head(overLimit), overLimit]), 200),
      ]);
      expect(answers.map((a) => a.status)).toEqual([400, 400, 413]);
      // Abandoned inside the "old" file, once the server holds its temp file open.
      const partial = Buffer.from(field('metric', 'revenue') + fileStart('old') + csv);
      await abandonedRequest(port, head(wellFormed(csv + 'y'.repeat(100_000))), partial, () =>
        waitFor(() => tmpFiles().length > tmpBefore, 'the server to start writing the file'),
      );
    }
    await waitFor(
      () => tmpFiles().length === tmpBefore && openDescriptors() <= fdsBefore,
      `temp files (${tmpFiles().length}, ${tmpBefore} before) and descriptors (${openDescriptors()}, ${fdsBefore} before) to come back`,
    );

    // Abandoned uploads are the client's doing: logged at info, never counted as server errors.
    const metrics = (await app.inject('/metrics')).body;
    expect(metrics).not.toMatch(/http_requests_total\{[^}]*route="\/api\/diffing\/jobs",status="5\d\d"\}/);
    const aborted = logs.filter((l) => l.msg === 'client closed the request');
    expect(aborted).toHaveLength(rounds);
    expect(aborted.every((l) => l.level === 30)).toBe(true);
    expect(logs.filter((l) => l.level >= 50)).toEqual([]);
  });
});
