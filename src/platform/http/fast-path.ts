// Routes answered before Fastify: a hot route whose handler does everything Fastify's routing
// and hooks would have done for it (headers, cookies, metrics) in hand-written code. Measured by
// `npm run bench:banners`: the campaign page cost 35 µs of CPU a request through Fastify and the
// platform's hooks, ~24 µs answered here (a bare node:http server sending the same bytes: ~12 µs).
// Only routes whose throughput is a stated target belong here.
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import http from 'node:http';
import type { FastifyInstance, FastifyServerFactory } from 'fastify';
import type { Logger } from 'pino';
import type { RequestSeries } from './metrics.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** Where a plugin declares a route answered before Fastify (see fast-path.ts). */
    fastPath: FastRoutes;
  }
}

export interface FastRoute {
  readonly method: 'GET';
  /** The URLs it may answer start with this; others never reach it. */
  readonly prefix: string;
  /**
   * Answers the request itself and returns the route it answered as (the metrics label, as
   * Fastify names the route, e.g. '/campaigns/:campaign_id'), or returns false without touching
   * `res` to let Fastify answer it as usual (an unknown id, a query string, anything unusual).
   * A handler that throws before sending is logged and Fastify answers.
   */
  handle(req: IncomingMessage, res: ServerResponse): string | false;
}

export interface FastRoutes {
  add(route: FastRoute): void;
}

export interface FastPath extends FastRoutes {
  /** For Fastify's `serverFactory` option: a node:http server that tries the fast routes first. */
  readonly serverFactory: FastifyServerFactory;
  /** Decorates `app.fastPath`, and hands every request to Fastify once `app.close()` starts. */
  attach(app: FastifyInstance): void;
}

/**
 * The fast routes of one app. Requests they answer are counted in `requests` (the series behind
 * /metrics) like any other; once the app starts closing every request goes to Fastify, which
 * answers 503 with `Connection: close` while in-flight requests drain.
 */
export function createFastPath(log: Logger, requests: RequestSeries): FastPath {
  const routes: FastRoute[] = [];
  let closing = false;

  const tryFast = (req: IncomingMessage, res: ServerResponse): boolean => {
    if (closing || req.method !== 'GET') return false;
    const url = req.url!;
    for (const route of routes) {
      if (!url.startsWith(route.prefix)) continue;
      const started = performance.now();
      let answered: string | false;
      try {
        answered = route.handle(req, res);
      } catch (err) {
        if (res.headersSent) {
          log.error({ err, url }, 'fast route failed after sending its headers');
          res.destroy();
          return true;
        }
        log.error({ err, url }, 'fast route failed: Fastify answers instead');
        return false;
      }
      if (answered === false) continue;
      requests.record(answered, 'GET', res.statusCode, (performance.now() - started) / 1000);
      return true;
    }
    return false;
  };

  const serverFactory: FastifyServerFactory = (handler, options): Server => {
    const opts = options as {
      keepAliveTimeout?: number;
      requestTimeout?: number;
      connectionTimeout?: number;
      maxRequestsPerSocket?: number;
    };
    const requestTimeout = opts.requestTimeout ?? 0;
    // Node checks the request and header deadlines every connectionsCheckingInterval (30 s by
    // default): often enough here that a stalled request is cut within about its deadline.
    const checking = requestTimeout ? Math.min(30_000, Math.max(250, requestTimeout / 4)) : 30_000;
    const server = http.createServer({ connectionsCheckingInterval: checking }, (req, res) => {
      if (!tryFast(req, res)) handler(req, res);
    });
    // What Fastify sets on the server it makes itself (lib/server.js), which it skips for a
    // factory's. (With a factory Fastify binds one address only: HOST=localhost is not doubled to ::1.)
    server.keepAliveTimeout = opts.keepAliveTimeout ?? 72_000;
    server.requestTimeout = requestTimeout;
    // Node's own default (60 s), never more than the request's whole deadline.
    if (requestTimeout) server.headersTimeout = Math.min(60_000, requestTimeout);
    server.setTimeout(opts.connectionTimeout ?? 0);
    if (opts.maxRequestsPerSocket) server.maxRequestsPerSocket = opts.maxRequestsPerSocket;
    return server;
  };

  const add = (route: FastRoute) => {
    routes.push(route);
  };

  return {
    add,
    serverFactory,
    attach(app) {
      app.decorate('fastPath', { add });
      app.addHook('preClose', (done) => {
        closing = true;
        done();
      });
    },
  };
}
