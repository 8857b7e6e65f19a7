// The serving hot path: GET /campaigns/:campaign_id (one banner of the quarter's collection,
// rotated per visitor through a signed cookie) and GET /banners/image_:id.png. Everything a
// request needs is computed ahead (serving-index.ts); a request parses the cookie, picks a banner,
// bumps an in-memory counter and sends a ready Buffer.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { Clock } from '../../../platform/clock.js';
import { notFound } from '../../../platform/errors.js';
import { createImageStore } from './image-store.js';
import { createImpressionCounter } from './impressions.js';
import { createLiveIndex, type LiveIndex } from './live-index.js';
import { NOT_FOUND_PAGE, type PageOptions } from './page.js';
import type { CollectionsSource, ImpressionSink } from './ports.js';
import { quarterAt } from '../quarter.js';
import { nextForVisitor } from './rotation.js';
import { decodeVisitorState, encodeVisitorState } from './visitor-state.js';

export interface BannerServingOptions extends Partial<PageOptions> {
  source: CollectionsSource;
  sink: ImpressionSink;
  clock: Clock;
  log: Logger;
  /** Where image_<id>.png / image_<id>.svg live; undefined: every image is a 404. */
  imagesDir: string | undefined;
  clickUrlTemplate: string;
  /** COOKIE_SECURE: served over HTTPS, so the rotation cookie can be SameSite=None for embedding pages. */
  cookieSecure: boolean;
  /** Default 500 ms. */
  pollIntervalMs?: number;
  /** Default 5 s. */
  flushIntervalMs?: number;
  /** Default Math.random. */
  random?: () => number;
  /** How long a visitor's rotation is remembered; default 30 days. */
  cookieMaxAgeSeconds?: number;
}

export interface BannerServing {
  readonly index: LiveIndex;
  /** Hands the impressions counted so far to the sink. */
  flushImpressions(): Promise<void>;
}

/** The rotation cookie; scoped to its campaign's path, so a browser sends only the one it needs. */
export const ROTATION_COOKIE = 'banner_rotation';

const CAMPAIGN_ID = /^[1-9]\d{0,14}$/;
const IMAGE_CACHE_CONTROL = 'public, max-age=31536000';
const notFoundPage = Buffer.from(NOT_FOUND_PAGE);

/** Whether an If-None-Match header names this ETag (weak or strong, or *). */
export function etagMatches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  if (header === etag) return true;
  return header.split(',').some((t) => {
    const tag = t.trim();
    return tag === '*' || tag === etag || tag === `W/${etag}`;
  });
}

