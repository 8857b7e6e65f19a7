// The diffing page's count wording (web/diffing/format.ts): pure, so tested here where vitest looks.
import { describe, expect, it } from 'vitest';
import { countOf, previewCount } from '../../web/diffing/format.js';

describe('diffing page counts', () => {
  it('puts the noun in the right number', () => {
    expect(countOf(1, 'row')).toBe('1 row');
    expect(countOf(2, 'row')).toBe('2 rows');
    expect(countOf(0, 'new or changed row')).toBe('0 new or changed rows');
  });

  it('says how many preview rows are shown of how many', () => {
    expect(previewCount(20, 1234, 'changed row')).toBe(
      `Showing 20 of ${(1234).toLocaleString()} changed rows.`,
    );
    expect(previewCount(1, 1, 'new row')).toBe('1 new row.');
    expect(previewCount(3, 3, 'deleted row')).toBe('3 deleted rows.');
    expect(previewCount(0, 0, 'deleted row')).toBe('No deleted rows.');
    expect(previewCount(1, 2, 'new row')).toBe('Showing 1 of 2 new rows.');
  });
});
