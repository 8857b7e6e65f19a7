import { describe, expect, it } from 'vitest';
import { datasetKind, parseClick, parseConversion, parseImpression, parseRevenueMicros } from './rows.js';

describe('parseRevenueMicros', () => {
  it('reads plain decimals exactly in micro-units', () => {
    expect(parseRevenueMicros('1.173893')).toBe(1_173_893);
    expect(parseRevenueMicros('0.00002')).toBe(20);
    expect(parseRevenueMicros('0')).toBe(0);
    expect(parseRevenueMicros('12')).toBe(12_000_000);
    expect(parseRevenueMicros('.5')).toBe(500_000);
    expect(parseRevenueMicros(' 3.10 ')).toBe(3_100_000);
    expect(parseRevenueMicros('2.1000000')).toBe(2_100_000); // trailing zeros beyond 6 decimals are exact
  });

  it('names negative, non-numeric, empty and over-precise revenue', () => {
    expect(parseRevenueMicros('-1.5')).toEqual({ error: 'revenue "-1.5" is negative' });
    expect(parseRevenueMicros('abc')).toEqual({ error: 'revenue "abc" is not a number' });
    expect(parseRevenueMicros('1e3')).toEqual({ error: 'revenue "1e3" is not a number' });
    expect(parseRevenueMicros('.')).toEqual({ error: 'revenue "." is not a number' });
    expect(parseRevenueMicros('')).toEqual({ error: 'revenue is empty' });
    expect(parseRevenueMicros('0.0000001')).toEqual({
      error: 'revenue "0.0000001" has more than 6 decimals',
    });
  });
});

describe('row parsing', () => {
  it('reads ids and names the field that is not a whole number, empty or missing', () => {
    expect(parseImpression(['410', '27'])).toEqual({ ok: true, row: { bannerId: 410, campaignId: 27 } });
    expect(parseClick(['x1', '2', '3'])).toEqual({
      ok: false,
      reason: 'click_id "x1" is not a whole number',
    });
    expect(parseClick(['1', '', '3'])).toEqual({ ok: false, reason: 'banner_id is empty' });
    expect(parseClick(['1', '2', undefined])).toEqual({ ok: false, reason: 'missing column campaign_id' });
    expect(parseImpression(['-4', '1'])).toEqual({
      ok: false,
      reason: 'banner_id "-4" is not a whole number',
    });
    expect(parseConversion(['5', '6', '-0.1'])).toEqual({ ok: false, reason: 'revenue "-0.1" is negative' });
    expect(parseConversion(['5', '6', '0.25'])).toEqual({
      ok: true,
      row: { conversionId: 5, clickId: 6, revenueMicros: 250_000 },
    });
  });

  it('tells the kind of a file by its name, else by its header', () => {
    expect(datasetKind('impressions_1.csv', [])).toBe('impressions');
    expect(datasetKind('Clicks.CSV', [])).toBe('clicks');
    expect(datasetKind('conversions_4.csv', [])).toBe('conversions');
    expect(datasetKind('upload.csv', ['conversion_id', 'click_id', 'revenue'])).toBe('conversions');
    expect(datasetKind('upload.csv', ['click_id', 'banner_id', 'campaign_id'])).toBe('clicks');
    expect(datasetKind('upload.csv', ['banner_id', 'campaign_id'])).toBe('impressions');
    expect(datasetKind('upload.csv', ['a', 'b'])).toBeUndefined();
  });
});
