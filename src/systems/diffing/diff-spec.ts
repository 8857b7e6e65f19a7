// What to diff by, read one way for every entry point (the CLI's flags, an upload's fields, the seed's
// metric id): a known metric's key and value columns, or columns given by name.
import type { DiffSpec } from './engine/index.js';
import { findMetric, knownMetricNames, type MetricDefinition } from './metric-definitions.js';

/** A metric id or alias that no metric has; the message lists the known ones. */
export class UnknownMetricError extends Error {
  constructor(readonly metricId: string) {
    super(`unknown metric "${metricId}" (known: ${knownMetricNames()})`);
    this.name = 'UnknownMetricError';
  }
}

/** The metric with this id or alias; UnknownMetricError when there is none. */
export function metricOrThrow(idOrAlias: string): MetricDefinition {
  const metric = findMetric(idOrAlias);
  if (!metric) throw new UnknownMetricError(idOrAlias);
  return metric;
}

/** Key columns from a comma-separated list: trimmed, empty names dropped ("a, b,,c" → a, b, c). */
export function splitKeys(list: string): string[] {
  return list
    .split(',')
    .map((k) => k.trim())
    .filter(Boolean);
}

export interface DiffRequest {
  metric?: string;
  keys?: readonly string[];
  value?: string;
}

/**
 * The columns a request asks to diff by: a metric's when it names one (UnknownMetricError when no
 * metric has that name), else its keys and value; undefined when it has neither a metric nor both
 * keys and a value (each entry point says so in its own words: flags or fields).
 */
export function diffSpecFrom(
  request: DiffRequest,
): { metric: MetricDefinition | undefined; spec: DiffSpec } | undefined {
  const metricId = request.metric?.trim();
  if (metricId) {
    const metric = metricOrThrow(metricId);
    return { metric, spec: { keys: metric.keys, value: metric.value } };
  }
  const value = request.value?.trim();
  if (request.keys?.length && value) return { metric: undefined, spec: { keys: [...request.keys], value } };
  return undefined;
}
