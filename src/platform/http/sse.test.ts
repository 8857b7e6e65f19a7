// Streams need a real socket: these tests listen on a port and read with node:http.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../jobs/testing/recorder.js';
import { createSseHub, sseFrame, type SseHub, type SseOptions, type SseStream } from './sse.js';

const apps: FastifyInstance[] = [];
const requests: http.ClientRequest[] = [];
afterEach(async () => {
  while (requests.length) requests.pop()!.destroy();
  while (apps.length) await apps.pop()!.close();
});

/** An app with one stream route; `opened` holds the server side of every stream, `raws` its response. */
async function serve(options: SseOptions = {}) {
  const app = Fastify();
  apps.push(app);
  const opened: SseStream[] = [];
  const raws: http.ServerResponse[] = [];
  let hub!: SseHub;
  await app.register(async (scope) => {
    hub = createSseHub(scope);
    scope.addHook('onRequest', async (_req, reply) => void reply.header('x-frame-options', 'DENY'));
    scope.get('/stream', (request, reply) => {
      opened.push(hub.open(request, reply, options));
      raws.push(reply.raw);
    });
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const port = (app.server.address() as AddressInfo).port;
  return { app, hub, opened, raws, port };
}

interface Client {
  response: http.IncomingMessage;
  text: () => string;
  ended: Promise<void>;
  request: http.ClientRequest;
}

function connect(port: number, { read = true } = {}): Promise<Client> {
  return new Promise((resolve, reject) => {
    const request = http.get({ host: '127.0.0.1', port, path: '/stream' }, (response) => {
      let text = '';
      const ended = new Promise<void>((done) => {
        response.on('end', done);
        response.on('close', done);
      });
      if (read) {
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
      } else response.pause();
      resolve({ response, text: () => text, ended, request });
    });
    request.on('error', reject);
    requests.push(request);
  });
}

describe('sseFrame', () => {
  it('writes id, event and one data line per line of a string, JSON for anything else', () => {
    expect(sseFrame({ id: 7, event: 'response', data: { a: 'x\ny' } })).toBe(
      'id: 7\nevent: response\ndata: {"a":"x\\ny"}\n\n',
    );
    expect(sseFrame({ data: 'one\r\ntwo\nthree' })).toBe('data: one\ndata: two\ndata: three\n\n');
  });

  it('refuses an id or event name that would break the frame', () => {
    expect(() => sseFrame({ id: '1\nevent: x', data: 1 })).toThrow(/line break/);
    expect(() => sseFrame({ event: 'a\nb', data: 1 })).toThrow(/one line/);
  });
});

describe('SSE streams on a real socket', () => {
  it('sends the stream headers (with the headers hooks set), the retry hint and messages as they come', async () => {
    const { opened, port } = await serve({ retryMs: 1500 });
    const client = await connect(port);
    expect(client.response.statusCode).toBe(200);
    expect(client.response.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(client.response.headers['cache-control']).toBe('no-cache, no-transform');
    expect(client.response.headers['x-accel-buffering']).toBe('no');
    expect(client.response.headers['x-frame-options']).toBe('DENY');
    await waitFor(() => opened.length === 1, 'the stream');
    expect(await opened[0]!.send({ id: 1, event: 'hello', data: { n: 1 } })).toBe(true);
    await waitFor(() => client.text().includes('data: {"n":1}'), 'the message');
    expect(client.text()).toBe('retry: 1500\n\nid: 1\nevent: hello\ndata: {"n":1}\n\n');
  });

  it('hands a message to the kernel at once, not corked until the next tick', async () => {
    // ServerResponse.write alone corks the socket until process.nextTick, which waits for the
    // whole microtask queue (e.g. a group commit's answers, sent at once by end()).
    const { opened, raws, port } = await serve();
    const client = await connect(port);
    await waitFor(() => opened.length === 1, 'the stream');
    const raw = raws[0]!;
    const sent = opened[0]!.sendFrames(
      sseFrame({ id: 1, event: 'a', data: 1 }) + sseFrame({ id: 2, data: 2 }),
    );
    expect(raw.socket!.writableCorked).toBe(0);
    expect(raw.writableLength).toBe(0);
    expect(await sent).toBe(true);
    await waitFor(() => client.text().includes('data: 2'), 'the frames');
    expect(client.text()).toBe(': open\n\nid: 1\nevent: a\ndata: 1\n\nid: 2\ndata: 2\n\n');
  });

  it('sends heartbeat comments on the interval and calls onHeartbeat', async () => {
    let ticks = 0;
    const { port } = await serve({ heartbeatMs: 40, onHeartbeat: () => void ticks++ });
    const client = await connect(port);
    await waitFor(() => client.text().split(': heartbeat\n\n').length > 3, 'three heartbeats');
    expect(ticks).toBeGreaterThanOrEqual(3);
  });

  it('closes its side when the client disconnects: onClose runs, heartbeats stop, send answers false', async () => {
    let ticks = 0;
    const { hub, opened, port } = await serve({ heartbeatMs: 20, onHeartbeat: () => void ticks++ });
    const client = await connect(port);
    await waitFor(() => opened.length === 1, 'the stream');
    let closedBy = 0;
    opened[0]!.onClose(() => void closedBy++);
    client.request.destroy();
    await waitFor(() => opened[0]!.closed, 'the server side to notice');
    expect(closedBy).toBe(1);
    expect(hub.size).toBe(0);
    const at = ticks;
    expect(await opened[0]!.send({ data: 'late' })).toBe(false);
    await new Promise((r) => setTimeout(r, 100)); // five heartbeat intervals
    expect(ticks).toBe(at);
  });

  it('ends every open stream when the app closes, so close does not wait for the clients', async () => {
    const { app, opened, port } = await serve();
    const clients = [await connect(port), await connect(port)];
    await waitFor(() => opened.length === 2, 'both streams');
    await app.close();
    await Promise.all(clients.map((c) => c.ended));
    expect(opened.every((s) => s.closed)).toBe(true);
  });

  it('waits for drain when the socket is full, and drops a client that falls too far behind', async () => {
    const { opened, port } = await serve({ maxBufferedBytes: 512 * 1024 });
    await connect(port, { read: false });
    await waitFor(() => opened.length === 1, 'the stream');
    const stream = opened[0]!;
    const big = 'x'.repeat(64 * 1024);
    // An awaiting producer is held back by the full socket (the client reads nothing)...
    let accepted = 0;
    const producer = (async () => {
      while (await stream.send({ data: big })) accepted++;
    })();
    await waitFor(() => accepted > 0, 'the first writes');
    const held = accepted;
    await new Promise((r) => setTimeout(r, 100));
    expect(accepted).toBe(held);
    expect(stream.closed).toBe(false);
    // ...while one that does not wait gets the stream closed instead of unbounded buffering.
    const results = await Promise.all(Array.from({ length: 20 }, () => stream.send({ data: big })));
    expect(results).toContain(false);
    expect(stream.closed).toBe(true);
    await producer;
  });
});
