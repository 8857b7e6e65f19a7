// HTTP routes of the surveys system: validate, make one service call, shape the answer.
import crypto from 'node:crypto';
import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { createSseHub } from '../../platform/http/sse.js';
import { readSession, setSession, type SessionCookieOptions } from '../../platform/http/session.js';
import type { Platform } from '../../platform/platform.js';
import { parseEventId, startLiveStream, type LiveStream } from './live-events.js';
import type { ListQuery, Status } from './repository.js';
import {
  answersBodySchema,
  errorSchema,
  idParams,
  listQuerySchema,
  listSchema,
  responseSchema,
  statusQuery,
  summarySchema,
} from './schemas.js';
import type { AnswersInput, SurveysService } from './service.js';
import type { SurveysSettings } from './settings.js';

export const RESPONDENT_COOKIE = 'survey_respondent';
export const RESPONDENT_HEADER = 'x-survey-respondent';
/** The largest answers body: 2,000 characters of About me at 4 bytes each, and the rest. */
const ANSWERS_BODY_LIMIT = 16 * 1024;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const NO_RESPONSE = { error: 'no response' };

type Id = { Params: { id: string } };

/** Whether If-None-Match names this entity tag (weak comparison, as RFC 9110 asks for GET). */
function fresh(request: FastifyRequest, tag: string): boolean {
  const header = request.headers['if-none-match'];
  if (!header) return false;
  const bare = (t: string) => t.trim().replace(/^W\//, '');
  return header.trim() === '*' || header.split(',').some((t) => bare(t) === bare(tag));
}

export async function surveysRoutes(
  app: FastifyInstance,
  platform: Platform,
  service: SurveysService,
  settings: SurveysSettings,
): Promise<void> {
  const now = () => platform.clock.now().getTime();
  const cookie: SessionCookieOptions = {
    name: RESPONDENT_COOKIE,
    maxAgeSeconds: 365 * 86_400,
    secure: platform.config.cookieSecure,
  };
  /** The responses this request may touch: the cookie's, then the header's (the page's localStorage). */
  const respondentIds = (request: FastifyRequest): string[] => {
    const ids: string[] = [];
    const fromCookie = readSession(request, cookie, now());
    if (fromCookie && UUID.test(fromCookie)) ids.push(fromCookie);
    const header = request.headers[RESPONDENT_HEADER];
    const fromHeader = (Array.isArray(header) ? header[0] : header)?.trim().toLowerCase();
    if (fromHeader && UUID.test(fromHeader) && !ids.includes(fromHeader)) ids.push(fromHeader);
    return ids;
  };
  const owns = (request: FastifyRequest, id: string) => respondentIds(request).includes(id);
  const saveLimit = { rateLimit: { max: settings.saveRateLimit, timeWindow: '1 minute' } };

  // Pages (React, built by Vite from web/surveys/).
  app.get('/survey', { schema: { hide: true } }, (_req, reply) => reply.sendPage('surveys'));
  app.get('/dashboard', { schema: { hide: true }, preHandler: app.requireAdminPage }, (_req, reply) =>
    reply.sendPage('surveys/dashboard'),
  );

  // Respondents.
  app.post<{ Body: AnswersInput }>(
    '/api/surveys/responses',
    {
      bodyLimit: ANSWERS_BODY_LIMIT,
      // The body is optional: the page starts a response before anything is typed.
      preValidation: (request, _reply, done) => {
        request.body ??= {};
        done();
      },
      schema: {
        tags: ['surveys'],
        summary:
          'Start a response (optionally with first answers); sets the signed HttpOnly survey_respondent cookie to its id',
        body: answersBodySchema,
        response: { 201: responseSchema, 400: errorSchema },
      },
    },
    async (request, reply) => {
      const response = await service.create(request.body);
      setSession(reply, cookie, response.id, now());
      return reply.status(201).send(response);
    },
  );

  app.get(
    '/api/surveys/responses/current',
    {
      schema: {
        tags: ['surveys'],
        summary: "The respondent's response (cookie, else the X-Survey-Respondent header), to resume it",
        response: { 200: responseSchema, 404: errorSchema },
      },
    },
    async (request, reply) => {
      reply.header('cache-control', 'no-store');
      const response = await service.current(respondentIds(request));
      return response ?? reply.status(404).send(NO_RESPONSE);
    },
  );

  app.patch<Id & { Body: AnswersInput }>(
    '/api/surveys/responses/:id',
    {
      bodyLimit: ANSWERS_BODY_LIMIT,
      config: saveLimit,
      schema: {
        tags: ['surveys'],
        summary:
          "Save answers of the respondent's own response: each field set, or cleared with null; colours replaced as a set; idempotent",
        params: idParams,
        body: answersBodySchema,
        response: { 200: responseSchema, 400: errorSchema, 404: errorSchema, 409: errorSchema },
      },
    },
    async (request, reply) => {
      if (!owns(request, request.params.id)) return reply.status(404).send(NO_RESPONSE);
      return service.save(request.params.id, request.body ?? {});
    },
  );

  app.post<Id>(
    '/api/surveys/responses/:id/complete',
    {
      bodyLimit: 1024,
      schema: {
        tags: ['surveys'],
        summary:
          'Submit the response: steps 1 and 2 answered, the email not used by another completed response (409)',
        params: idParams,
        response: { 200: responseSchema, 400: errorSchema, 404: errorSchema, 409: errorSchema },
      },
    },
    async (request, reply) => {
      if (!owns(request, request.params.id)) return reply.status(404).send(NO_RESPONSE);
      return service.complete(request.params.id);
    },
  );

  // Admin.
  const hub = createSseHub(app);
  app.register(async (admin) => {
    admin.addHook('preHandler', app.requireAdmin);

    admin.get(
      '/api/surveys/summary',
      {
        schema: {
          tags: ['surveys admin'],
          summary:
            'Completed and in progress, average age, gender counts, top 3 colours, last updated; ETag (304 on If-None-Match)',
          response: { 200: summarySchema, 304: { type: 'null' } },
        },
      },
      async (request, reply) => {
        const summary = await service.summary();
        const tag = `W/"s${summary.eventId}"`;
        reply.header('cache-control', 'private, no-cache').header('etag', tag);
        return fresh(request, tag) ? reply.status(304).send() : summary;
      },
    );

    admin.get<{ Querystring: ListQuery }>(
      '/api/surveys/responses',
      {
        schema: {
          tags: ['surveys admin'],
          summary:
            'A page of responses: filter by status, sort by a column (no answer last), newest first by default; ETag (304)',
          querystring: listQuerySchema,
          response: { 200: listSchema, 304: { type: 'null' } },
        },
      },
      async (request, reply) => {
        const q = request.query;
        const key = crypto
          .createHash('sha1')
          .update(`${q.status}|${q.sort}|${q.dir}|${q.offset}|${q.limit}`)
          .digest('base64url')
          .slice(0, 12);
        const tagOf = (eventId: number) => `W/"l${eventId}-${key}"`;
        reply.header('cache-control', 'private, no-cache');
        // Every change takes a new event id, so the id names the data: no need to read the page.
        const before = tagOf(await service.lastEventId());
        if (fresh(request, before)) return reply.header('etag', before).status(304).send();
        const page = await service.list(q);
        return reply.header('etag', tagOf(page.eventId)).send(page);
      },
    );

    admin.delete<Id>(
      '/api/surveys/responses/:id',
      {
        schema: {
          tags: ['surveys admin'],
          summary: 'Delete a response',
          params: idParams,
          response: { 204: { type: 'null' }, 404: errorSchema },
        },
      },
      async (request, reply) =>
        (await service.remove(request.params.id))
          ? reply.status(204).send()
          : reply.status(404).send({ error: `response ${request.params.id} not found` }),
    );

    admin.get<{ Querystring: { status: Status } }>(
      '/api/surveys/responses.csv',
      {
        schema: {
          tags: ['surveys admin'],
          summary: 'Export the responses (with the status filter) as CSV, streamed, in creation order',
          querystring: { type: 'object', properties: statusQuery },
          produces: ['text/csv'],
        },
      },
      async (request, reply) =>
        reply
          .header('cache-control', 'no-store')
          .header('content-disposition', `attachment; filename="surveys-${request.query.status}.csv"`)
          .type('text/csv; charset=utf-8')
          .send(Readable.from(service.csv(request.query.status))),
    );

    admin.get<{ Querystring: { lastEventId?: string } }>(
      '/api/surveys/events',
      {
        schema: {
          tags: ['surveys admin'],
          summary:
            'Live events (SSE): response, deleted, summary, reset; resumes after the Last-Event-ID header (or ?lastEventId= for a first connection after a snapshot)',
          querystring: {
            type: 'object',
            properties: { lastEventId: { type: 'string', maxLength: 20 } },
          },
          produces: ['text/event-stream'],
        },
      },
      async (request, reply) => openEvents(request, reply),
    );
  });

  async function openEvents(
    request: FastifyRequest<{ Querystring: { lastEventId?: string } }>,
    reply: FastifyReply,
  ) {
    const header = request.headers['last-event-id'];
    const lastEventId = parseEventId(
      (Array.isArray(header) ? header[0] : header) ?? request.query.lastEventId,
    );
    let live: LiveStream | undefined;
    const stream = hub.open(request, reply, { retryMs: 2000, onHeartbeat: () => live?.check() });
    try {
      live = await startLiveStream({ service, bus: platform.events, stream, lastEventId });
    } catch (err) {
      request.log.warn({ err }, 'surveys: an event stream could not start');
      stream.close();
    }
  }
}
