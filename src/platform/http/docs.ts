import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

/** OpenAPI generated from the route schemas: UI at /docs, JSON at /docs/json. */
export const docsPlugin = fp(async (app: FastifyInstance) => {
  await app.register(fastifySwagger, {
    openapi: {
      info: {
        title: 'Quintet',
        version: '0.1.0',
        description:
          'Five data-backed systems in one service. Admin routes need the admin session cookie (POST /api/admin/login); state-changing routes need the x-csrf-token header from GET /api/csrf-token unless noted.',
      },
    },
  });
  // No staticCSP: its policy (style-src without 'unsafe-inline') blocked the inline styles Swagger UI
  // sets, an error in the console of every visit; the site's own strict policy (security.ts) fits it.
  await app.register(fastifySwaggerUi, { routePrefix: '/docs' });
});
