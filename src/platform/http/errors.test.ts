import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
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
});
