import crypto from 'node:crypto';
import fastifyCookie from '@fastify/cookie';
import fastifyCsrf from '@fastify/csrf-protection';
import fastifyHelmet from '@fastify/helmet';
import fastifyRateLimit from '@fastify/rate-limit';
import type { FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** false exempts a state-changing route from the CSRF check (machine APIs that use no cookies). */
    csrf?: boolean;
  }
}

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
export const CSRF_HEADER = 'x-csrf-token';

export interface SecurityOptions {
  secret: string;
  cookieSecure: boolean;
}

/**
 * Cookies (signed with the platform secret), security headers, rate limiting (per route) and
 * CSRF: every POST/PUT/PATCH/DELETE must carry the token from GET /api/csrf-token in the
 * x-csrf-token header, unless its route sets `config: { csrf: false }`.
 */
export const securityPlugin = fp<SecurityOptions>(async (app, opts) => {
  await app.register(fastifyCookie, { secret: opts.secret });
  await app.register(fastifyHelmet, {
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:', 'blob:'],
        connectSrc: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        objectSrc: ["'none'"],
        upgradeInsecureRequests: null,
      },
    },
    // The pages are served over plain HTTP on one machine by default.
    strictTransportSecurity: opts.cookieSecure,
  });
  await app.register(fastifyRateLimit, { global: false });
  await app.register(fastifyCsrf, {
    sessionPlugin: '@fastify/cookie',
    cookieKey: 'quintet_csrf',
    cookieOpts: { signed: true, httpOnly: true, sameSite: 'lax', path: '/', secure: opts.cookieSecure },
    getToken: (req) => {
      const header = req.headers[CSRF_HEADER];
      return Array.isArray(header) ? header[0] : header;
    },
  });

  app.addHook('preHandler', (request: FastifyRequest, reply: FastifyReply, done) => {
    if (!UNSAFE.has(request.method) || request.routeOptions.config.csrf === false) return done();
    app.csrfProtection(request, reply, done);
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
