import type { FastifyError, FastifyInstance } from 'fastify';

/** An error a client can act on: becomes `{ error, ...details }` with the given status. */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export const badRequest = (message: string, details: Record<string, unknown> = {}) =>
  new HttpError(400, message, details);
export const notFound = (message = 'not found', details: Record<string, unknown> = {}) =>
  new HttpError(404, message, details);

/** JSON errors everywhere; schema failures become 400 naming the field; no stack traces ever leave. */
export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | HttpError, request, reply) => {
    if (error instanceof HttpError) {
      return reply.status(error.statusCode).send({ error: error.message, ...error.details });
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
    const status =
      error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
    if (status >= 500) {
      request.log.error({ err: error }, 'request failed');
      return reply.status(500).send({ error: 'internal server error' });
    }
    return reply.status(status).send({ error: error.message });
  });

  app.setNotFoundHandler((request, reply) => {
    return reply.status(404).send({ error: `no route for ${request.method} ${request.url.split('?')[0]}` });
  });
}
