/**
 * Metric definitions known to the diffing system: which columns form a row's key and which column
 * holds the value that is compared between two exports of the same metric.
 */
export interface MetricDefinition {
  /** Canonical id, e.g. 'revenue', 'c-revenue'. */
  id: string;
  /** Other spellings accepted by {@link findMetric}. */
  aliases: string[];
  /** Key columns, by header name. */
  keys: string[];
  /** Value column, by header name. */
  value: string;
}

export const METRICS: readonly MetricDefinition[] = Object.freeze([
  Object.freeze({
    id: 'revenue',
    aliases: [],
    keys: ['date', 'segment_field', 'segment_value_id', 'stat'],
    value: 'value',
  }),
  Object.freeze({
    id: 'c-revenue',
    aliases: ['c_revenue', 'cohort-revenue', 'cohort_revenue'],
    keys: ['cohort', 'cohort_id', 'month_nth', 'segment_field', 'segment_value_id', 'stat'],
    value: 'value',
  }),
]);

/** Looks a metric up by canonical id or alias (exact match first, then case-insensitive, trimmed). */
export function findMetric(idOrAlias: string): MetricDefinition | undefined {
  const exact = METRICS.find((m) => m.id === idOrAlias || m.aliases.includes(idOrAlias));
  if (exact) return exact;
  const wanted = idOrAlias.trim().toLowerCase();
  if (wanted === '') return undefined;
  return METRICS.find((m) => m.id === wanted || m.aliases.includes(wanted));
}

/** File-name stem for a metric: the canonical id with '-' written '_' ('revenue', 'c_revenue'). */
export function metricFileStem(m: MetricDefinition): string {
  return m.id.replace(/-/g, '_');
}
