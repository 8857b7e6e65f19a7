import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  civilFromDays,
  daysFromCivil,
  formatExportTimestamp,
  parseTimestamp,
  timestampProblem,
} from './timestamps.js';

describe('parseTimestamp', () => {
  it('reads the exports format with a " UTC" suffix and fractions of any length or none', () => {
    expect(parseTimestamp('2023-01-22 12:09:39.388884 UTC')).toBe(Date.parse('2023-01-22T12:09:39.388Z'));
    expect(parseTimestamp('2023-01-22 12:09:39.38888 UTC')).toBe(Date.parse('2023-01-22T12:09:39.388Z'));
    expect(parseTimestamp('2023-01-22 12:09:39.5 UTC')).toBe(Date.parse('2023-01-22T12:09:39.500Z'));
    expect(parseTimestamp('2023-01-22 12:09:39.12 UTC')).toBe(Date.parse('2023-01-22T12:09:39.120Z'));
    expect(parseTimestamp('2024-10-03 23:33:20 UTC')).toBe(Date.parse('2024-10-03T23:33:20Z'));
    expect(parseTimestamp('2024-10-03 23:33:20.999999999999 UTC')).toBe(
      Date.parse('2024-10-03T23:33:20.999Z'),
    );
  });

  it('reads ISO 8601 with T and Z, a space and Z, and explicit offsets', () => {
    expect(parseTimestamp('2023-01-22T12:09:39.388884Z')).toBe(Date.parse('2023-01-22T12:09:39.388Z'));
    expect(parseTimestamp('2023-01-22T12:09:39Z')).toBe(Date.parse('2023-01-22T12:09:39Z'));
    expect(parseTimestamp('2023-01-22 12:09:39Z')).toBe(Date.parse('2023-01-22T12:09:39Z'));
    expect(parseTimestamp('2023-01-22T12:09:39+00:00')).toBe(Date.parse('2023-01-22T12:09:39Z'));
    expect(parseTimestamp('2023-01-22T06:09:39.1-06:00')).toBe(Date.parse('2023-01-22T12:09:39.100Z'));
    expect(parseTimestamp('2023-01-23T01:39:39+13:30')).toBe(Date.parse('2023-01-22T12:09:39Z'));
  });

  it('knows leap years: 29 February 2024 and 2000 exist, 2023 and 2100 do not', () => {
    expect(parseTimestamp('2024-02-29 00:00:00 UTC')).toBe(Date.parse('2024-02-29T00:00:00Z'));
    expect(parseTimestamp('2000-02-29 00:00:00 UTC')).toBe(Date.parse('2000-02-29T00:00:00Z'));
    expect(timestampProblem('2023-02-29 00:00:00 UTC')).toBe(
      "Feb 29 does not exist in 2023 ('2023-02-29 00:00:00 UTC')",
    );
    expect(timestampProblem('2100-02-29 00:00:00 UTC')).toMatch(/Feb 29 does not exist in 2100/);
  });

  it.each([
    ['', /empty/],
    ['yesterday', /not a timestamp/],
    ['2023/01/22 12:09:39 UTC', /not a timestamp/],
    ['2023-13-01 00:00:00 UTC', /month 13 does not exist/],
    ['2023-00-01 00:00:00 UTC', /month 00 does not exist/],
    ['2023-02-30 00:00:00 UTC', /Feb 30 does not exist in 2023/],
    ['2023-04-31 00:00:00 UTC', /Apr 31 does not exist/],
    ['2023-04-00 00:00:00 UTC', /Apr 0 does not exist/],
    ['2023-01-22', /a date but no time/],
    ['2023-01-22 UTC', /no time of day/],
    ['2023-01-22 12:09 UTC', /no seconds/],
    ['2023-01-22 24:00:00 UTC', /hour 24 does not exist/],
    ['2023-01-22 12:60:00 UTC', /minute 60 does not exist/],
    ['2023-01-22 12:09:60 UTC', /second 60 does not exist/],
    ['2023-01-22 12:09:39. UTC', /'\.' without fraction digits/],
    ['2023-01-22 12:09:39', /no time zone/],
    ['2023-01-22T12:09:39.5', /no time zone/],
    ['2023-01-22 12:09:39 utc', /ends in ' utc'/],
    ['2023-01-22 12:09:39 UTC ', /ends in ' UTC '/],
    ['2023-01-22 12:09:39 CET', /ends in ' CET'/],
    ['2023-01-22T12:09:39z', /ends in 'z'/],
    ['2023-01-22T12:09:39+0000', /ends in '\+0000'/],
    ['2023-01-22T12:09:39+24:00', /bad offset '\+24:00'/],
    ['2023-01-22x12:09:39Z', /not a timestamp/],
    [' 2023-01-22 12:09:39 UTC', /not a timestamp/],
  ])('refuses %j with a reason', (text, reason) => {
    expect(parseTimestamp(text)).toBeNaN();
    expect(timestampProblem(text)).toMatch(reason);
  });

  it('gives no problem for a good timestamp', () => {
    expect(timestampProblem('2023-01-22 12:09:39.388884 UTC')).toBeUndefined();
  });

  it('agrees with Date.parse on every ISO instant (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: Date.parse('1900-01-01'), max: Date.parse('2199-12-31') }), (ms) => {
        const iso = new Date(ms).toISOString();
        expect(parseTimestamp(iso)).toBe(ms);
        expect(parseTimestamp(iso.replace('T', ' ').replace('Z', '123 UTC'))).toBe(ms);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('day numbers', () => {
  it('round-trip through civilFromDays and agree with Date.UTC', () => {
    fc.assert(
      fc.property(fc.integer({ min: -200_000, max: 200_000 }), (days) => {
        const { year, month, day } = civilFromDays(days);
        expect(daysFromCivil(year, month, day)).toBe(days);
        expect(Date.UTC(year, month - 1, day)).toBe(days * 86_400_000);
      }),
    );
  });
});

describe('formatExportTimestamp', () => {
  it('writes the exports format without trailing zeros in the fraction and none when zero', () => {
    const ms = Date.parse('2023-01-22T12:09:39.388Z');
    expect(formatExportTimestamp(ms, 388_884)).toBe('2023-01-22 12:09:39.388884 UTC');
    expect(formatExportTimestamp(ms, 388_880)).toBe('2023-01-22 12:09:39.38888 UTC');
    expect(formatExportTimestamp(ms, 5)).toBe('2023-01-22 12:09:39.000005 UTC');
    expect(formatExportTimestamp(ms, 0)).toBe('2023-01-22 12:09:39 UTC');
    expect(formatExportTimestamp(ms)).toBe('2023-01-22 12:09:39.388 UTC');
    expect(formatExportTimestamp(Date.parse('1969-12-31T23:59:59.250Z'))).toBe('1969-12-31 23:59:59.25 UTC');
  });

  it('is read back by parseTimestamp to the same millisecond', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: Date.parse('2100-01-01') }),
        fc.integer({ min: 0, max: 999 }),
        (ms, us) => {
          const text = formatExportTimestamp(ms, (ms % 1000) * 1000 + us);
          expect(parseTimestamp(text)).toBe(ms);
        },
      ),
    );
  });
});
