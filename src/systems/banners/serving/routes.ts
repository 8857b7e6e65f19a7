// The serving hot path: GET /campaigns/:campaign_id (one banner of the quarter's collection,
// rotated per visitor through a signed cookie) and GET /banners/image_:id.png. Everything a
// request needs is computed ahead (serving-index.ts); a request reads the cookie, picks a banner,
// bumps an in-memory counter and sends a ready page behind a ready head.
import type { FastifyInstance, FastifyReply, FastifyRequest, SignerMethods } from 'fastify';
import type { Logger } from 'pino';
import type { Clock } from '../../../platform/clock.js';
import { notFound } from '../../../platform/errors.js';
import { createImageStore } from './image-store.js';
import { createImpressionCounter } from './impressions.js';
import {
  flatSetCookie,
  known,
  keepSetCookie,
  keptSetCookie,
  knownState,
  ROTATION_COOKIE,
  ROTATION_PREFIX,
} from './kept-cookies.js';
import { createLiveIndex, type LiveIndex } from './live-index.js';
import { NOT_FOUND_PAGE, type PageOptions } from './page.js';
import { endWithHead, headBlockWorks, headerLines } from './response-head.js';
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

export { ROTATION_COOKIE };

const CAMPAIGN_ID = /^[1-9]\d{0,14}$/;
const CAMPAIGNS_PREFIX = '/campaigns/';
/** Where the Set-Cookie value goes in the campaign page's ready header lines. */
const COOKIE_MARK = '<set-cookie>';

/** A Cookie header holding the rotation cookie alone, in the characters a signed value has. */
const ROTATION_ONLY = new RegExp(`^${ROTATION_COOKIE}=([\\w.+/=-]*)$`);
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

/**
 * The rotation cookie in a Cookie header, as @fastify/cookie would parse it. The usual header
 * (the cookie's Path keeps the others away) is read directly; anything else (other cookies,
 * quotes, escapes, spaces) goes through the platform's parser.
 */
