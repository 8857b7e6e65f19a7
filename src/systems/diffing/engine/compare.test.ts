import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isClose, isPyDecimal, parsePyFloat, plainDecimal, valueBytesEqual, valuesEqual } from './compare.js';

// Expected results below were checked against CPython 3 float() / math.isclose().
describe('parsePyFloat', () => {
  it.each([
    ['1_000', 1000],
    ['.5', 0.5],
    ['5.', 5],
    ['1e5', 100000],
    ['1.e5', 100000],
    ['+1', 1],
    [' 1 ', 1],
    ['\t2\n', 2],
    ['-.5e-3', -0.0005],
    ['1_0.5_5e1_0', 105500000000],
    ['1e400', Infinity],
    ['INF', Infinity],
    ['infinIty', Infinity],
    ['-Infinity', -Infinity],
    ['13781.809999999998', 13781.809999999998],
  ])('accepts %j like Python float() (-> %d)', (text, expected) => {
    expect(parsePyFloat(text)).toBe(expected);
  });

  it.each(['nan', '+nan', 'NaN', '-NAN'])('parses %j as NaN', (text) => {
    expect(parsePyFloat(text)).toBeNaN();
  });

  it.each([
    '',
    ' ',
    '0x10',
    '0b1',
    '0o7',
    '1__0',
    '_1',
    '1_',
    '1_.5',
    '1._5',
    'inf1',
    'Infinityx',
    '1e',
    'e5',
    '.',
    '1.2.3',
    'abc',
    '1,5',
  ])('rejects %j where Python float() raises', (text) => {
    expect(parsePyFloat(text)).toBeUndefined();
  });
});

describe('isClose (math.isclose, rel_tol=1e-9, abs_tol=0)', () => {
  it.each([
    [1000, 1000.0000009, true],
    [1000, 1000.0000011, false],
    [-1000, -1000.0000009, true],
    [-1000, -1000.0000011, false],
    [1e9, 1e9 + 1, true], // diff 1 <= 1e-9 * (1e9 + 1)
    [1e9, 1e9 + 1.0000001, false], // just above the boundary
    [1e-300, 1.0000000009e-300, true],
    [1e-300, 1.0000000011e-300, false],
    [1, 1 + 1e-9, false], // 1+1e-9 is slightly more than 1e-9 away in binary
    [0, 1e-12, false], // no absolute tolerance
    [0, -0, true],
    [Infinity, Infinity, true],
    [-Infinity, -Infinity, true],
    [Infinity, -Infinity, false],
    [Infinity, 1e308, false],
    [NaN, NaN, false],
    [NaN, 1, false],
    [1, -1, false],
  ])('isClose(%d, %d) is %s', (a, b, expected) => {
    expect(isClose(a, b)).toBe(expected);
    expect(isClose(b, a)).toBe(expected);
  });
});

