// HTTP routes of the uptime system: the seed's machine API exactly (/echo, /trigger_report,
// /get_report), and Quintet's own under /api/uptime (the contract in the coordination notes,
// uptime-api.md). Reports are found by their random 128-bit id, which is what the seed hands out
// to whoever triggered one, so a report's status, CSV and rows need no login; listing reports,
// stores, imports and triggering through /api/uptime are the admin's.
import crypto from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { badInput } from '../../platform/errors.js';
import { isCrossSite } from '../../platform/http/cross-site.js';
import type { Platform } from '../../platform/platform.js';
import { reportCsvKey } from './artifact-keys.js';
import { MAX_POLLS_PER_REQUEST } from './import.js';
import {
  MAX_ROWS_LIMIT,
  reportCsvUrl,
  type ReportView,
  type RowsQuery,
  type UptimeService,
} from './service.js';
import type { UptimeSettings } from './settings.js';
import { acceptMultipartStreams, isMultipart } from '../../platform/http/multipart.js';
import { receiveImport } from './upload.js';

const errorSchema = { type: 'object', properties: { error: { type: 'string' } } } as const;
const nullableString = { type: ['string', 'null'] } as const;
const nullableInt = { type: ['integer', 'null'] } as const;
const reportSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    status: { type: 'string', enum: ['queued', 'running', 'complete', 'failed'] },
    progress: { type: 'integer' },
    now: nullableString,
    createdAt: { type: 'string' },
    startedAt: nullableString,
    finishedAt: nullableString,
    durationMs: nullableInt,
    stores: nullableInt,
    pollsRead: nullableInt,
    error: nullableString,
    csvUrl: nullableString,
  },
} as const;
const figureProps = {
  uptime_last_hour: { type: 'number' },
  uptime_last_day: { type: 'number' },
  uptime_last_week: { type: 'number' },
  downtime_last_hour: { type: 'number' },
  downtime_last_day: { type: 'number' },
  downtime_last_week: { type: 'number' },
} as const;
const interval = {
  type: 'object',
  properties: { start: { type: 'string' }, end: { type: 'string' } },
} as const;
const storeDetailSchema = {
  type: 'object',
  properties: {
    store_id: { type: 'string' },
    timezone: { type: 'string' },
    timezoneDefaulted: { type: 'boolean' },
    hours: {
      type: 'array',
      items: {
        type: 'object',
        properties: { dayOfWeek: { type: 'integer' }, start: { type: 'string' }, end: { type: 'string' } },
      },
    },
    now: { type: 'string' },
    figures: { type: 'object', properties: figureProps },
    timeline: {
      type: 'object',
      properties: {
        from: { type: 'string' },
        to: { type: 'string' },
        business: { type: 'array', items: interval },
        polls: {
          type: 'array',
          items: {
            type: 'object',
            properties: {
              at: { type: 'string' },
              status: { type: 'string' },
              inBusinessHours: { type: 'boolean' },
            },
          },
        },
        periods: {
          type: 'array',
          items: { type: 'object', properties: { ...interval.properties, status: { type: 'string' } } },
        },
      },
    },
  },
} as const;
const ingestSchema = {
  type: 'object',
  properties: {
    stored: { type: 'integer' },
    duplicates: { type: 'integer' },
    rejected: {
      type: 'array',
      items: { type: 'object', properties: { index: { type: 'integer' }, reason: { type: 'string' } } },
    },
  },
} as const;
// No maxLength: any id that is not a report id, however long, is a report that does not exist (404).
const idParams = { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] } as const;

/** Bytes a poll takes as JSON, generously: the body limit of `POST /api/uptime/polls`. */
const POLL_JSON_BYTES = 300;

/** The polls of a `POST /api/uptime/polls` body: an array, or an object with an array `polls`. */
function pollsOf(body: unknown): unknown[] {
  if (Array.isArray(body)) return body;
  const polls = (body as { polls?: unknown } | null)?.polls;
  if (Array.isArray(polls)) return polls;
  throw badInput('send a JSON array of polls, or {"polls": [...]}, each {store_id, status, timestamp_utc}');
}

function safeEqual(a: string, b: string): boolean {
  const x = crypto.createHash('sha256').update(a).digest();
  const y = crypto.createHash('sha256').update(b).digest();
  return crypto.timingSafeEqual(x, y);
}

