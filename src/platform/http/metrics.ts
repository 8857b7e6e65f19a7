import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { Counter, Histogram, collectDefaultMetrics, type Registry } from 'prom-client';

declare module 'fastify' {
  interface FastifyInstance {
    /** This app's Prometheus registry: systems add their own counters (jobs, imports) to it. */
    metrics: Registry;
  }
}

/** Request counts and latencies per route at GET /metrics, in Prometheus text format. */
export const metricsPlugin = fp<{ registry: Registry }>(async (app: FastifyInstance, { registry }) => {
  // The registry belongs to the platform: a second app on the same platform shares its series.
  const existing = registry.getSingleMetric('http_requests_total');
  if (!existing) collectDefaultMetrics({ register: registry });
  const duration =
    (registry.getSingleMetric('http_request_duration_seconds') as
      Histogram<'method' | 'route' | 'status'> | undefined) ??
    new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request latency by route',
      labelNames: ['method', 'route', 'status'] as const,
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
      registers: [registry],
    });
  const requests =
    (existing as Counter<'method' | 'route' | 'status'> | undefined) ??
    new Counter({
      name: 'http_requests_total',
      help: 'HTTP requests by route',
      labelNames: ['method', 'route', 'status'] as const,
      registers: [registry],
    });
  app.decorate('metrics', registry);

  app.addHook('onResponse', (request, reply, done) => {
    // Unmatched URLs share one label so scanners cannot blow up the series count.
    const route = request.routeOptions.url ?? 'unmatched';
    const labels = { method: request.method, route, status: String(reply.statusCode) };
    duration.observe(labels, reply.elapsedTime / 1000);
    requests.inc(labels);
    done();
  });

  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
    reply.type(registry.contentType);
    return registry.metrics();
  });
});
