// HTTP routes of the hiring system: validate, make one service call, shape the answer.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isAutoId } from '../../platform/db/schema.js';
import { isCrossSite } from '../../platform/http/cross-site.js';
import type { Platform } from '../../platform/platform.js';
import {
  clearSession,
  readSession,
  setSession,
  type SessionCookieOptions,
} from '../../platform/http/session.js';
import { PHONE_TYPES, REGIONS, STATES, isWorkflowState, type WorkflowState } from './constants.js';
import {
  applicantSchema,
  applicationBodySchema,
  errorSchema,
  fieldErrorsSchema,
  funnelJsonResponse,
  funnelQuerySchema,
  funnelReportSchema,
} from './schemas.js';
import { SEED_DAYS, seedRange } from './seed.js';
import type { HiringService } from './service.js';
import type { ApplicationInput, FieldErrors } from './validation.js';

const PUBLIC_PAGES = [
  '/hiring',
  '/hiring/',
  '/hiring/apply',
  '/hiring/apply/background-check',
  '/hiring/apply/confirmation',
  '/hiring/track',
  '/hiring/application',
  '/instacart_shopper',
  '/instacart_shopper/',
];
const rateLimitedSchema = {
  description: 'Too many tries: the Retry-After header says when to try again',
  type: 'object',
  properties: { error: { type: 'string' }, retry_after_seconds: { type: 'integer' } },
} as const;
const FUNNEL_PATHS = [
  '/hiring/funnel.json',
  '/funnel.json',
  '/funnels.json',
  '/instacart_shopper/funnel.json',
];
/** Beyond this page number nothing is listed anyway (100 per page would be 100 million applicants). */
const MAX_PAGE = 1_000_000;
/** Seeding over HTTP is bounded so one request cannot hold the database for long; the CLI has no bound. */
export const MAX_HTTP_SEED = 100_000;

type Id = { Params: { id: number } };
type SeedRoute = { Params: { count: number }; Querystring: { from?: string; to?: string } };

/** 403 when another site sent the request (see isCrossSite). */
async function refuseCrossSite(request: FastifyRequest, reply: FastifyReply): Promise<void> {
  if (isCrossSite(request)) {
    await reply.status(403).send({
      error:
        'refused: this seeding link was opened from another site. Open it directly, or use POST /hiring/seed_data/:count',
    });
  }
}

