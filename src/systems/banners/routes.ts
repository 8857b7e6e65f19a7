// HTTP routes of the banners system's data side: collections and campaigns (public JSON), the
// import (admin) and the admin page. The campaign pages and images are served by serving/.
import type { FastifyInstance } from 'fastify';
import { badInput } from '../../platform/errors.js';
import { acceptMultipartStreams, isMultipart } from '../../platform/http/multipart.js';
import type { Platform } from '../../platform/platform.js';
import { receiveDataset, UPLOAD_HINT } from './import/upload.js';
import { requireQuarter } from './quarter.js';
import { quarterImportView, type BannersService } from './service.js';
import type { BannersSettings } from './settings.js';

const errorSchema = { type: 'object', properties: { error: { type: 'string' } } } as const;
const issues = {
  type: 'array',
  items: { type: 'object', properties: { line: { type: 'integer' }, reason: { type: 'string' } } },
} as const;
const collectionSchema = {
  type: 'object',
  properties: {
    campaign_id: { type: 'integer' },
    quarter: { type: 'integer' },
    rule: { type: 'string', enum: ['revenue_top10', 'revenue_top_x', 'revenue_then_clicks', 'clicks_top5'] },
    banners: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          banner_id: { type: 'integer' },
          revenue: { type: 'number', description: 'sum of the conversions revenue, currency units' },
          conversions: { type: 'integer' },
          clicks: { type: 'integer' },
          pick: { type: 'string', enum: ['revenue', 'clicks', 'random'] },
        },
      },
    },
  },
} as const;
const importFileSchema = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    file: { type: 'string' },
    quarter: { type: 'integer' },
    kind: { type: 'string' },
    status: { type: 'string', enum: ['loaded', 'duplicate', 'failed'] },
    size_bytes: { type: 'integer' },
    rows_read: { type: 'integer' },
    rows_loaded: { type: 'integer' },
    rows_skipped: { type: 'integer' },
    rows_rejected: { type: 'integer' },
    warnings: { type: 'integer' },
    rejected_examples: issues,
    warning_examples: issues,
    error: { type: ['string', 'null'] },
    imported_at: { type: 'string' },
  },
} as const;
const rebuiltSchema = {
  type: ['object', 'null'],
  properties: {
    campaigns: { type: 'integer' },
    version: { type: 'integer' },
    rules: { type: 'object', additionalProperties: { type: 'integer' } },
  },
} as const;

/** Campaign ids are whole numbers; anything else is a malformed id. */
function campaignId(raw: string): number {
  if (!/^\d{1,15}$/.test(raw))
    throw badInput(`campaign id must be a whole number, got "${raw.slice(0, 40)}"`);
  return Number(raw);
}

export async function bannersRoutes(
  app: FastifyInstance,
  platform: Platform,
  settings: BannersSettings,
  service: BannersService,
): Promise<void> {
  acceptMultipartStreams(app); // imports are read as streams (import/upload.ts)

  for (const url of ['/banners/admin', '/banners/admin/']) {
    app.get(url, { schema: { hide: true }, preHandler: app.requireAdminPage }, (_req, reply) =>
      reply.sendPage('banners/admin'),
    );
  }

  app.get(
    '/api/banners/campaigns',
    {
      schema: {
        tags: ['banners'],
        summary: 'Every campaign with a collection, and the quarters it has one in',
        response: {
          200: {
            type: 'object',
            properties: {
              campaigns: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    campaign_id: { type: 'integer' },
                    quarters: {
                      type: 'array',
                      items: {
                        type: 'object',
                        properties: { quarter: { type: 'integer' }, banners: { type: 'integer' } },
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
    async () => ({ campaigns: await service.campaigns() }),
  );

  app.get<{ Params: { id: string }; Querystring: { quarter?: string } }>(
    '/api/banners/campaigns/:id/collection',
    {
      schema: {
        tags: ['banners'],
        summary:
          "A campaign's collection in a quarter (1–4; omitted: the current quarter of the hour, UTC), banners in rank order",
        params: { type: 'object', properties: { id: { type: 'string', maxLength: 100 } }, required: ['id'] },
        querystring: { type: 'object', properties: { quarter: { type: 'string', maxLength: 20 } } },
        response: { 200: collectionSchema, 400: errorSchema, 404: errorSchema },
      },
    },
    async (request) => {
      const id = campaignId(request.params.id);
      const raw = request.query.quarter;
      const quarter = raw === undefined ? undefined : requireQuarter(raw);
      return service.collection(id, quarter);
    },
  );

  app.register(async (admin) => {
    admin.addHook('preHandler', app.requireAdmin);

    admin.get(
      '/api/banners/admin/overview',
      {
        schema: {
          tags: ['banners admin'],
          summary: 'Every collection, the imports (newest first) and the impressions served per banner',
          response: {
            200: {
              type: 'object',
              properties: {
                version: { type: 'integer' },
                current_quarter: { type: 'integer' },
                collections: { type: 'array', items: collectionSchema },
                imports: { type: 'array', items: importFileSchema },
                served: {
                  type: 'array',
                  items: {
                    type: 'object',
                    properties: {
                      campaign_id: { type: 'integer' },
                      banner_id: { type: 'integer' },
                      served: { type: 'integer' },
                    },
                  },
                },
              },
            },
          },
        },
      },
      async (_request, reply) => {
        reply.header('cache-control', 'no-store');
        return service.adminOverview();
      },
    );

    admin.post(
      '/api/banners/import',
      {
        schema: {
          tags: ['banners admin'],
          summary: `Import a quarter's dataset: multipart with "quarter" (1–4), optionally "replace" (true: replace the quarter's dataset instead of adding to it), and the files "impressions", "clicks", "conversions" (any of them; at most ${Math.round(settings.uploadMaxBytes / 2 ** 20)} MB each)`,
          consumes: ['multipart/form-data'],
          response: {
            200: {
              type: 'object',
              properties: {
                quarter: { type: 'integer' },
                files: { type: 'array', items: importFileSchema },
                collections: rebuiltSchema,
              },
            },
            400: errorSchema,
            413: errorSchema,
          },
        },
      },
      async (request, reply) => {
        if (!isMultipart(request))
          return reply.status(400).send({ error: `send multipart/form-data: ${UPLOAD_HINT}` });
        const upload = await receiveDataset(request, platform.artifacts, settings.uploadMaxBytes);
        try {
          return quarterImportView(
            await service.importQuarter(upload.quarter, upload.files, { replace: upload.replace }),
          );
        } finally {
          await upload.remove();
        }
      },
    );
  });
}
