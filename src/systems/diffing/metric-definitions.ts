/**
 * Metric definitions known to the diffing system: the columns of each metric's export, which of them
 * form a row's key, which holds the value compared between two exports, and the names of its export
 * files in a data directory. Declared once here for the API, the CLI, the demo and the generator.
 */
import path from 'node:path';

export interface MetricDefinition {
  /** Canonical id, e.g. 'revenue', 'c-revenue'. */
  id: string;
  /** Other spellings accepted by {@link findMetric}. */
  aliases: string[];
  /** The export's columns, in its order. */
  columns: string[];
  /** Key columns, by header name. */
  keys: string[];
  /** Value column, by header name. */
  value: string;
}

export const METRICS: readonly MetricDefinition[] = Object.freeze([
  Object.freeze({
    id: 'revenue',
    aliases: [],
    columns: ['date', 'segment_field', 'segment_name', 'segment_value', 'segment_value_id', 'stat', 'value'],
    keys: ['date', 'segment_field', 'segment_value_id', 'stat'],
    value: 'value',
  }),
  Object.freeze({
    id: 'c-revenue',
    aliases: ['c_revenue', 'cohort-revenue', 'cohort_revenue'],
    columns: [
      'cohort',
      'cohort_id',
      'month_date',
      'month_nth',
      'segment_field',
      'segment_name',
      'segment_value',
      'segment_value_id',
      'stat',
      'value',
    ],
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

/** Every name findMetric knows, for messages. */
export function knownMetricNames(): string {
  return METRICS.flatMap((m) => [m.id, ...m.aliases]).join(', ');
}

/** File-name stem for a metric: the canonical id with '-' written '_' ('revenue', 'c_revenue'). */
export function metricFileStem(m: MetricDefinition): string {
  return m.id.replace(/-/g, '_');
}

/** A metric's two exports in a data directory: `<stem>_old.csv` and `<stem>_new.csv`. */
export function metricFiles(m: MetricDefinition, dir: string): { old: string; new: string } {
  const stem = metricFileStem(m);
  return { old: path.join(dir, `${stem}_old.csv`), new: path.join(dir, `${stem}_new.csv`) };
}
