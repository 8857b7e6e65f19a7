import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isDatabaseUnavailable } from '../db/database.js';
import { DomainError, type ErrorKind } from '../errors.js';

/** The HTTP status of each kind of domain error. */
export const STATUS_OF_KIND: Readonly<Record<ErrorKind, number>> = {
  bad_input: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  too_large: 413,
  rate_limited: 429,
  unavailable: 503,
};

/**
 * Fastify's `frameworkErrors` option: errors it meets before any route or hook (a URL that does not
 * decode, e.g. `/%zz`) answer in the same shape as every other error.
 */
export function frameworkErrors(error: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  void reply.status(400).send({ error: `malformed request: ${error.message}` });
}

/** JSON errors everywhere; schema failures become 400 naming the field; no stack traces ever leave. */
export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | DomainError, request, reply) => {
    if (!request.raw.complete) {
      if (request.raw.destroyed || request.raw.socket?.destroyed) {
        // The client went away mid-request (an upload cancelled): nobody reads this answer, and it
        // is no fault of ours; 499 (nginx's "client closed request") keeps it out of the 5xx counts.
        request.log.info({ url: request.url, reason: error.message }, 'client closed the request');
        return reply.status(499).send({ error: 'client closed the request' });
      }
      // Answered before the body was read whole (a limit, a malformed upload): the client may still
      // be sending, and the rest of its body must not be read as the next request, so the
      // connection ends with this answer instead of waiting for bytes nobody reads.
      reply.header('connection', 'close');
    }
    if (error instanceof DomainError) {
      return reply.status(STATUS_OF_KIND[error.kind]).send({ error: error.message, ...error.details });
    }
    if (error.validation) {
      const first = error.validation[0];
      const where = first?.instancePath
        ? `${error.validationContext ?? ''}${first.instancePath.replaceAll('/', '.')}`
        : error.validationContext;
      const missing =
        first?.params && 'missingProperty' in first.params ? String(first.params.missingProperty) : undefined;
      const message = missing
        ? `${error.validationContext}.${missing} is required`
        : `${where ?? 'request'} ${first?.message ?? 'is invalid'}`;
      return reply.status(400).send({ error: message });
    }
    if (isDatabaseUnavailable(error)) {
      // Not the request's fault nor a bug: the database is away (restart, failover); the pool
      // reconnects by itself, so the client may retry.
      request.log.warn({ err: error }, 'database unavailable');
      return reply.status(503).header('retry-after', '1').send({ error: 'database unavailable' });
    }
    const status =
      error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
    if (status >= 500) {
      request.log.error({ err: error }, 'request failed');
      return reply.status(500).send({ error: 'internal server error' });
    }
    return reply.status(status).send({ error: error.message });
  });

  app.setNotFoundHandler((request, reply) => {
    reply.status(404);
    if (wantsPage(request) && request.server.hasPage?.('not-found')) return reply.sendPage('not-found');
    return reply.send({ error: `no route for ${request.method} ${request.url.split('?')[0]}` });
  });
}

const API_PATH = /(^|\/)api(\/|$)/;

/**
 * A browser opening an address (GET, Accept naming text/html) outside the APIs gets the 404 page in
 * the site's look; API paths, and clients that do not ask for HTML or also accept JSON (fetch,
 * curl), get JSON.
 */
function wantsPage(request: FastifyRequest): boolean {
  if (request.method !== 'GET' && request.method !== 'HEAD') return false;
  const accept = request.headers.accept ?? '';
  if (!accept.includes('text/html') || accept.includes('application/json')) return false;
  return !API_PATH.test(request.url.split('?')[0]!);
}
