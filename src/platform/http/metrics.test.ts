import { Counter, Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { requestSeries } from './metrics.js';

const LATENCIES = [0.0001, 0.0005, 0.0007, 0.003, 0.003, 0.04, 0.7, 3, 42];

/** The same observations through prom-client's own metrics, for the text they produce. */
async function promClientText(): Promise<string[]> {
  const registry = new Registry();
  const labelNames = ['method', 'route', 'status'] as const;
  const counter = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests by route',
    labelNames,
    registers: [registry],
  });
  const histogram = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request latency by route',
    labelNames,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
    registers: [registry],
  });
  for (const [i, seconds] of LATENCIES.entries()) {
    const labels = {
      method: i % 3 ? 'GET' : 'POST',
      route: '/hiring/funnel.json',
      status: i === 8 ? '500' : '200',
    };
    histogram.observe(labels, seconds);
    counter.inc(labels);
  }
  return [
    await registry.getSingleMetricAsString('http_requests_total'),
    await registry.getSingleMetricAsString('http_request_duration_seconds'),
  ];
}

describe('request metrics', () => {
  it("exposes the same counter and histogram text as prom-client's own metrics for the same requests", async () => {
    const registry = new Registry();
    const series = requestSeries(registry);
    for (const [i, seconds] of LATENCIES.entries()) {
      series.record('/hiring/funnel.json', i % 3 ? 'GET' : 'POST', i === 8 ? 500 : 200, seconds);
    }
    const ours = [
      await registry.getSingleMetricAsString('http_requests_total'),
      await registry.getSingleMetricAsString('http_request_duration_seconds'),
    ];
    expect(ours).toEqual(await promClientText());
    expect(ours[1]).toContain(
      'http_request_duration_seconds_bucket{le="0.001",method="GET",route="/hiring/funnel.json",status="200"} 2',
    );
  });

  it('gives a second app on the same registry the same series, and empties them on reset', async () => {
    const registry = new Registry();
    requestSeries(registry).record('/health', 'GET', 200, 0.001);
    requestSeries(registry).record('/health', 'GET', 200, 0.002);
    expect(await registry.metrics()).toMatch(
      /http_requests_total\{method="GET",route="\/health",status="200"\} 2/,
    );
    registry.resetMetrics();
    expect(await registry.getSingleMetricAsString('http_requests_total')).not.toMatch(/route=/);
  });
});
