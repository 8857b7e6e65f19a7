import type { FastifyInstance } from 'fastify';
import type { Database } from '../db/database.js';
import type { JobQueue } from '../jobs/job-queue.js';

const statusSchema = { type: 'object', properties: { status: { type: 'string' } } } as const;
const healthSchema = {
  type: 'object',
  properties: {
    status: { type: 'string' },
    database: { type: 'string' },
    redis: { type: 'string' },
    error: { type: 'string' },
  },
} as const;

interface HealthAnswer {
  readonly ok: boolean;
  readonly body: Readonly<Record<string, string>>;
}

/**
 * GET /health: liveness plus a round trip to each dependency (the database; Redis when the job
 * queue is BullMQ); 503 naming the ones that do not answer. Requests that arrive while a round trip
 * is under way share it (under load, one ping answers every check of that moment); none reuses a
 * finished one, so an outage shows in the very next check.
 * GET /api/ping: liveness of the process alone (no database), the cheapest JSON route there is.
 */
export function registerHealth(app: FastifyInstance, database: Database, jobs?: JobQueue): void {
  // The in-process queue lives in the database, which is checked anyway.
  const redis = jobs?.kind === 'bullmq' ? jobs : undefined;
  const safePing = (ping: () => Promise<boolean>) => ping().catch(() => false);
  let inFlight: Promise<HealthAnswer> | undefined;
  const check = (): Promise<HealthAnswer> =>
    (inFlight ??= Promise.all([
      safePing(() => database.ping()),
      redis ? safePing(() => redis.ping()) : Promise.resolve(true),
    ])
      .then(([dbOk, redisOk]) => answer(database.dialect, dbOk, redis ? redisOk : undefined))
      .finally(() => {
        inFlight = undefined;
      }));

  app.get(
    '/health',
    {
      schema: {
        tags: ['platform'],
        summary: 'Liveness and dependency checks (database; Redis when the job queue uses it)',
        response: { 200: healthSchema, 503: healthSchema },
      },
    },
    async (_request, reply) => {
      const { ok, body } = await check();
      reply.header('cache-control', 'no-store');
      return reply.status(ok ? 200 : 503).send(body);
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

function answer(dialect: string, dbOk: boolean, redisOk: boolean | undefined): HealthAnswer {
  const down = [...(dbOk ? [] : ['database']), ...(redisOk === false ? ['redis'] : [])];
  const body: Record<string, string> = {
    status: down.length ? 'degraded' : 'ok',
    database: dbOk ? dialect : 'unreachable',
  };
  if (redisOk !== undefined) body.redis = redisOk ? 'ok' : 'unreachable';
  if (down.length) body.error = `${down.join(' and ')} unreachable`;
  return { ok: down.length === 0, body };
}
