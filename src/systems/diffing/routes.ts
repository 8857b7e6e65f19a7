// HTTP routes of the diffing system: the seed's API exactly, plus uploads, listing and the page.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isAutoId } from '../../platform/db/schema.js';
import { isCrossSite } from '../../platform/http/cross-site.js';
import type { Platform } from '../../platform/platform.js';
import { ArtifactNotFoundError } from '../../platform/storage/artifact-store.js';
import { DiffingAccess } from './access.js';
import type { DiffingService, DiffJobView, JobReader } from './service.js';
import type { DiffingSettings } from './settings.js';
import { acceptMultipartStreams, isMultipart } from '../../platform/http/multipart.js';
import {
  PREVIEW_DEFAULT_ROWS,
  PREVIEW_FIELD_CHARS,
  PREVIEW_MAX_ROWS,
  PREVIEW_SEARCH_ROWS,
  type PreviewAnswer,
} from './preview.js';
import { receiveUpload } from './upload.js';

const errorSchema = { type: 'object', properties: { error: { type: 'string' } } } as const;
const nullableInt = { type: ['integer', 'null'] } as const;
const jobStatusSchema = {
  type: 'object',
  properties: {
    job_id: { type: 'integer' },
    status: { type: 'string', enum: ['queued', 'processing', 'done', 'failed'] },
    progress: { type: 'integer' },
    metric: { type: ['string', 'null'] },
    keys: { type: 'array', items: { type: 'string' } },
    value: { type: 'string' },
    source: { type: 'string' },
    old_name: { type: 'string' },
    new_name: { type: 'string' },
    attempts: { type: 'integer' },
    rows_read: { type: 'object', properties: { old: nullableInt, new: nullableInt } },
    rows_out: nullableInt,
    new: nullableInt,
    changed: nullableInt,
    unchanged: nullableInt,
    deleted: nullableInt,
    duplicate_keys: { type: 'object', properties: { old: nullableInt, new: nullableInt } },
    warnings: { type: 'array', items: { type: 'string' } },
    partitions: nullableInt,
    duration_ms: nullableInt,
    peak_memory_bytes: nullableInt,
    error: { type: ['string', 'null'] },
    created_at: { type: 'string' },
    started_at: { type: ['string', 'null'] },
    finished_at: { type: ['string', 'null'] },
  },
} as const;
const jobIdSchema = { type: 'object', properties: { job_id: { type: 'integer' } } } as const;
const pendingSchema = {
  description: 'The job is queued or running',
  type: 'object',
  properties: {
    job_id: { type: 'integer' },
    status: { type: 'string' },
    progress: { type: 'integer' },
    error: { type: 'string' },
  },
} as const;
const failedSchema = {
  description: 'The job failed',
  type: 'object',
  properties: { job_id: { type: 'integer' }, status: { type: 'string' }, error: { type: 'string' } },
} as const;
// No maxLength: any id that is not a job id, however long, is a job that does not exist (404, not 400).
const idParams = { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] } as const;

type IdRequest = { Params: { id: string } };

/** Job ids are positive integers within the id column's range; anything else is a job that does not exist. */
function parseId(raw: string): number | undefined {
  if (!/^[1-9]\d{0,9}$/.test(raw)) return undefined;
  const id = Number(raw);
  return isAutoId(id) ? id : undefined;
}

