import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Platform } from './platform/platform.js';
import type { AnySystemModule } from './platform/system.js';
import { loadSystems } from './platform/system-runtime.js';
import { prepareAdminPassword, adminAuthPlugin } from './platform/http/admin-auth.js';
import { docsPlugin } from './platform/http/docs.js';
import { drainOnClose } from './platform/http/drain-on-close.js';
import { frameworkErrors, registerErrorHandling } from './platform/http/errors.js';
import { registerHealth } from './platform/http/health.js';
import { createFastPath } from './platform/http/fast-path.js';
import { registerInputChecks } from './platform/http/input.js';
import { lazyRequestLogger } from './platform/http/request-logger.js';
import { metricsPlugin, requestSeries } from './platform/http/metrics.js';
import { pagesPlugin } from './platform/http/pages.js';
import { randomSecret, securityPlugin } from './platform/http/security.js';
import { getOrCreateSetting } from './platform/settings.js';
import { systemsNamed } from './systems/index.js';

export interface BuildAppOptions {
  /** Defaults to the systems enabled by config.systems. */
  systems?: readonly AnySystemModule[];
  webDist?: string;
}

/** Builds the whole app: platform plugins in a fixed order, then each enabled system. Does not listen. */
export async function buildApp(platform: Platform, options: BuildAppOptions = {}): Promise<FastifyInstance> {
  const { config } = platform;
  const systems = await loadSystems(config, options.systems ?? systemsNamed(config.systems));
  // Routes a system answers before Fastify (fast-path.ts): the few hot paths with a throughput target.
  const fastPath = createFastPath(platform.log, requestSeries(platform.metrics));
  const app = Fastify({
    serverFactory: fastPath.serverFactory,
    loggerInstance: platform.log as FastifyBaseLogger,
    // Per-request log lines cost more than the funnel query itself; /metrics counts requests instead.
    logController: new LogController({ disableRequestLogging: true }),
    childLoggerFactory: lazyRequestLogger,
    bodyLimit: config.bodyLimitBytes,
    // A client that stalls mid-request (slowloris, a body cut short) is answered 408 and disconnected.
    requestTimeout: config.requestTimeoutMs,
    trustProxy: config.trustProxy,
    frameworkErrors,
    ajv: {
      customOptions: { allErrors: false, coerceTypes: true, removeAdditional: false, allowUnionTypes: true },
    },
  });

  const secret =
    config.sessionSecret ?? (await getOrCreateSetting(platform.db, 'session_secret', randomSecret)).value;
  const passwordHash = await prepareAdminPassword(platform);

  drainOnClose(app);
  fastPath.attach(app);
  registerErrorHandling(app);
  registerInputChecks(app);
  await app.register(metricsPlugin, { registry: platform.metrics });
  await app.register(docsPlugin);
  await app.register(securityPlugin, {
    secret,
    cookieSecure: config.cookieSecure,
    publicWriteRateLimit: config.publicWriteRateLimit,
  });
  await app.register(adminAuthPlugin, { platform, passwordHash });
  await app.register(pagesPlugin, { webDist: options.webDist });
  registerHealth(app, platform.database, platform.jobs);

  app.get(
    '/api/systems',
    {
      schema: {
        tags: ['platform'],
        summary: 'The systems this instance serves',
        response: {
          200: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                name: { type: 'string' },
                title: { type: 'string' },
                summary: { type: 'string' },
                href: { type: 'string' },
              },
            },
          },
        },
      },
    },
    async () => systems.map(({ module: { name, title, summary, href } }) => ({ name, title, summary, href })),
  );

  for (const { runtime, settings } of systems) {
    await app.register(async (scope) => runtime.routes(scope, platform, settings));
  }
  return app;
}
