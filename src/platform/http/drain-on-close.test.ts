import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { drainOnClose } from './drain-on-close.js';

const agents: http.Agent[] = [];
afterEach(() => {
  while (agents.length) agents.pop()!.destroy();
});

/** A client that keeps its connections open after each answer, as nginx and browsers do. */
function keepAliveGet(app: FastifyInstance, url: string) {
  const agent = new http.Agent({ keepAlive: true });
  agents.push(agent);
  const { port } = app.server.address() as AddressInfo;
  return new Promise<http.IncomingMessage>((resolve, reject) =>
    http.get({ port, host: '127.0.0.1', path: url, agent }, resolve).once('error', reject),
  );
}

/**
 * Runs `fn` once the app's server has stopped listening: after server.close() ended the idle
 * connections, so an answer sent then ends on a busy one.
 */
function onceClosing(app: FastifyInstance, fn: () => void) {
  app.addHook('preClose', (done) => {
    const check = () => (app.server.listening ? setImmediate(check) : fn());
    check();
    done();
  });
}

const bodyOf = async (res: http.IncomingMessage) => {
  let text = '';
  for await (const chunk of res) text += String(chunk);
  return text;
};

describe('drainOnClose', () => {
  it('answers a request in flight at close with Connection: close, so close() ends though the client keeps connections alive', async () => {
    const app = Fastify();
    drainOnClose(app);
    let arrived!: () => void;
    const inHandler = new Promise<void>((resolve) => (arrived = resolve));
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    app.get('/slow', async () => {
      arrived();
      await released;
      return { ok: true };
    });
    onceClosing(app, release);
    await app.listen({ port: 0, host: '127.0.0.1' });

    const answer = keepAliveGet(app, '/slow');
    await inHandler;
    const closed = app.close();
    const res = await answer;
    expect(res.statusCode).toBe(200);
    expect(res.headers.connection).toBe('close');
    expect(JSON.parse(await bodyOf(res))).toEqual({ ok: true });
    await closed;
  });

  it('ends the connection of an answer already streaming at close once it is sent, whole', async () => {
    const app = Fastify();
    drainOnClose(app);
    const stream = new PassThrough();
    app.get('/stream', async (_request, reply) => reply.type('text/plain').send(stream));
    onceClosing(app, () => stream.end('and last'));
    await app.listen({ port: 0, host: '127.0.0.1' });

    stream.write('first ');
    const res = await keepAliveGet(app, '/stream');
    expect(res.headers.connection).toBe('keep-alive'); // said before the close began
    const ended = new Promise<void>((resolve) => res.socket.once('end', resolve));
    const closed = app.close();
    expect(await bodyOf(res)).toBe('first and last');
    await ended;
    await closed;
  });

  it('leaves answers alone while the app is not closing', async () => {
    const app = Fastify();
    drainOnClose(app);
    app.get('/', async () => 'ok');
    await app.listen({ port: 0, host: '127.0.0.1' });
    const res = await keepAliveGet(app, '/');
    expect(res.headers.connection).toBe('keep-alive');
    expect(await bodyOf(res)).toBe('ok');
    await app.close();
  });
});