export async function diffingRoutes(
  app: FastifyInstance,
  platform: Platform,
  settings: DiffingSettings,
  service: DiffingService,
): Promise<void> {
  // Uploads are read as a stream by receiveUpload (upload.ts), not by a body parser.
  acceptMultipartStreams(app);
  const access = new DiffingAccess(app, settings.apiTokens, {
    secure: platform.config.cookieSecure,
    maxAgeSeconds: platform.config.jobRetentionDays * 86_400,
  });
  const guard = access.guard;
  /** Rate limit and queue cap, before anything is read or received. */
  const admit = async (request: FastifyRequest) => service.admit((await access.caller(request)).client);
  /** The seed's GET starts a job: refused when another site sends a browser there (no CSRF token guards a GET). */
  const refuseCrossSite = async (request: FastifyRequest, reply: FastifyReply) => {
    if (isCrossSite(request))
      await reply.status(403).send({
        error: 'refused: a diff was requested from another site. Open the link directly, or POST it',
      });
  };
  /** Posted with a valid API token, or with the CSRF token like every other browser write. */
  // The guard (API token or session) runs before validation, so a caller without access learns
  // nothing about the parameters (401, not 400).
  const postConfig = { config: { csrf: false }, preValidation: [guard, access.csrfUnlessToken] };

  // Retention is the scheduled job diffing.retention (retention-job.ts).

  app.get('/diffing', { schema: { hide: true } }, (_request, reply) => reply.sendPage('diffing'));

  app.get(
    '/api/diffing/metrics',
    {
      schema: {
        tags: ['diffing'],
        summary:
          'Known metrics, their key and value columns, and whether their files are in the data directory',
        response: {
          200: {
            type: 'object',
            properties: {
              metrics: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    id: { type: 'string' },
                    aliases: { type: 'array', items: { type: 'string' } },
                    keys: { type: 'array', items: { type: 'string' } },
                    value: { type: 'string' },
                    files: {
                      type: 'object',
                      properties: {
                        old: { type: 'string' },
                        new: { type: 'string' },
                        available: { type: 'boolean' },
                      },
                    },
                  },
                },
              },
            },
          },
        },
      },
    },
    async () => ({ metrics: service.listMetrics() }),
  );

  const createFromMetric = async (request: FastifyRequest<{ Params: { metric_id: string } }>) => {
    const { client } = await access.caller(request);
    const job = await service.createMetricJob(request.params.metric_id, { client, owner: null });
    return { job_id: job.job_id };
  };
  const newJobSchema = (method: string) => ({
    tags: ['diffing'],
    summary: `Start a diff of <metric>_old.csv against <metric>_new.csv from DIFFING_DATA_DIR (${method})`,
    params: {
      type: 'object',
      properties: { metric_id: { type: 'string', maxLength: 100 } },
      required: ['metric_id'],
    },
    response: { 200: jobIdSchema, 400: errorSchema, 401: errorSchema, 403: errorSchema, 429: errorSchema },
  });
  app.get<{ Params: { metric_id: string } }>(
    '/api/diffing/new/:metric_id',
    {
      schema: newJobSchema('GET, as in the original API'),
      preValidation: guard,
      preHandler: [refuseCrossSite, admit],
    },
    createFromMetric,
  );
  app.post<{ Params: { metric_id: string } }>(
    '/api/diffing/new/:metric_id',
    {
      ...postConfig,
      schema: newJobSchema('POST, with the CSRF token or an API token'),
      preHandler: admit,
    },
    createFromMetric,
  );

  app.get<IdRequest>(
    '/api/diffing/job/:id',
    {
      preValidation: guard,
      schema: {
        tags: ['diffing'],
        summary: 'The diff as CSV once done; 404 with the status while queued or processing; 500 when failed',
        params: idParams,
        produces: ['text/csv', 'application/json'],
        response: {
          200: { description: 'The new file header, then every new or changed row', type: 'string' },
          404: pendingSchema,
          500: failedSchema,
        },
      },
    },
    async (request, reply) => {
      const job = await findOr404(request, reply);
      if (!job) return reply;
      return sendResult(job, 'diff', reply);
    },
  );

  app.get<IdRequest>(
    '/api/diffing/job/:id/deleted',
    {
      preValidation: guard,
      schema: {
        tags: ['diffing'],
        summary: 'The rows only in the old file, as CSV (same statuses as the diff)',
        params: idParams,
        produces: ['text/csv', 'application/json'],
        response: { 200: { type: 'string' }, 404: pendingSchema, 500: failedSchema },
      },
    },
    async (request, reply) => {
      const job = await findOr404(request, reply);
      if (!job) return reply;
      return sendResult(job, 'deleted', reply);
    },
  );

  const rowSchema = { type: 'array', items: { type: 'string' } } as const;
  const previewPart = (what: string, rows: object) => ({
    type: 'object',
    description: what,
    properties: {
      total: { type: 'integer', description: 'How many the diff has' },
      rows,
    },
  });
  app.get<IdRequest & { Querystring: { limit?: number } }>(
    '/api/diffing/job/:id/preview',
    {
      preValidation: guard,
      schema: {
        tags: ['diffing'],
        summary:
          'A finished job’s first new rows, first changed rows (with the old value beside the new one) and first deleted rows, in the key and value columns',
        description: `Read by the same callers as the diff. Fields longer than ${PREVIEW_FIELD_CHARS} characters are cut, ending in "…". New and changed rows are looked for among the diff's first ${PREVIEW_SEARCH_ROWS.toLocaleString('en')} rows (\`searched\`), so a rare kind further down may show fewer rows than \`limit\` and \`total\` allow. 409 while the job is queued, running or failed.`,
        params: idParams,
        querystring: {
          type: 'object',
          properties: {
            limit: {
              type: 'integer',
              minimum: 1,
              maximum: PREVIEW_MAX_ROWS,
              default: PREVIEW_DEFAULT_ROWS,
              description: 'Rows of each kind',
            },
          },
        },
        response: {
          200: {
            type: 'object',
            properties: {
              job_id: { type: 'integer' },
              limit: { type: 'integer' },
              columns: { ...rowSchema, description: 'The key columns, then the value column' },
              searched: { type: 'integer', description: 'How many of the diff’s first rows were sorted' },
              new: previewPart('Rows whose key is not in the old file', { type: 'array', items: rowSchema }),
              changed: previewPart('Rows whose value changed', {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    values: { ...rowSchema, description: 'The new file’s row: the new value last' },
                    old_value: { type: 'string' },
                  },
                },
              }),
              deleted: previewPart('Rows only in the old file', { type: 'array', items: rowSchema }),
            },
          },
          400: errorSchema,
          401: errorSchema,
          404: errorSchema,
          409: { ...pendingSchema, description: 'The job is queued, running or failed' },
        },
      },
    },
    async (request, reply) => {
      const job = await findOr404(request, reply);
      if (!job) return reply;
      if (job.status !== 'done') {
        const error =
          job.status === 'failed'
            ? `job ${job.job_id} failed, so it has no preview: ${job.error ?? 'no reason was given'}`
            : `job ${job.job_id} is ${job.status === 'queued' ? 'queued' : 'running'}: its preview is ready when it is done`;
        return reply
          .status(409)
          .send({ error, job_id: job.job_id, status: job.status, progress: job.progress });
      }
      const limit = request.query.limit ?? PREVIEW_DEFAULT_ROWS;
      const preview = await service.preview(job.job_id, limit).catch((err: unknown) => {
        if (err instanceof ArtifactNotFoundError) return null; // removed by the artifact sweep (see sendResult)
        throw err;
      });
      if (preview === null) return reply.status(404).send({ error: 'job not found' });
      if (preview === undefined)
        return reply.status(404).send({
          error: `job ${job.job_id} has no preview (it finished before previews were kept, or its preview could not be made): download its diff`,
        });
      reply.header('cache-control', 'no-store');
      const answer: PreviewAnswer = {
        job_id: job.job_id,
        limit,
        columns: preview.columns,
        searched: preview.searched,
        new: { total: job.new ?? 0, rows: preview.new },
        changed: { total: job.changed ?? 0, rows: preview.changed },
        deleted: { total: job.deleted ?? 0, rows: preview.deleted },
      };
      return answer;
    },
  );

  app.get<IdRequest>(
    '/api/diffing/job/:id/status',
    {
      preValidation: guard,
      schema: {
        tags: ['diffing'],
        summary: 'Status, progress and figures of a job (always JSON)',
        params: idParams,
        response: { 200: jobStatusSchema, 404: errorSchema },
      },
    },
    async (request, reply) => {
      const job = await findOr404(request, reply);
      if (!job) return reply;
      reply.header('cache-control', 'no-store');
      return job;
    },
  );

  app.get<{ Querystring: { limit?: number } }>(
    '/api/diffing/jobs',
    {
      preValidation: guard,
      schema: {
        tags: ['diffing'],
        summary: 'Recent jobs, newest first',
        querystring: {
          type: 'object',
          properties: { limit: { type: 'integer', minimum: 1, maximum: 200, default: 20 } },
        },
        response: {
          200: { type: 'object', properties: { jobs: { type: 'array', items: jobStatusSchema } } },
        },
      },
    },
    async (request, reply) => {
      reply.header('cache-control', 'no-store');
      return { jobs: await service.recent(request.query.limit ?? 20, await access.caller(request)) };
    },
  );

  app.post(
    '/api/diffing/jobs',
    {
      ...postConfig,
      preHandler: admit,
      schema: {
        tags: ['diffing'],
        summary: `Upload two CSV files (multipart fields "old" and "new", at most ${Math.round(settings.uploadMaxBytes / 2 ** 20)} MB each) with "metric", or "keys" (comma-separated) and "value"`,
        consumes: ['multipart/form-data'],
        response: {
          201: jobIdSchema,
          400: errorSchema,
          401: errorSchema,
          413: errorSchema,
          429: errorSchema,
        },
      },
    },
    async (request, reply) => {
      if (!isMultipart(request))
        return reply.status(400).send({ error: 'send multipart/form-data with files "old" and "new"' });
      const upload = await receiveUpload(request, platform.artifacts, settings.uploadMaxBytes);
      // A request the service refuses (an unknown metric, a missing column) leaves no files behind.
      const origin = access.uploadOrigin(request, reply, await access.caller(request));
      const job = await service
        .createUploadJob(upload.inputs, upload.spec, origin)
        .catch(async (err: unknown) => {
          await upload.remove();
          throw err;
        });
      return reply.status(201).send({ job_id: job.job_id });
    },
  );

  /** The job, or a 404 when there is none or it is another caller's upload (so ids tell nothing). */
  async function findOr404(
    request: FastifyRequest<IdRequest>,
    reply: FastifyReply,
  ): Promise<DiffJobView | undefined> {
    const id = parseId(request.params.id);
    const reader: JobReader = await access.caller(request);
    const job = id === undefined ? undefined : await service.status(id, reader);
    if (!job) await reply.status(404).send({ error: 'job not found' });
    return job;
  }

  async function sendResult(job: DiffJobView, which: 'diff' | 'deleted', reply: FastifyReply) {
    if (job.status === 'failed')
      return reply.status(500).send({ job_id: job.job_id, status: 'failed', error: job.error ?? 'failed' });
    if (job.status !== 'done') {
      const status = job.status === 'queued' ? 'queued' : 'processing';
      return reply.status(404).send({ job_id: job.job_id, status, progress: job.progress });
    }
    let result: Awaited<ReturnType<DiffingService['openResult']>>;
    try {
      result = await service.openResult(job.job_id, which);
    } catch (err) {
      // The queue's artifact sweep (by file age) can remove a result shortly before the hourly
      // retention sweep removes its job: the job is gone, not broken.
      if (err instanceof ArtifactNotFoundError) return reply.status(404).send({ error: 'job not found' });
      throw err;
    }
    return reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="${result.filename}"`)
      .header('content-length', result.size)
      .send(result.stream);
  }
}