/** Registers the campaign and image routes on `app`; loads the collections before it returns. */
export async function registerBannerServing(
  app: FastifyInstance,
  options: BannerServingOptions,
): Promise<BannerServing> {
  const { clock, log } = options;
  const random = options.random ?? Math.random;
  const pageOptions: PageOptions = {
    clickUrlTemplate: options.clickUrlTemplate,
    imageWidth: options.imageWidth ?? 300,
    imageHeight: options.imageHeight ?? 250,
  };
  const images = createImageStore(options.imagesDir, log);
  const live = createLiveIndex({
    source: options.source,
    pageOptions,
    log,
    pollIntervalMs: options.pollIntervalMs ?? 500,
    onSwap: () => {
      images.rescan().catch((err: unknown) => log.warn({ err }, 'banners: could not list the images'));
    },
  });
  const counter = createImpressionCounter(options.sink, options.flushIntervalMs ?? 5000, log);
  await images.rescan();
  await live.refresh();
  live.start();
  counter.start();
  app.addHook('onClose', async () => {
    await live.close();
    await counter.close();
  });

  // Embedded in another site's iframe, a SameSite=Lax cookie would never come back: None needs HTTPS.
  const cookieAttributes =
    `; Max-Age=${options.cookieMaxAgeSeconds ?? 30 * 24 * 3600}; HttpOnly; ` +
    (options.cookieSecure ? 'SameSite=None; Secure' : 'SameSite=Lax') +
    '; Path=/campaigns/';

  // Hand-written hot path, measured by `npm run bench:banners` (bench/results/banners.json).
  const campaignPage = (
    request: FastifyRequest<{ Params: { campaign_id: string } }>,
    reply: FastifyReply,
  ) => {
    const raw = request.params.campaign_id;
    const campaign = CAMPAIGN_ID.test(raw) ? live.current.campaigns.get(Number(raw)) : undefined;
    const served = campaign?.quarters[quarterAt(clock.now()) - 1];
    if (!campaign || !served) {
      return reply
        .code(404)
        .header('content-type', 'text/html; charset=utf-8')
        .header('cache-control', 'no-store')
        .send(notFoundPage);
    }
    const ids = served.bannerIds;
    let round = 0;
    let lastId = 0;
    const cookie = request.cookies[ROTATION_COOKIE];
    if (cookie !== undefined) {
      // A cookie that fails its signature, or is not ours for this campaign: a new visitor.
      // The platform's signer (HMAC-SHA256 with the platform secret): a hand-written MAC over
      // crypto.hash measured no cheaper (~1.8 µs CPU a call either way).
      const unsigned = request.unsignCookie(cookie);
      const state =
        unsigned.valid && unsigned.value !== null ? decodeVisitorState(unsigned.value) : undefined;
      if (state && state.campaignId === campaign.campaignId) {
        lastId = state.lastBannerId;
        if (state.fingerprint === campaign.fingerprint && state.round < 2 ** campaign.universe.length) {
          round = state.round;
        } else {
          // A round over another universe (re-imported since) is void; the banner shown last still counts as seen.
          const at = campaign.universe.indexOf(lastId);
          if (at >= 0) round = 2 ** at;
        }
      }
    }
    const pick = nextForVisitor(served.positions, round, ids.indexOf(lastId), random);
    counter.count(served.impressionKeys[pick.index]!);
    const value = encodeVisitorState({
      campaignId: campaign.campaignId,
      fingerprint: campaign.fingerprint,
      round: pick.round,
      lastBannerId: ids[pick.index]!,
    });
    return reply
      .header('set-cookie', `${ROTATION_COOKIE}=${reply.signCookie(value)}${cookieAttributes}${raw}`)
      .header('content-type', 'text/html; charset=utf-8')
      .header('cache-control', 'no-store')
      .send(served.pages[pick.index]);
  };

  const campaignRoute = {
    // A page that rotates per request: a HEAD would count an impression nobody saw.
    exposeHeadRoute: false,
    // Public and read-only, and cheaper than a rate limiter's bookkeeping per request: floods are
    // the load balancer's to stop. Impression counts are statistics, not billing.
    config: { security: 'embeddable', rateLimit: false },
    schema: {
      tags: ['banners'],
      summary: "A page with one banner of the campaign's current collection, rotated per visitor",
      params: { type: 'object', properties: { campaign_id: { type: 'string' } }, required: ['campaign_id'] },
    },
  } as const;
  app.get('/campaigns/:campaign_id', campaignRoute, campaignPage);
  app.get(
    '/campaigns/:campaign_id/',
    { ...campaignRoute, schema: { ...campaignRoute.schema, hide: true } },
    campaignPage,
  );

  app.get<{ Params: { id: string } }>(
    '/banners/image_:id.png',
    {
      config: { rateLimit: false },
      schema: {
        tags: ['banners'],
        summary: 'A banner image (the type of its bytes), long cached, with an ETag',
        params: { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] },
      },
    },
    async (request, reply) => {
      const raw = request.params.id;
      const image = CAMPAIGN_ID.test(raw) ? await images.get(Number(raw)) : undefined;
      if (!image) throw notFound(`no image for banner ${raw}`);
      reply.header('etag', image.etag).header('cache-control', IMAGE_CACHE_CONTROL);
      if (etagMatches(request.headers['if-none-match'], image.etag)) return reply.code(304).send();
      return reply.header('content-type', image.contentType).send(image.bytes);
    },
  );

  return { index: live, flushImpressions: () => counter.flush() };
}
