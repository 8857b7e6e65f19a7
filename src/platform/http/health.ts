import type { FastifyInstance } from 'fastify';
import type { Database } from '../db/database.js';

/** GET /health: liveness plus a database round trip; 503 when the database does not answer. */
export function registerHealth(app: FastifyInstance, database: Database): void {
  app.get(
    '/health',
    {
      schema: {
        tags: ['platform'],
        summary: 'Liveness and database check',
        response: {
          200: { type: 'object', properties: { status: { type: 'string' }, database: { type: 'string' } } },
          503: { type: 'object', properties: { status: { type: 'string' }, database: { type: 'string' } } },
        },
      },
    },
    async (_request, reply) => {
      const ok = await database.ping();
      reply.header('cache-control', 'no-store');
      return reply
        .status(ok ? 200 : 503)
        .send({ status: ok ? 'ok' : 'degraded', database: ok ? database.dialect : 'unreachable' });
    },
  );
}