export async function uptimeRoutes(
  app: FastifyInstance,
  platform: Platform,
  settings: UptimeSettings,
  service: UptimeService,
): Promise<void> {
  acceptMultipartStreams(app); // imports are read as streams (upload.ts)
  const machineRate = { max: platform.config.publicWriteRateLimit, timeWindow: '1 minute' };
  // Polled while a report runs: more generous than triggering one.
  const pollRate = { max: platform.config.publicWriteRateLimit * 10, timeWindow: '1 minute' };

  app.get('/uptime', { schema: { hide: true }, preHandler: app.requireAdminPage }, (_request, reply) =>
    reply.sendPage('uptime'),
  );

  // ---- The seed's API, exactly --------------------------------------------------------------
  app.get<{ Params: { message: string } }>(
    '/echo/:message',
    {
      schema: {
        tags: ['uptime (seed API)'],
        summary: 'Returns the message (as a JSON string, like the original)',
        params: { type: 'object', properties: { message: { type: 'string' } }, required: ['message'] },
        response: { 200: { type: 'string' } },
      },
    },
    async (request, reply) =>
      reply.type('application/json; charset=utf-8').send(JSON.stringify(request.params.message)),
  );

  app.route({
    method: ['GET', 'POST'],
    url: '/trigger_report',
    // A machine API without cookies: no CSRF token; rate-limited per client address.
    config: { csrf: false, rateLimit: machineRate },
    // It uses no cookie, but a page on another site must not make its visitors' browsers start
    // reports (the seed's GET cannot carry a token): refused as diffing's seed GET is.
    preHandler: async (request, reply) => {
      if (isCrossSite(request))
        await reply.status(403).send({
          error:
            'refused: a report was requested from another site. Open the link directly, or call it from a script',
        });
    },
    schema: {
      tags: ['uptime (seed API)'],
      summary: 'Start a report at the latest poll; poll /get_report with the id',
      response: { 200: { type: 'object', properties: { report_id: { type: 'string' } } }, 403: errorSchema },
    },
    handler: async () => ({ report_id: (await service.createReport()).id }),
  });

  app.get<{ Querystring: { report_id?: string } }>(
    '/get_report',
    {
      config: { rateLimit: pollRate },
      schema: {
        tags: ['uptime (seed API)'],
        summary:
          'Running, Complete with the CSV URL (or the CSV itself for Accept: text/csv), or Failed with the error',
        querystring: { type: 'object', properties: { report_id: { type: 'string' } } },
        produces: ['application/json', 'text/csv'],
        response: {
          200: {
            type: 'object',
            properties: { status: { type: 'string' }, url: { type: 'string' }, error: { type: 'string' } },
          },
          400: errorSchema,
          404: errorSchema,
        },
      },
    },
    async (request, reply) => {
      const id = request.query.report_id?.trim();
      if (!id) return reply.status(400).send({ error: 'report_id is required' });
      const report = await service.report(id);
      if (!report) return reply.status(404).send({ error: 'report not found' });
      reply.header('cache-control', 'no-store');
      if (report.status === 'failed') return { status: 'Failed', error: report.error ?? 'failed' };
      if (report.status !== 'complete') return { status: 'Running' };
      if (wantsCsv(request)) return sendCsv(report.id, reply);
      // With S3 results, a presigned link straight to the bucket (as the seed's did); else ours.
      const presigned = await platform.artifacts.downloadUrl(reportCsvKey(report.id), {
        fileName: `uptime-report-${report.id}.csv`,
        expiresInSeconds: 3600,
      });
      return {
        status: 'Complete',
        url: presigned ?? `${request.protocol}://${request.host}${reportCsvUrl(report.id)}`,
      };
    },
  );

  // ---- Quintet's API -------------------------------------------------------------------------
  app.post<{ Body: { now?: string } | undefined }>(
    '/api/uptime/reports',
    {
      preHandler: app.requireAdmin,
      schema: {
        tags: ['uptime'],
        summary: 'Start a report at `now` (default: the latest poll)',
        body: {
          type: ['object', 'null'],
          properties: { now: { type: 'string', maxLength: 64 } },
          additionalProperties: false,
        },
        response: { 202: reportSchema, 400: errorSchema, 401: errorSchema },
      },
    },
    async (request, reply) => reply.status(202).send(await service.createReport(request.body?.now)),
  );

  app.get(
    '/api/uptime/reports',
    {
      preHandler: app.requireAdmin,
      schema: {
        tags: ['uptime'],
        summary: 'The 20 latest reports, newest first',
        response: {
          200: { type: 'object', properties: { reports: { type: 'array', items: reportSchema } } },
          401: errorSchema,
        },
      },
    },
    async (_request, reply) => {
      reply.header('cache-control', 'no-store');
      return { reports: await service.recent() };
    },
  );

  app.get<{ Params: { id: string } }>(
    '/api/uptime/reports/:id',
    {
      schema: {
        tags: ['uptime'],
        summary: 'A report (id) or its CSV (id.csv: 409 until complete)',
        params: idParams,
        produces: ['application/json', 'text/csv'],
        response: { 200: reportSchema, 404: errorSchema, 409: errorSchema },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      if (id.endsWith('.csv')) return sendCsv(id.slice(0, -4), reply);
      const report = await service.report(id);
      if (!report) return reply.status(404).send({ error: 'report not found' });
      reply.header('cache-control', 'no-store');
      return report satisfies ReportView;
    },
  );

  app.get<{ Params: { id: string }; Querystring: RowsQuery }>(
    '/api/uptime/reports/:id/rows',
    {
      schema: {
        tags: ['uptime'],
        summary: `A page of a complete report's rows: filter by store id (q), sort by any column, at most ${MAX_ROWS_LIMIT} a page`,
        params: idParams,
        querystring: {
          type: 'object',
          properties: {
            sort: { type: 'string' },
            dir: { type: 'string' },
            q: { type: 'string', maxLength: 200 },
            offset: { type: 'string' },
            limit: { type: 'string' },
          },
        },
        response: {
          200: {
            type: 'object',
            properties: {
              total: { type: 'integer' },
              offset: { type: 'integer' },
              limit: { type: 'integer' },
              totals: { type: 'object', properties: { stores: { type: 'integer' }, ...figureProps } },
              rows: {
                type: 'array',
                items: { type: 'object', properties: { store_id: { type: 'string' }, ...figureProps } },
              },
            },
          },
          400: errorSchema,
          404: errorSchema,
          409: errorSchema,
        },
      },
    },
    async (request) => service.rows(request.params.id, request.query),
  );

  app.get<{ Querystring: { q?: string; limit?: number } }>(
    '/api/uptime/stores',
    {
      preHandler: app.requireAdmin,
      schema: {
        tags: ['uptime'],
        summary: 'Stores whose id contains q, with their poll counts',
        querystring: {
          type: 'object',
          properties: {
            q: { type: 'string', maxLength: 200 },
            limit: { type: 'integer', minimum: 1, maximum: 100, default: 20 },
          },
        },
        response: {
          200: {
            type: 'object',
            properties: {
              stores: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: { store_id: { type: 'string' }, polls: { type: 'integer' } },
                },
              },
            },
          },
          401: errorSchema,
        },
      },
    },
    async (request) => ({
      stores: await service.searchStores(request.query.q ?? '', request.query.limit ?? 20),
    }),
  );

  app.get<{ Params: { storeId: string }; Querystring: { now?: string } }>(
    '/api/uptime/stores/:storeId',
    {
      preHandler: app.requireAdmin,
      schema: {
        tags: ['uptime'],
        summary:
          "A store's hours, timezone, report figures and week timeline at now (default: the latest poll)",
        params: { type: 'object', properties: { storeId: { type: 'string' } }, required: ['storeId'] },
        querystring: { type: 'object', properties: { now: { type: 'string', maxLength: 64 } } },
        response: { 200: storeDetailSchema, 400: errorSchema, 401: errorSchema, 404: errorSchema },
      },
    },
    async (request) => service.store(request.params.storeId, request.query.now),
  );

  app.post(
    '/api/uptime/import',
    {
      preHandler: app.requireAdmin,
      schema: {
        tags: ['uptime'],
        summary: `Import CSV files (multipart fields status, hours, timezones; any of them; at most ${Math.round(settings.uploadMaxBytes / 2 ** 20)} MB each)`,
        consumes: ['multipart/form-data'],
      },
    },
    async (request, reply) => {
      if (!isMultipart(request))
        return reply
          .status(400)
          .send({ error: 'send multipart/form-data with files status, hours, timezones' });
      const upload = await receiveImport(request, platform.artifacts, settings.uploadMaxBytes);
      try {
        return await service.importFiles(upload.sources);
      } finally {
        await upload.remove();
      }
    },
  );

  // The live feed: the admin (session + CSRF) or a feeder with the ingest token (no cookie, so no CSRF).
  const ingestAuth = async (request: FastifyRequest, reply: FastifyReply) => {
    const auth = request.headers.authorization;
    if (auth !== undefined) {
      const token = /^Bearer\s+(.+)$/i.exec(auth)?.[1]?.trim();
      if (
        settings.ingestToken === undefined ||
        token === undefined ||
        !safeEqual(token, settings.ingestToken)
      )
        return reply.status(401).send({ error: 'wrong or unknown ingest token' });
      return;
    }
    if (!(await app.isAdmin(request)))
      return reply
        .status(401)
        .send({ error: 'admin login or an Authorization: Bearer token (UPTIME_INGEST_TOKEN) required' });
    await new Promise<void>((resolve, reject) =>
      app.csrfProtection(request, reply, (err?: Error) => (err ? reject(err) : resolve())),
    );
  };
  app.post<{ Body: unknown }>(
    '/api/uptime/polls',
    {
      config: { csrf: false }, // checked in ingestAuth for the cookie path
      bodyLimit: MAX_POLLS_PER_REQUEST * POLL_JSON_BYTES,
      preValidation: ingestAuth,
      schema: {
        tags: ['uptime'],
        summary: `Append up to ${MAX_POLLS_PER_REQUEST} polls ({store_id, status, timestamp_utc}), as an array or {"polls": [...]}`,
        // Checked by pollsOf and the service (not here), so that a refusal names what is wrong in words.
        body: { type: ['array', 'object'] },
        response: {
          200: ingestSchema,
          400: errorSchema,
          401: errorSchema,
          403: errorSchema,
          413: errorSchema,
        },
      },
    },
    async (request) => service.ingest(pollsOf(request.body)),
  );

  function wantsCsv(request: FastifyRequest): boolean {
    const accept = request.headers.accept ?? '';
    return /(^|,)\s*text\/csv\b/i.test(accept);
  }

  async function sendCsv(id: string, reply: FastifyReply) {
    const csv = await service.openCsv(id);
    return reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="${csv.filename}"`)
      .header('content-length', csv.size)
      .send(csv.stream);
  }
}
