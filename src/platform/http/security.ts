import crypto from 'node:crypto';
import fastifyCookie from '@fastify/cookie';
import fastifyCsrf from '@fastify/csrf-protection';
import fastifyRateLimit from '@fastify/rate-limit';
import type { FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import fp from 'fastify-plugin';
import { RateLimitedError } from '../errors.js';
import { cookieSigner } from './cookie-signer.js';
import {
  securityHeaders,
  type SecurityHeaders,
  type SecurityProfile,
  type SecurityProfileName,
} from './security-headers.js';

export { SECURITY_PROFILES, type SecurityProfile, type SecurityProfileName } from './security-headers.js';

const ROUTE_HEADERS = Symbol('quintet.securityHeaders');

declare module 'fastify' {
  interface FastifyContextConfig {
    /** false exempts a state-changing route from the CSRF check (machine APIs that use no cookies). */
    csrf?: boolean;
    /** The route's security headers: a named profile or CSP directives that replace the strict ones. */
    security?: SecurityProfileName | SecurityProfile;
    /** Set at registration: the route's headers, computed once. */
    [ROUTE_HEADERS]?: SecurityHeaders;
  }
  interface FastifyInstance {
    /** The headers a route with this `config.security` is sent (for a route answered before Fastify, fast-path.ts). */
    routeSecurityHeaders(profile?: SecurityProfileName | SecurityProfile): SecurityHeaders;
  }
  interface FastifyReply {
    /** Replaces the caller's CSRF secret (cookie) with a new one; returns a token for it. */
    rotateCsrf(): string;
  }
}

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
export const CSRF_HEADER = 'x-csrf-token';
const CSRF_COOKIE = 'quintet_csrf';

export interface SecurityOptions {
  secret: string;
  cookieSecure: boolean;
  /** Requests a minute per client address on a state-changing route that declares no rateLimit. */
  publicWriteRateLimit: number;
}

/**
 * Cookies (signed with the platform secret), security headers, rate limits and CSRF.
 *
 * Everything per route is decided when the route is registered (onRoute), so a request pays only
 * for what its route needs: its precomputed headers (the strict set, or the profile it declares in
 * `config.security`), and on POST/PUT/PATCH/DELETE routes the CSRF check (the token from
 * GET /api/csrf-token in the x-csrf-token header, unless `config: { csrf: false }`) and a rate
 * limit (its own `config.rateLimit`, else the public-write default; `rateLimit: false` for none).
 * Routes registered before this plugin get the strict headers only, so app.ts registers it
 * before any route that changes state.
 */
export const securityPlugin = fp<SecurityOptions>(async (app, opts) => {
  const hsts = opts.cookieSecure;
  const strict = securityHeaders('strict', { hsts });
  const named = new Map<string, SecurityHeaders>([['strict', strict]]);
  const shared = new WeakMap<SecurityProfile, SecurityHeaders>();
  const headersOf = (profile: SecurityProfileName | SecurityProfile | undefined): SecurityHeaders => {
    if (profile === undefined) return strict;
    if (typeof profile === 'string') {
      let headers = named.get(profile);
      if (!headers) named.set(profile, (headers = securityHeaders(profile, { hsts })));
      return headers;
    }
    let headers = shared.get(profile);
    if (!headers) shared.set(profile, (headers = securityHeaders(profile, { hsts })));
    return headers;
  };
  app.decorate('routeSecurityHeaders', headersOf);
  const publicWrite = { max: opts.publicWriteRateLimit, timeWindow: '1 minute' };

  const csrfCheck = (request: FastifyRequest, reply: FastifyReply, done: (err?: Error) => void) => {
    // Only a route that answers both safe and unsafe methods gets here with a GET.
    if (!UNSAFE.has(request.method)) return done();
    app.csrfProtection(request, reply, done);
  };

  // Before @fastify/rate-limit's own onRoute hook (registered below), which reads config.rateLimit.
  app.addHook('onRoute', (route: RouteOptions) => {
    const config = { ...route.config };
    const writes = [route.method].flat().some((m) => UNSAFE.has(m));
    config[ROUTE_HEADERS] = headersOf(config.security);
    if (writes && config.rateLimit === undefined) config.rateLimit = publicWrite;
    route.config = config;
    if (writes && config.csrf !== false) {
      // preValidation: refused before the body is validated or any preHandler (admin check) runs.
      route.preValidation = [csrfCheck, ...[route.preValidation ?? []].flat()];
    }
  });

  // The error handler answers the 429; the header says when to come back.
  app.addHook('onError', (_request, reply, error, done) => {
    if (error instanceof RateLimitedError) reply.header('retry-after', String(error.retryAfterSeconds));
    done();
  });

  app.addHook('onRequest', (request, reply, done) => {
    reply.headers(request.routeOptions.config[ROUTE_HEADERS] ?? strict);
    done();
  });

  // @fastify/cookie's signing, byte for byte, on a faster MAC (cookie-signer.ts).
  await app.register(fastifyCookie, { secret: cookieSigner(opts.secret) });
  await app.register(fastifyRateLimit, { global: false });
  await app.register(fastifyCsrf, {
    sessionPlugin: '@fastify/cookie',
    cookieKey: CSRF_COOKIE,
    cookieOpts: { signed: true, httpOnly: true, sameSite: 'lax', path: '/', secure: opts.cookieSecure },
    getToken: (req) => {
      const header = req.headers[CSRF_HEADER];
      return Array.isArray(header) ? header[0] : header;
    },
  });

  app.decorateReply('rotateCsrf', function (this: FastifyReply) {
    // generateCsrf makes a new secret, and sets its cookie, when the request carries none.
    delete this.request.cookies[CSRF_COOKIE];
    return this.generateCsrf();
  });

  app.get(
    '/api/csrf-token',
    {
      schema: {
        tags: ['platform'],
        summary: 'A CSRF token for state-changing requests (send it as the x-csrf-token header)',
        response: { 200: { type: 'object', properties: { token: { type: 'string' } }, required: ['token'] } },
      },
    },
    async (_request, reply) => {
      reply.header('cache-control', 'no-store');
      return { token: reply.generateCsrf() };
    },
  );
});

export function randomSecret(): string {
  return crypto.randomBytes(32).toString('base64url');
}
