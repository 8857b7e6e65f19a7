import type { FastifyInstance } from 'fastify';
import type { Database } from '../db/database.js';

const statusSchema = { type: 'object', properties: { status: { type: 'string' } } } as const;
const healthSchema = {
  type: 'object',
  properties: { status: { type: 'string' }, database: { type: 'string' } },
} as const;

/**
 * GET /health: liveness plus a database round trip; 503 when the database does not answer.
 * Requests that arrive while a round trip is under way share it (under load, one ping answers
 * every check of that moment); none reuses a finished one, so an outage shows in the very next check.
 * GET /api/ping: liveness of the process alone (no database), the cheapest JSON route there is.
 */
export function registerHealth(app: FastifyInstance, database: Database): void {
  let inFlight: Promise<boolean> | undefined;
  const check = (): Promise<boolean> =>
    (inFlight ??= database
      .ping()
      .catch(() => false)
      .finally(() => {
        inFlight = undefined;
      }));

  app.get(
    '/health',
    {
      schema: {
        tags: ['platform'],
        summary: 'Liveness and database check',
        response: { 200: healthSchema, 503: healthSchema },
      },
    },
    async (_request, reply) => {
      const ok = await check();
      reply.header('cache-control', 'no-store');
      return reply
        .status(ok ? 200 : 503)
        .send({ status: ok ? 'ok' : 'degraded', database: ok ? database.dialect : 'unreachable' });
    },
  );

  app.get(
    '/api/ping',
    {
      schema: {
        tags: ['platform'],
        summary: 'Liveness of the process only (no database check; see /health for that)',
        response: { 200: statusSchema },
      },
    },
    async (_request, reply) => {
      reply.header('cache-control', 'no-store');
      return { status: 'ok' };
    },
  );
}
