import { describe, expect, it } from 'vitest';
import { matchColumns, parseFirstRecord } from './header-line.js';

describe('parseFirstRecord', () => {
  it('reads the first record with quotes and a BOM, and says when more of the file is needed', () => {
    expect(parseFirstRecord('\uFEFFa,"b,c",d\r\n1,2,3\n', false)).toEqual(['a', 'b,c', 'd']);
    expect(parseFirstRecord('a,"multi\nline"\n', false)).toEqual(['a', 'multi\nline']);
    expect(parseFirstRecord('a,b', false)).toBeNull();
    expect(parseFirstRecord('a,b', true)).toEqual(['a', 'b']);
    expect(parseFirstRecord('a,"open', true)).toBeNull();
  });
});

describe('matchColumns', () => {
  it('gives the position of each named column in the order asked for', () => {
    expect(matchColumns(['value', 'date', 'seg'], ['date', 'seg', 'value'])).toEqual({
      ok: true,
      indexes: [1, 2, 0],
    });
  });

  it('names the columns that are missing and those that appear more than once, in the order asked for', () => {
    expect(matchColumns(['a', 'b', 'a', 'c', 'c'], ['x', 'c', 'b', 'a', 'y'])).toEqual({
      ok: false,
      missing: ['x', 'y'],
      repeated: ['c', 'a'],
    });
  });
});
