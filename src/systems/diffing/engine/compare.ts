/**
 * Value comparison rule of the diff engine.
 *
 * Two values (CSV-unquoted strings) are equal when
 *   1. they are identical strings (byte for byte) — this rule comes first, so 'nan' vs 'nan' is EQUAL
 *      (re-exporting the same data must not produce noise), while 'nan' vs 'NaN' is a change; or
 *   2. both parse as numbers the way Python's float() does and are close in the sense of Python's
 *      math.isclose with its defaults: |a−b| ≤ 1e-9 × max(|a|,|b|), no absolute tolerance
 *      (so 0 vs 1e-12 differ), inf == inf, NaN is never close to anything.
 * Anything else is a change: empty vs a number, a number vs text, two different texts.
 *
 * Accepted number syntax (Python float()): surrounding whitespace, optional sign, digits with single
 * underscores between digits, optional fraction, optional exponent, '.5', '5.', and case-insensitive
 * 'inf', 'infinity', 'nan'. Not accepted (unlike JS Number()): '', hex/octal/binary literals.
 * Non-ASCII digits (which Python also accepts) are treated as text.
 */

const SPECIAL_RE = /^([+-]?)(inf|infinity|nan)$/i;

const isDigitAt = (s: string, i: number) => {
  const c = s.charCodeAt(i);
  return c >= 48 && c <= 57;
};

/** The end of the digit run at `i` (digits, single underscores between digits), or -1 when there is no digit at `i`. */
function digitRunEnd(s: string, i: number): number {
  if (!isDigitAt(s, i)) return -1;
  let j = i + 1;
  for (;;) {
    if (isDigitAt(s, j)) j++;
    else if (s.charCodeAt(j) === 95 && isDigitAt(s, j + 1))
      j += 2; // "_" between two digits
    else return j;
  }
}

/**
 * Whether `s` is a decimal in Python float() syntax: [+-] digits [. [digits]] | [+-] . digits, then
 * an optional exponent [eE][+-]digits. A loop, not a regular expression: V8's backtracking engine
 * recurses per repetition and overflowed its stack on a value of ~9 million digits.
 */
export function isPyDecimal(s: string): boolean {
  let i = s.charCodeAt(0) === 43 || s.charCodeAt(0) === 45 ? 1 : 0;
  const intEnd = digitRunEnd(s, i);
  if (intEnd >= 0) {
    i = intEnd;
    if (s.charCodeAt(i) === 46) i = Math.max(i + 1, digitRunEnd(s, i + 1));
  } else {
    if (s.charCodeAt(i) !== 46) return false;
    i = digitRunEnd(s, i + 1);
    if (i < 0) return false;
  }
  if (s.charCodeAt(i) === 101 || s.charCodeAt(i) === 69) {
    i++;
    if (s.charCodeAt(i) === 43 || s.charCodeAt(i) === 45) i++;
    i = digitRunEnd(s, i);
    if (i < 0) return false;
  }
  return i === s.length;
}

/** Parses like Python's float(); returns undefined where Python would raise ValueError. */
export function parsePyFloat(text: string): number | undefined {
  const s = text.trim();
  if (s.length === 0) return undefined;
  if (isPyDecimal(s)) return Number(s.includes('_') ? s.replace(/_/g, '') : s);
  const m = SPECIAL_RE.exec(s);
  if (m) {
    if ((m[2] as string).toLowerCase() === 'nan') return NaN;
    return m[1] === '-' ? -Infinity : Infinity;
  }
  return undefined;
}

/** Python math.isclose(a, b) with rel_tol=1e-9, abs_tol=0. */
export function isClose(a: number, b: number): boolean {
  if (a === b) return true; // also inf == inf, -0 == 0
  if (!Number.isFinite(a) || !Number.isFinite(b)) return false; // one infinite, or NaN
  const diff = Math.abs(a - b);
  return diff <= Math.abs(1e-9 * b) || diff <= Math.abs(1e-9 * a);
}

/** The full rule on strings (used by tests and by the reference implementation). */
export function valuesEqual(a: string, b: string): boolean {
  if (a === b) return true;
  const x = parsePyFloat(a);
  if (x === undefined) return false;
  const y = parsePyFloat(b);
  if (y === undefined) return false;
  return isClose(x, y);
}

/**
 * The same rule on raw (already unquoted) bytes. The byte comparison is the hot path (most rows are
 * unchanged and byte-identical); parsing only happens when the bytes differ.
 */
export function valueBytesEqual(
  a: Uint8Array,
  aStart: number,
  aEnd: number,
  b: Uint8Array,
  bStart: number,
  bEnd: number,
): boolean {
  const len = aEnd - aStart;
  if (len === bEnd - bStart) {
    let i = 0;
    while (i < len && a[aStart + i] === b[bStart + i]) i++;
    if (i === len) return true;
  }
  // Bytes differ: plain decimals are converted directly from the bytes (exact fast path), anything
  // else is decoded. latin1 keeps a 1:1 byte mapping; non-ASCII never parses as a number anyway.
  let x = plainDecimal(a, aStart, aEnd);
  if (x !== x) {
    const px = parsePyFloat(latin1(a, aStart, aEnd));
    if (px === undefined) return false;
    x = px;
  }
  let y = plainDecimal(b, bStart, bEnd);
  if (y !== y) {
    const py = parsePyFloat(latin1(b, bStart, bEnd));
    if (py === undefined) return false;
    y = py;
  }
  return isClose(x, y);
}

/** 10^0 .. 10^22: all exactly representable as doubles. */
const POW10 = Array.from({ length: 23 }, (_, i) => Number(`1e${i}`));
const MAX_EXACT = 2 ** 53;

/**
 * Value of a plain decimal [+-]digits[.digits] (at least one digit, no exponent, whitespace or
 * underscores) when it is exactly the correctly rounded result (as Number() / Python float() give):
 * the digits as an integer ≤ 2^53 and at most 22 fraction digits, so mantissa / 10^f is one correctly
 * rounded IEEE division of two exact doubles. NaN when the fast path does not apply (caller decodes).
 */
export function plainDecimal(b: Uint8Array, start: number, end: number): number {
  let i = start;
  let neg = false;
  if (i < end) {
    const c = b[i] as number;
    if (c === 45) {
      neg = true;
      i++;
    } else if (c === 43) {
      i++;
    }
  }
  let m = 0;
  let digits = 0;
  let frac = -1;
  for (; i < end; i++) {
    const d = (b[i] as number) - 48;
    if (d >= 0 && d <= 9) {
      m = m * 10 + d;
      digits++;
      if (frac >= 0) frac++;
    } else if (d === -2 && frac < 0) {
      frac = 0; // "."
    } else {
      return NaN;
    }
  }
  if (digits === 0 || m >= MAX_EXACT || frac > 22) return NaN;
  const v = frac > 0 ? m / (POW10[frac] as number) : m;
  return neg ? -v : v;
}

function latin1(bytes: Uint8Array, start: number, end: number): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start).toString('latin1');
}
