import { describe, expect, it } from 'vitest';
import { UnknownMetricError, diffSpecFrom, metricOrThrow, splitKeys } from './diff-spec.js';

describe('splitKeys', () => {
  it('splits at commas, trims names and drops empty ones', () => {
    expect(splitKeys('a, b,,c ,')).toEqual(['a', 'b', 'c']);
    expect(splitKeys(' , ')).toEqual([]);
  });
});

describe('diffSpecFrom', () => {
  it("takes a metric's key and value columns, its name trimmed, whatever keys and value come with it", () => {
    expect(diffSpecFrom({ metric: ' c_revenue ', keys: ['x'], value: 'y' })).toMatchObject({
      metric: { id: 'c-revenue' },
      spec: {
        keys: ['cohort', 'cohort_id', 'month_nth', 'segment_field', 'segment_value_id', 'stat'],
        value: 'value',
      },
    });
  });

  it('takes keys and a trimmed value without a metric (a blank metric is none)', () => {
    expect(diffSpecFrom({ metric: '  ', keys: ['sku', 'store'], value: ' qty ' })).toEqual({
      metric: undefined,
      spec: { keys: ['sku', 'store'], value: 'qty' },
    });
  });

  it('gives nothing without a metric and without both keys and a value', () => {
    expect(diffSpecFrom({})).toBeUndefined();
    expect(diffSpecFrom({ keys: ['a'] })).toBeUndefined();
    expect(diffSpecFrom({ keys: [], value: 'v' })).toBeUndefined();
    expect(diffSpecFrom({ keys: ['a'], value: ' ' })).toBeUndefined();
  });

  it('names an unknown metric and the known ones', () => {
    expect(() => diffSpecFrom({ metric: 'profit' })).toThrow(UnknownMetricError);
    expect(() => metricOrThrow('profit')).toThrow(
      'unknown metric "profit" (known: revenue, c-revenue, c_revenue, cohort-revenue, cohort_revenue)',
    );
  });
});