function rotationCookieOf(header: string, parse: (header: string) => Record<string, string>) {
  const m = ROTATION_ONLY.exec(header);
  return m ? m[1] : parse(header)[ROTATION_COOKIE];
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

  // The platform's cookie signer (HMAC-SHA256 with the platform secret, the one @fastify/cookie
  // signs with), as the instance decorates it: the same for both paths below.
  const signer = app as FastifyInstance & SignerMethods;

  /**
   * A campaign page: the page to send and its Set-Cookie, or undefined for the 404 page.
   * Hand-written hot path, measured by `npm run bench:banners` (bench/results/banners.json).
   * @param raw the campaign id as the URL writes it, already checked against CAMPAIGN_ID
   * @param text the rotation cookie's value, still signed, is `text` from `from` on, as far as it
   *   can be told without parsing the Cookie header (the header after `banner_rotation=`, or the
   *   value Fastify parsed); undefined: none
   * @param header the Cookie header, parsed when `text` is not a value kept for its state
   */
  const campaignAnswer = (
    raw: string,
    text: string | undefined,
    from: number,
    header: string | undefined,
  ) => {
    const campaign = live.current.campaigns.get(Number(raw));
    const served = campaign?.quarters[quarterAt(clock.now()) - 1];
    if (!campaign || !served) return undefined;
    const ids = served.bannerIds;
    let round = 0;
    let lastId = 0;
    let lastIndex = -1;
    if (text !== undefined && knownState(campaign, served, text, from)) {
      round = known.round;
      lastId = known.lastBannerId;
      lastIndex = known.index;
    } else {
      const signedCookie = header === undefined ? text : rotationCookieOf(header, app.parseCookie);
      if (signedCookie !== undefined) {
        // A cookie that fails its signature, or is not ours for this campaign: a new visitor.
        // The platform's signer is a hand-written MAC (platform/http/cookie-signer.ts, ~1 µs a call)
        // that remembers the MACs of values it signed or verified (then a lookup and a compare).
        const unsigned = signer.unsignCookie(signedCookie);
        const state =
          unsigned.valid && unsigned.value !== null ? decodeVisitorState(unsigned.value) : undefined;
        if (state && state.campaignId === campaign.campaignId) {
          lastId = state.lastBannerId;
          lastIndex = ids.indexOf(lastId);
          const at = campaign.universe.indexOf(lastId);
          if (state.fingerprint === campaign.fingerprint && state.round < 2 ** campaign.universe.length) {
            round = state.round;
            // Signed elsewhere (another instance, before a restart) or no longer kept: kept from
            // now on, when it is the value this instance would have sent for that state.
            if (
              at >= 0 &&
              !unsigned.renew &&
              encodeVisitorState(state) === unsigned.value &&
              keptSetCookie(campaign, served, round, lastId, lastIndex) === undefined
            ) {
              const setCookie = `${ROTATION_PREFIX}${signedCookie}${cookieAttributes}${raw}`;
              keepSetCookie(campaign, served, round, lastId, lastIndex, flatSetCookie(setCookie));
            }
          } else if (at >= 0) {
            // A round over another universe (re-imported since) is void; the banner shown last still counts as seen.
            round = 2 ** at;
          }
        }
      }
    }
    const pick = nextForVisitor(served.positions, round, lastIndex, random);
    counter.count(served.impressionKeys[pick.index]!);
    // The Set-Cookie depends on the campaign, the new round and the banner only: signed once and
    // kept (new visitors of a campaign start from one of ~10 states, returning ones share many).
    // Measured by bench:banners: encoding, signing and joining it was ~1/6 of this route's CPU.
    const shown = ids[pick.index]!;
    let setCookie = keptSetCookie(campaign, served, pick.round, shown, pick.index);
    if (setCookie === undefined) {
      const value = encodeVisitorState({
        campaignId: campaign.campaignId,
        fingerprint: campaign.fingerprint,
        round: pick.round,
        lastBannerId: shown,
      });
      // raw passed CAMPAIGN_ID: the campaign id as written, the same for every request of it.
      const signed = `${ROTATION_PREFIX}${signer.signCookie(value)}${cookieAttributes}${raw}`;
      setCookie = keepSetCookie(campaign, served, pick.round, shown, pick.index, flatSetCookie(signed));
    }
    return { page: served.pages[pick.index]!, text: served.pageTexts[pick.index], setCookie };
  };

  const campaignPage = (
    request: FastifyRequest<{ Params: { campaign_id: string } }>,
    reply: FastifyReply,
  ) => {
    const raw = request.params.campaign_id;
    const answer = CAMPAIGN_ID.test(raw)
      ? campaignAnswer(raw, request.cookies[ROTATION_COOKIE], 0, undefined)
      : undefined;
    if (!answer) {
      return reply
        .code(404)
        .header('content-type', 'text/html; charset=utf-8')
        .header('cache-control', 'no-store')
        .send(notFoundPage);
    }
    return reply
      .header('set-cookie', answer.setCookie)
      .header('content-type', 'text/html; charset=utf-8')
      .header('cache-control', 'no-store')
      .send(answer.page);
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

  // The same page answered before Fastify's routing and hooks (platform/http/fast-path.ts), where
  // the app has a fast path: 35 → ~24 µs of CPU a request, 0.41× → 0.53× a bare node:http
  // server; then the signer's remembered MACs and the kept Set-Cookie values; then kept cookies
  // taken without the signer (kept-cookies.ts), a ready head and one socket write
  // (response-head.ts): 24 → ~18 µs side by side, 0.70–0.75× the bare server at load 12–16
  // (README, bench:banners). It sends byte for byte what the route above sends (the route's
  // security headers, then Set-Cookie, Content-Type, Cache-Control, Content-Length, in Fastify's
  // order); everything else (a 404, a query string, an escaped or odd URL, HEAD) is left to the
  // route above.
  if (app.hasDecorator('fastPath')) {
    const security = Object.entries(app.routeSecurityHeaders(campaignRoute.config.security));
    const pageHeaders = (setCookie: string): [string, string][] => [
      ...security,
      ['set-cookie', setCookie],
      ['content-type', 'text/html; charset=utf-8'],
      ['cache-control', 'no-store'],
    ];
    // The head as ready lines around the Set-Cookie (response-head.ts), where this node allows it.
    const [beforeCookie, afterCookie] = headerLines(pageHeaders(COOKIE_MARK)).split(COOKIE_MARK);
    const readyHead = headBlockWorks();
    if (!readyHead) log.warn('banners: the campaign page hands node its headers one by one (slower)');
    app.fastPath.add({
      method: 'GET',
      prefix: CAMPAIGNS_PREFIX,
      handle: (req, res) => {
        const url = req.url!;
        const slash = url.charCodeAt(url.length - 1) === 47; // '/'
        const raw = url.slice(CAMPAIGNS_PREFIX.length, slash ? -1 : undefined);
        if (!CAMPAIGN_ID.test(raw)) return false;
        const header = req.headers.cookie;
        const answer = header?.startsWith(ROTATION_PREFIX)
          ? campaignAnswer(raw, header, ROTATION_PREFIX.length, header)
          : campaignAnswer(raw, undefined, 0, header);
        if (!answer) return false;
        if (readyHead) {
          // The Set-Cookie was built from a signed value and a checked id: only base64, digits and
          // the fixed attributes, nothing a header line must not hold.
          endWithHead(res, beforeCookie + answer.setCookie + afterCookie, answer.page, answer.text);
        } else {
          res.writeHead(200, [
            ...pageHeaders(answer.setCookie),
            ['content-length', String(answer.page.length)],
          ]);
          res.end(answer.page);
        }
        return slash ? '/campaigns/:campaign_id/' : '/campaigns/:campaign_id';
      },
    });
  }

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
