import type net from 'node:net';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { rawRequest } from '../../../test/support/raw-http.js';
import { DomainError, type ErrorKind } from '../errors.js';
import { registerErrorHandling, STATUS_OF_KIND } from './errors.js';

describe('the error handler', () => {
  it.each(Object.entries(STATUS_OF_KIND))(
    'answers a service error of kind %s with status %i and its message and details as JSON',
    async (kind, status) => {
      const app = Fastify();
      registerErrorHandling(app);
      app.get('/x', async () => {
        throw new DomainError(kind as ErrorKind, `it went ${kind}`, { fields: { name: 'required' } });
      });
      const res = await app.inject('/x');
      expect(res.statusCode).toBe(status);
      expect(res.json()).toEqual({ error: `it went ${kind}`, fields: { name: 'required' } });
      await app.close();
    },
  );

  it('answers a lost database connection with 503 "database unavailable", not 500', async () => {
    const app = Fastify({ logger: false });
    registerErrorHandling(app);
    app.get('/x', async () => {
      throw Object.assign(new Error('terminating connection due to administrator command'), {
        code: '57P01',
      });
    });
    const res = await app.inject('/x');
    expect(res.statusCode).toBe(503);
    expect(res.headers['retry-after']).toBe('1');
    expect(res.json()).toEqual({ error: 'database unavailable' });
    await app.close();
  });

  it('answers any other error with a bare 500 that carries no message or stack', async () => {
    const app = Fastify({ logger: false });
    registerErrorHandling(app);
    app.get('/x', async () => {
      throw new Error('secret internals at /srv/app.js:12');
    });
    const res = await app.inject('/x');
    expect(res.statusCode).toBe(500);
    expect(res.json()).toEqual({ error: 'internal server error' });
    await app.close();
  });

  it('answers a JSON body over the limit, written whole before reading, with 413 and Connection: close, and closes the socket', async () => {
    const app = Fastify({ logger: false, bodyLimit: 1024 });
    registerErrorHandling(app);
    app.post('/x', async () => ({ ok: true }));
    await app.listen({ port: 0, host: '127.0.0.1' });
    try {
      const body = JSON.stringify({ text: 'x'.repeat(4 * 2 ** 20) });
      const head = `POST /x HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`;
      const port = (app.server.address() as net.AddressInfo).port;
      const answer = await rawRequest(port, Buffer.from(head + body), 5000);
      expect(answer.status).toBe(413);
      expect(answer.headers.connection).toBe('close');
      expect(JSON.parse(answer.body)).toEqual({ error: expect.stringMatching(/body/i) });
      expect(answer.closedByServer).toBe(true);
    } finally {
      await app.close();
    }
  });

  it('keeps the connection open after an error answered once the body was read whole', async () => {
    const app = Fastify({ logger: false });
    registerErrorHandling(app);
    app.post('/x', async () => {
      throw new DomainError('bad_input', 'no');
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    try {
      const head = `POST /x HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}`;
      const port = (app.server.address() as net.AddressInfo).port;
      const answer = await rawRequest(port, Buffer.from(head), 300);
      expect(answer.status).toBe(400);
      expect(answer.headers.connection).toBe('keep-alive');
      expect(answer.closedByServer).toBe(false);
    } finally {
      await app.close();
    }
  });
});