describe('valuesEqual (full comparison rule)', () => {
  it.each([
    ['10', '10.0', true],
    ['10', '1e1', true],
    ['10', '+10', true],
    ['10', ' 10 ', true],
    ['1000', '1_000', true],
    ['13781.809999999998', '13781.81', true],
    ['1000', '1000.0000009', true],
    ['1000', '1000.0000011', false],
    ['-5', '5', false],
    ['0', '1e-12', false],
    ['0', '0.0', true],
    ['0', '-0', true],
    ['', '', true],
    ['', '0', false],
    ['0', '', false],
    ['inf', 'inf', true],
    ['inf', 'Infinity', true],
    ['1e400', 'inf', true],
    ['-inf', 'inf', false],
    ['nan', 'nan', true], // identical strings are equal (rule 1 comes first)
    ['NaN', 'NaN', true],
    ['nan', 'NaN', false], // different strings, NaN never close
    ['nan', '1', false],
    ['abc', 'abc', true],
    ['abc', 'ABC', false],
    ['abc', 'abc ', false],
    ['n/a', '0', false],
    ['0x10', '16', false], // not a Python float: compared as strings
  ])('%j vs %j -> equal=%s', (a, b, expected) => {
    expect(valuesEqual(a, b)).toBe(expected);
    expect(valuesEqual(b, a)).toBe(expected);
  });

  it('valueBytesEqual agrees with valuesEqual on random numeric-looking strings (property)', () => {
    const token = fc.oneof(
      fc.constantFrom('', 'nan', 'NaN', 'inf', '-inf', 'Infinity', '1_0', ' 1', 'abc', '1e', '.5', '5.'),
      fc.double({ noNaN: true }).map(String),
      fc
        .double({ min: -1e6, max: 1e6, noNaN: true })
        .chain((x) =>
          fc.constantFrom(1, 1 + 1e-12, 1 + 5e-10, 1 + 2e-9, 1 - 3e-10).map((f) => String(x * f)),
        ),
    );
    fc.assert(
      fc.property(token, token, (a, b) => {
        const ab = Buffer.from(`xx${a}`);
        const bb = Buffer.from(`${b}yyy`);
        expect(valueBytesEqual(ab, 2, ab.length, bb, 0, bb.length - 3)).toBe(valuesEqual(a, b));
      }),
      { numRuns: 500 },
    );
  });

  it('valueBytesEqual converts plain decimals exactly like parsePyFloat (property)', () => {
    // Plain decimals take a byte-level fast path: 1..19 digits, point anywhere, optional sign, so
    // mantissas on both sides of 2^53 and 0..22+ fraction digits are covered; near-equal pairs probe
    // the tolerance boundary where any conversion error would flip the result.
    const plain = fc
      .tuple(
        fc.constantFrom('', '-', '+'),
        fc.stringMatching(/^[0-9]{1,19}$/),
        fc.integer({ min: -1, max: 25 }),
        fc.stringMatching(/^0{0,6}$/),
      )
      .map(([sign, digits, point, zeros]) => {
        const d = point < 0 ? digits : `${zeros}${digits}`;
        if (point < 0) return sign + d;
        const at = Math.max(0, d.length - point);
        return `${sign}${d.slice(0, at)}.${d.slice(at)}`;
      });
    fc.assert(
      fc.property(plain, fc.constantFrom(1, 1 + 1e-9, 1 - 1e-9, 1 + 1.0000001e-9, 1.01), (a, f) => {
        const x = parsePyFloat(a);
        const fast = plainDecimal(Buffer.from(a), 0, a.length);
        if (!Number.isNaN(fast)) expect(Object.is(fast, x)).toBe(true);
        const b = x === undefined ? '1' : String(x * f);
        const ab = Buffer.from(a);
        const bb = Buffer.from(b);
        expect(valueBytesEqual(ab, 0, ab.length, bb, 0, bb.length)).toBe(valuesEqual(a, b));
        // Against itself with a different spelling (trailing zero): equal iff it parses.
        const a0 = a.includes('.') ? `${a}0` : `${a}.0`;
        const a0b = Buffer.from(a0);
        expect(valueBytesEqual(ab, 0, ab.length, a0b, 0, a0b.length)).toBe(valuesEqual(a, a0));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('isPyDecimal', () => {
  // The regular expression it replaces, which overflowed V8's stack on ~9 million digits.
  const DECIMAL_RE = /^[+-]?(?:\d(?:_?\d)*(?:\.(?:\d(?:_?\d)*)?)?|\.\d(?:_?\d)*)(?:[eE][+-]?\d(?:_?\d)*)?$/;

  it('agrees with the Python float() decimal grammar on any short text of its characters', () => {
    fc.assert(
      fc.property(
        fc.string({
          unit: fc.constantFrom('0', '1', '9', '_', '.', 'e', 'E', '+', '-', 'x', ' '),
          maxLength: 12,
        }),
        (text) => isPyDecimal(text) === DECIMAL_RE.test(text),
      ),
      { numRuns: 20_000 },
    );
  });

  it.each(['1', '-1', '+.5', '5.', '1_000.000_1e-1_0', '0e0'])('accepts %j', (text) => {
    expect(isPyDecimal(text)).toBe(true);
  });

  it.each(['', '.', '+', '1e', '1_', '_1', '1__0', '1._5', 'e5', '1e+', '--1'])('refuses %j', (text) => {
    expect(isPyDecimal(text)).toBe(false);
  });

  it('reads a value of 9 million digits without overflowing the stack, as Python does (inf)', () => {
    const huge = '9'.repeat(9_000_000);
    expect(parsePyFloat(huge)).toBe(Infinity);
    expect(parsePyFloat(`${huge}x`)).toBeUndefined();
    expect(valuesEqual(huge, `${huge.slice(1)}8`)).toBe(true); // both inf
    expect(valuesEqual(`1${huge}x`, `2${huge}x`)).toBe(false); // text, and different
  });
});
