import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { Counter, Histogram, collectDefaultMetrics, type Registry } from 'prom-client';

declare module 'fastify' {
  interface FastifyInstance {
    /** This app's Prometheus registry: systems add their own counters (jobs, imports) to it. */
    metrics: Registry;
  }
}

type Label = 'method' | 'route' | 'status';
const BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10];

/** One (method, route, status) series: its request count, and the latency histogram's sum and buckets. */
interface Series {
  readonly labels: Readonly<Record<Label, string>>;
  count: number;
  sum: number;
  /** Per bucket, not cumulative: requests whose latency fell in (previous bound, this bound]. */
  readonly buckets: Float64Array;
}

/**
 * The HTTP request series as plain numbers, read into prom-client's format only when /metrics is
 * scraped. Hand-written on purpose: prom-client's observe() + inc() per request (label checks, a
 * label-hash string, float bucket keys) measured ~3 µs a request, a few per cent of a /health
 * request, where this costs three Map lookups and a short loop.
 */
export class RequestSeries {
  private byRoute = new Map<string, Map<string, Map<number, Series>>>();
  private all: Series[] = [];

  record(route: string, method: string, status: number, seconds: number): void {
    let byMethod = this.byRoute.get(route);
    if (!byMethod) this.byRoute.set(route, (byMethod = new Map()));
    let byStatus = byMethod.get(method);
    if (!byStatus) byMethod.set(method, (byStatus = new Map()));
    let series = byStatus.get(status);
    if (!series) {
      series = {
        labels: { method, route, status: String(status) },
        count: 0,
        sum: 0,
        buckets: new Float64Array(BUCKETS.length),
      };
      byStatus.set(status, series);
      this.all.push(series);
    }
    series.count++;
    series.sum += seconds;
    for (let i = 0; i < BUCKETS.length; i++) {
      if (seconds <= BUCKETS[i]!) {
        series.buckets[i]!++;
        break;
      }
    }
  }

  get series(): readonly Series[] {
    return this.all;
  }

  reset(): void {
    this.byRoute = new Map();
    this.all = [];
  }
}

type CounterData = Awaited<ReturnType<Counter<Label>['get']>>;
type HistogramData = Awaited<ReturnType<Histogram<Label>['get']>>;
const LABEL_NAMES: Label[] = ['method', 'route', 'status'];
const REQUESTS = { name: 'http_requests_total', help: 'HTTP requests by route' };
const DURATION = { name: 'http_request_duration_seconds', help: 'HTTP request latency by route' };

/**
 * http_requests_total as a prom-client Counter (so the registry lists, formats and resets it like
 * any other), whose values come from the shared series instead of inc().
 */
class RequestCounter extends Counter<Label> {
  // Assigned after super(), which already calls reset(): hence the optional reads below.
  readonly requests: RequestSeries;

  constructor(requests: RequestSeries, registry: Registry) {
    super({ ...REQUESTS, labelNames: LABEL_NAMES, registers: [registry] });
    this.requests = requests;
  }

  override async get(): Promise<CounterData> {
    const values = this.requests.series.map((s) => ({ labels: { ...s.labels }, value: s.count }));
    return { ...REQUESTS, type: 'counter', aggregator: 'sum', values } as unknown as CounterData;
  }

  override reset(): void {
    this.requests?.reset();
  }
}

/** http_request_duration_seconds likewise, with prom-client's buckets and value layout. */
class RequestHistogram extends Histogram<Label> {
  private readonly requests: RequestSeries;

  constructor(requests: RequestSeries, registry: Registry) {
    super({ ...DURATION, labelNames: LABEL_NAMES, buckets: BUCKETS, registers: [registry] });
    this.requests = requests;
  }

  override async get(): Promise<HistogramData> {
    const bucket = `${DURATION.name}_bucket`;
    const values: { metricName: string; labels: Record<string, string | number>; value: number }[] = [];
    for (const s of this.requests.series) {
      let cumulative = 0;
      BUCKETS.forEach((le, i) => {
        cumulative += s.buckets[i]!;
        values.push({ metricName: bucket, labels: { le, ...s.labels }, value: cumulative });
      });
      values.push(
        { metricName: bucket, labels: { le: '+Inf', ...s.labels }, value: s.count },
        { metricName: `${DURATION.name}_sum`, labels: { ...s.labels }, value: s.sum },
        { metricName: `${DURATION.name}_count`, labels: { ...s.labels }, value: s.count },
      );
    }
    return { ...DURATION, type: 'histogram', aggregator: 'sum', values } as unknown as HistogramData;
  }

  /** What the registry reads for the text format (prom-client's own Histogram has it too). */
  getForPromString(): Promise<HistogramData> {
    return this.get();
  }

  override reset(): void {
    this.requests?.reset();
  }
}

/**
 * The HTTP request series of a registry, created with the process metrics on first use. The
 * registry belongs to the platform: a second app on the same platform shares its series.
 */
export function requestSeries(registry: Registry): RequestSeries {
  const existing = registry.getSingleMetric('http_requests_total');
  if (existing instanceof RequestCounter) return existing.requests;
  collectDefaultMetrics({ register: registry });
  const requests = new RequestSeries();
  new RequestCounter(requests, registry);
  new RequestHistogram(requests, registry);
  return requests;
}

/** Request counts and latencies per route at GET /metrics, in Prometheus text format. */
export const metricsPlugin = fp<{ registry: Registry }>(async (app: FastifyInstance, { registry }) => {
  const requests = requestSeries(registry);
  app.decorate('metrics', registry);

  app.addHook('onResponse', (request, reply, done) => {
    // Unmatched URLs share one label so scanners cannot blow up the series count.
    requests.record(
      request.routeOptions.url ?? 'unmatched',
      request.method,
      reply.statusCode,
      reply.elapsedTime / 1000,
    );
    done();
  });

  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
    reply.type(registry.contentType);
    return registry.metrics();
  });
});
