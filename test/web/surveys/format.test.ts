import { describe, expect, it } from 'vitest';
import { formatAverage, formatCount, formatShare } from '../../../web/surveys/format.js';

describe('formatCount', () => {
  it('shows counts below 10,000 in full, without a tooltip', () => {
    expect(formatCount(0)).toEqual({ text: '0' });
    expect(formatCount(7)).toEqual({ text: '7' });
    expect(formatCount(9_999)).toEqual({ text: '9,999' });
  });

  it('shortens 10,000 and above to one decimal with the exact number as the tooltip', () => {
    expect(formatCount(10_000)).toEqual({ text: '10k', title: '10,000' });
    expect(formatCount(12_345)).toEqual({ text: '12.3k', title: '12,345' });
    expect(formatCount(12_350)).toEqual({ text: '12.4k', title: '12,350' });
    expect(formatCount(100_000)).toEqual({ text: '100k', title: '100,000' });
    expect(formatCount(999_949)).toEqual({ text: '999.9k', title: '999,949' });
  });

  it('moves to the next unit instead of showing 1000k', () => {
    expect(formatCount(999_950)).toEqual({ text: '1M', title: '999,950' });
    expect(formatCount(1_250_000)).toEqual({ text: '1.3M', title: '1,250,000' });
    expect(formatCount(2_000_000_000)).toEqual({ text: '2B', title: '2,000,000,000' });
  });

  it('keeps the sign and handles non-numbers', () => {
    expect(formatCount(-12_345)).toEqual({ text: '-12.3k', title: '-12,345' });
    expect(formatCount(Number.NaN)).toEqual({ text: '—' });
  });

  it('never shows more than one decimal or a different magnitude than the exact number', () => {
    for (let n = 10_000; n < 5_000_000; n = Math.floor(n * 1.37) + 1) {
      const { text, title } = formatCount(n);
      expect(text).toMatch(/^\d{1,3}(\.\d)?[kMB]$/);
      expect(Number((title ?? '').replace(/,/g, ''))).toBe(n);
      const scale = text.endsWith('k') ? 1e3 : text.endsWith('M') ? 1e6 : 1e9;
      expect(Math.abs(Number.parseFloat(text) * scale - n)).toBeLessThanOrEqual(scale * 0.05 + 1e-6);
    }
  });
});

describe('formatAverage', () => {
  it('shows one decimal, or a dash when there is no average', () => {
    expect(formatAverage(34.56)).toBe('34.6');
    expect(formatAverage(40)).toBe('40.0');
    expect(formatAverage(null)).toBe('—');
    expect(formatAverage(undefined)).toBe('—');
  });
});

describe('formatShare', () => {
  it('rounds to a whole percentage and shows a dash for an empty total', () => {
    expect(formatShare(1, 3)).toBe('33 %');
    expect(formatShare(2, 3)).toBe('67 %');
    expect(formatShare(0, 0)).toBe('—');
  });
});