export async function hiringRoutes(
  app: FastifyInstance,
  platform: Platform,
  service: HiringService,
): Promise<void> {
  const now = () => platform.clock.now().getTime();
  const session: SessionCookieOptions = {
    name: 'quintet_applicant',
    maxAgeSeconds: 24 * 3600,
    secure: platform.config.cookieSecure,
  };
  const publicWrite = { rateLimit: { max: platform.config.publicWriteRateLimit, timeWindow: '1 minute' } };
  const invalid = (reply: FastifyReply, fields: FieldErrors) =>
    reply.status(400).send({ error: 'validation failed', fields });
  const applicantId = (request: FastifyRequest): number | undefined => {
    const subject = readSession(request, session, now());
    return subject?.startsWith('applicant:') ? Number(subject.slice('applicant:'.length)) : undefined;
  };

  // Pages (React, built by Vite).
  for (const url of PUBLIC_PAGES)
    app.get(url, { schema: { hide: true } }, (_req, reply) => reply.sendPage('hiring'));
  for (const url of ['/hiring/admin', '/hiring/admin/', '/hiring/admin/applicants/:id']) {
    app.get(url, { schema: { hide: true }, preHandler: app.requireAdminPage }, (_req, reply) =>
      reply.sendPage('hiring-admin'),
    );
  }

  // Funnel analytics, at the seed's paths and ours.
  for (const url of FUNNEL_PATHS) {
    app.get<{ Querystring: { start_date?: string; end_date?: string } }>(
      url,
      {
        schema: {
          tags: ['hiring'],
          summary:
            'Applicants by current state, per Monday-Sunday week of application (UTC), whole weeks covering the range',
          querystring: funnelQuerySchema,
          response: funnelJsonResponse,
          hide: url !== '/hiring/funnel.json',
        },
      },
      async (request, reply) => {
        const result = await service.funnelJson(request.query.start_date, request.query.end_date);
        if (!result.ok) return reply.status(400).send({ error: result.error });
        // Already JSON: sent as it is, past the response serializer.
        return reply
          .header('cache-control', 'no-store')
          .type('application/json; charset=utf-8')
          .send(result.body);
      },
    );
  }

  app.get(
    '/hiring/api/options',
    {
      schema: {
        tags: ['hiring'],
        summary: 'The choices the application form offers',
        response: {
          200: {
            type: 'object',
            properties: {
              regions: { type: 'array', items: { type: 'string' } },
              phone_types: { type: 'array', items: { type: 'string' } },
              states: { type: 'array', items: { type: 'string' } },
            },
          },
        },
      },
    },
    async () => ({ regions: REGIONS, phone_types: PHONE_TYPES, states: STATES }),
  );

  app.post<{ Body: ApplicationInput }>(
    '/hiring/api/applications/validate',
    {
      config: publicWrite,
      schema: {
        tags: ['hiring'],
        summary:
          'Check an application (fields, email and phone not yet registered) before the background-check step',
        body: applicationBodySchema,
        response: {
          200: { type: 'object', properties: { ok: { type: 'boolean' } } },
          400: fieldErrorsSchema,
          429: rateLimitedSchema,
        },
      },
    },
    async (request, reply) => {
      const result = await service.validateFor(request.ip, request.body);
      return result.ok ? { ok: true } : invalid(reply, result.fields);
    },
  );

  app.post<{ Body: ApplicationInput & { background_check_consent?: boolean } }>(
    '/hiring/api/applications',
    {
      config: publicWrite,
      schema: {
        tags: ['hiring'],
        summary: 'Submit an application (needs background_check_consent: true); starts the applicant session',
        body: {
          ...applicationBodySchema,
          properties: { ...applicationBodySchema.properties, background_check_consent: { type: 'boolean' } },
        },
        response: {
          201: { type: 'object', properties: { applicant: applicantSchema } },
          400: fieldErrorsSchema,
          429: rateLimitedSchema,
        },
      },
    },
    async (request, reply) => {
      const result = await service.applyFor(request.ip, request.body, request.body.background_check_consent);
      if (!result.ok) return invalid(reply, result.fields);
      setSession(reply, session, `applicant:${result.value.id}`, now());
      return reply.status(201).send({ applicant: result.value });
    },
  );

  app.post<{ Body: { email: string; phone_last4: string } }>(
    '/hiring/api/session',
    {
      config: publicWrite,
      schema: {
        tags: ['hiring'],
        summary: 'Start an applicant session with the email and the last four digits of the phone on file',
        body: {
          type: 'object',
          required: ['email', 'phone_last4'],
          properties: {
            email: { type: 'string', maxLength: 1000 },
            phone_last4: { type: 'string', maxLength: 100 },
          },
        },
        response: {
          200: { type: 'object', properties: { applicant: applicantSchema } },
          400: fieldErrorsSchema,
          429: rateLimitedSchema,
        },
      },
    },
    async (request, reply) => {
      const result = await service.findForTracking(request.body.email, request.body.phone_last4);
      if (!result.ok) return reply.status(400).send({ error: result.fields.form, fields: result.fields });
      setSession(reply, session, `applicant:${result.value.id}`, now());
      return { applicant: result.value };
    },
  );

  app.post(
    '/hiring/api/session/logout',
    {
      schema: {
        tags: ['hiring'],
        summary: 'End the applicant session',
        response: { 200: { type: 'object', properties: { ok: { type: 'boolean' } } } },
      },
    },
    async (_request, reply) => {
      clearSession(reply, session);
      return { ok: true };
    },
  );

  app.get(
    '/hiring/api/me',
    {
      schema: {
        tags: ['hiring'],
        summary: "The session's application",
        response: { 200: { type: 'object', properties: { applicant: applicantSchema } }, 401: errorSchema },
      },
    },
    async (request, reply) => {
      const id = applicantId(request);
      const applicant = id === undefined ? undefined : await service.getApplicant(id);
      if (!applicant)
        return reply
          .status(401)
          .send({ error: 'no applicant session: track your application with your email first' });
      return { applicant };
    },
  );

  app.put<{ Body: ApplicationInput }>(
    '/hiring/api/me',
    {
      config: publicWrite,
      schema: {
        tags: ['hiring'],
        summary: "Edit the session's application",
        body: applicationBodySchema,
        response: {
          200: { type: 'object', properties: { applicant: applicantSchema } },
          400: fieldErrorsSchema,
          401: errorSchema,
        },
      },
    },
    async (request, reply) => {
      const id = applicantId(request);
      const result = id === undefined ? undefined : await service.updateApplication(id, request.body);
      if (!result)
        return reply
          .status(401)
          .send({ error: 'no applicant session: track your application with your email first' });
      if (!result.ok) return invalid(reply, result.fields);
      return { applicant: result.value };
    },
  );

  // Admin.
  app.register(async (admin) => {
    // Before validation: an unauthenticated request learns nothing about the parameters (401, not 400).
    admin.addHook('preValidation', app.requireAdmin);

    admin.get<{ Querystring: { q?: string; state?: string; page?: number; per_page?: number } }>(
      '/hiring/api/admin/applicants',
      {
        schema: {
          tags: ['hiring admin'],
          summary: 'Applicants, newest first: search by name/email/phone, filter by state, paging',
          querystring: {
            type: 'object',
            properties: {
              q: { type: 'string', maxLength: 200 },
              state: { type: 'string', enum: ['', ...STATES] },
              page: { type: 'integer', minimum: 1, maximum: MAX_PAGE, default: 1 },
              per_page: { type: 'integer', minimum: 1, maximum: 100, default: 25 },
            },
          },
          response: {
            200: {
              type: 'object',
              properties: {
                items: { type: 'array', items: applicantSchema },
                total: { type: 'integer' },
                page: { type: 'integer' },
                per_page: { type: 'integer' },
              },
            },
          },
        },
      },
      async (request) => {
        const { q, state, page = 1, per_page = 25 } = request.query;
        return service.list({
          q,
          state: state ? (state as WorkflowState) : undefined,
          page,
          perPage: per_page,
        });
      },
    );

    admin.get<Id>(
      '/hiring/api/admin/applicants/:id',
      {
        schema: {
          tags: ['hiring admin'],
          summary: 'One applicant',
          params: { type: 'object', properties: { id: { type: 'integer', minimum: 1 } }, required: ['id'] },
          response: { 200: applicantSchema, 404: errorSchema },
        },
      },
      async (request, reply) => {
        const applicant = isAutoId(request.params.id)
          ? await service.getApplicant(request.params.id)
          : undefined;
        return applicant ?? reply.status(404).send({ error: `applicant ${request.params.id} not found` });
      },
    );

    admin.post<Id & { Body: { state: string } }>(
      '/hiring/api/admin/applicants/:id/state',
      {
        schema: {
          tags: ['hiring admin'],
          summary: 'Move an applicant to another workflow state',
          params: { type: 'object', properties: { id: { type: 'integer', minimum: 1 } }, required: ['id'] },
          body: { type: 'object', required: ['state'], properties: { state: { type: 'string' } } },
          response: { 200: applicantSchema, 400: errorSchema, 404: errorSchema, 409: errorSchema },
        },
      },
      async (request, reply) => {
        const { state } = request.body;
        if (!isWorkflowState(state))
          return reply.status(400).send({ error: `unknown state "${state}" (known: ${STATES.join(', ')})` });
        const applicant = isAutoId(request.params.id)
          ? await service.moveState(request.params.id, state)
          : undefined;
        return applicant ?? reply.status(404).send({ error: `applicant ${request.params.id} not found` });
      },
    );

    admin.get<{ Querystring: { start_date?: string; end_date?: string } }>(
      '/hiring/api/admin/funnel',
      {
        schema: {
          tags: ['hiring admin'],
          summary: 'The funnel with totals and conversion rates between consecutive states',
          querystring: funnelQuerySchema,
          response: { 200: funnelReportSchema, 400: errorSchema },
        },
      },
      async (request, reply) => {
        const result = await service.funnel(request.query.start_date, request.query.end_date);
        return result.ok ? result.report : reply.status(400).send({ error: result.error });
      },
    );

    const seedSchema = (hide: boolean) => ({
      tags: ['hiring admin'],
      summary: `Create COUNT random applicants (at most ${MAX_HTTP_SEED} per request), applied between from and to (default: the last ${SEED_DAYS} days)`,
      hide,
      params: { type: 'object', properties: { count: { type: 'integer' } }, required: ['count'] },
      querystring: { type: 'object', properties: { from: { type: 'string' }, to: { type: 'string' } } },
      response: { 200: { type: 'object', properties: { created: { type: 'integer' } } }, 400: errorSchema },
    });
    const seedHandler = async (request: FastifyRequest<SeedRoute>, reply: FastifyReply) => {
      const { count } = request.params;
      if (count < 1 || count > MAX_HTTP_SEED) {
        return reply.status(400).send({
          error: `count must be between 1 and ${MAX_HTTP_SEED} (use \`quintet seed hiring --count N\` for more)`,
        });
      }
      const range = seedRange(request.query.from, request.query.to, platform.clock.now());
      if (!range.ok) return reply.status(400).send({ error: range.error });
      return { created: await service.seed({ count, from: range.from, to: range.to }) };
    };
    admin.post('/hiring/seed_data/:count', { schema: seedSchema(false) }, seedHandler);
    // The original API seeded with a GET; kept for compatibility, still admin-only, and refused
    // when another site sends the admin's browser there (the Lax admin cookie goes along with a
    // cross-site navigation, and no CSRF token guards a GET).
    for (const url of ['/instacart_shopper/seed_data/:count', '/instacart_shopper/seed_data/:count/'])
      admin.get<SeedRoute>(url, { schema: seedSchema(true), preHandler: refuseCrossSite }, seedHandler);
  });
}
