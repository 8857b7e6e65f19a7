import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { METRICS, findMetric, metricFileStem, metricFiles } from './metric-definitions.js';

describe('metrics', () => {
  it('defines revenue and c-revenue with their key columns and value column', () => {
    const revenue = findMetric('revenue');
    expect(revenue?.keys).toEqual(['date', 'segment_field', 'segment_value_id', 'stat']);
    expect(revenue?.value).toBe('value');
    const cRevenue = findMetric('c-revenue');
    expect(cRevenue?.keys).toEqual([
      'cohort',
      'cohort_id',
      'month_nth',
      'segment_field',
      'segment_value_id',
      'stat',
    ]);
    expect(cRevenue?.value).toBe('value');
    expect(METRICS.map((m) => m.id)).toEqual(['revenue', 'c-revenue']);
  });

  it.each(['c-revenue', 'c_revenue', 'cohort-revenue', 'cohort_revenue', ' C_Revenue '])(
    'finds c-revenue by id or alias %j',
    (name) => {
      expect(findMetric(name)?.id).toBe('c-revenue');
    },
  );

  it('returns undefined for unknown names', () => {
    expect(findMetric('profit')).toBeUndefined();
    expect(findMetric('')).toBeUndefined();
  });

  it('file stem writes - as _', () => {
    expect(METRICS.map(metricFileStem)).toEqual(['revenue', 'c_revenue']);
  });

  it('names the two export files of a metric in a directory', () => {
    const cRevenue = findMetric('c-revenue')!;
    expect(metricFiles(cRevenue, '/data')).toEqual({
      old: path.join('/data', 'c_revenue_old.csv'),
      new: path.join('/data', 'c_revenue_new.csv'),
    });
  });

  it("lists every key and value column among the export's columns", () => {
    for (const m of METRICS) for (const c of [...m.keys, m.value]) expect(m.columns).toContain(c);
  });
});
