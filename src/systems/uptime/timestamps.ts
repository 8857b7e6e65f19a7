// Poll timestamps -> epoch milliseconds (pure).
//
// Accepted, and nothing else:
//   2023-01-22 12:09:39.388884 UTC   the exports' format: ' UTC' suffix, a fraction of any length or none
//   2023-01-22T12:09:39.388884Z      ISO 8601 / RFC 3339 with 'T' (or a space) and 'Z'
//   2023-01-22T06:09:39-06:00        ... or an explicit offset ±HH:MM (+00:00 included)
// A timestamp without a zone is refused: the column is UTC by name, but a bare time could as well be
// local, and guessing would shift a store's polls by hours without anyone noticing.
// Sub-millisecond digits are dropped (floor): the report is rounded to hundredths of a minute.
//
// Hand-written on purpose (a measured hot path: 1.85M rows an import): one pass over char codes, no
// regular expression, no Date.parse (whose handling of non-ISO text is implementation-defined).
// bench/uptime-engine.ts measures it against Date.parse on the ISO form.

const DAY_MS = 86_400_000;

/** Days since 1970-01-01 of a proleptic Gregorian date (month 1..12); Hinnant's days_from_civil. */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const mp = month > 2 ? month - 3 : month + 9;
  const doy = Math.floor((153 * mp + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

/** The calendar date of a day number (inverse of daysFromCivil). */
export function civilFromDays(days: number): { year: number; month: number; day: number } {
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: yoe + era * 400 + (month <= 2 ? 1 : 0), month, day };
}

export function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

const MONTH_NAMES = ['', 'Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const FORMS =
  "expected 'YYYY-MM-DD HH:MM:SS[.fraction] UTC' or ISO 8601 'YYYY-MM-DDTHH:MM:SS[.fraction]Z' (or ±HH:MM)";

// Set by scan() when it returns NaN, so the hot path allocates nothing and the reason is still one
// place: timestampProblem() re-runs scan() on the rare refused value.
let problem = '';

function refuse(reason: string): number {
  problem = reason;
  return Number.NaN;
}

/** The value of `n` ASCII digits at `at`, or -1 when any of them is not a digit. */
function digits(text: string, at: number, n: number): number {
  let v = 0;
  for (let i = at; i < at + n; i++) {
    const d = text.charCodeAt(i) - 48;
    if (!(d >= 0 && d <= 9)) return -1; // written so that NaN (past the end) fails too
    v = v * 10 + d;
  }
  return v;
}

function scan(text: string): number {
  const len = text.length;
  if (len === 0) return refuse('empty timestamp');
  const year = digits(text, 0, 4);
  if (year < 0 || text.charCodeAt(4) !== 45 /* - */ || text.charCodeAt(7) !== 45) {
    return refuse(`'${text}' is not a timestamp: ${FORMS}`);
  }
  const month = digits(text, 5, 2);
  const day = digits(text, 8, 2);
  if (month < 0 || day < 0) return refuse(`'${text}' is not a timestamp: ${FORMS}`);
  if (month < 1 || month > 12) return refuse(`month ${text.slice(5, 7)} does not exist in '${text}'`);
  if (day < 1 || day > daysInMonth(year, month)) {
    return refuse(`${MONTH_NAMES[month]} ${day} does not exist in ${year} ('${text}')`);
  }
  if (len === 10) return refuse(`'${text}' has a date but no time`);
  const sep = text.charCodeAt(10);
  if (sep !== 32 /* space */ && sep !== 84 /* T */) return refuse(`'${text}' is not a timestamp: ${FORMS}`);
  const hour = digits(text, 11, 2);
  const minute = digits(text, 14, 2);
  const second = digits(text, 17, 2);
  if (hour < 0 || minute < 0 || text.charCodeAt(13) !== 58 /* : */) {
    return refuse(`'${text}' has no time of day (HH:MM:SS): ${FORMS}`);
  }
  if (second < 0 || text.charCodeAt(16) !== 58) return refuse(`'${text}' has no seconds (HH:MM:SS)`);
  if (hour > 23) return refuse(`hour ${text.slice(11, 13)} does not exist in '${text}'`);
  if (minute > 59) return refuse(`minute ${text.slice(14, 16)} does not exist in '${text}'`);
  if (second > 59) return refuse(`second ${text.slice(17, 19)} does not exist in '${text}'`);
  let i = 19;
  let ms = 0;
  if (text.charCodeAt(i) === 46 /* . */) {
    i += 1;
    const start = i;
    for (let scale = 100; i < len; i++) {
      const d = text.charCodeAt(i) - 48;
      if (!(d >= 0 && d <= 9)) break;
      ms += d * scale; // integer arithmetic: digits past the third (scale 0) are read and dropped
      scale = (scale / 10) | 0;
    }
    if (i === start) return refuse(`'${text}' has a '.' without fraction digits`);
  }
  let offsetMinutes = 0;
  const rest = len - i;
  const c = text.charCodeAt(i);
  if (
    rest === 4 &&
    c === 32 &&
    text.charCodeAt(i + 1) === 85 &&
    text.charCodeAt(i + 2) === 84 &&
    text.charCodeAt(i + 3) === 67
  ) {
    // ' UTC'
  } else if (rest === 1 && c === 90 /* Z */) {
    // 'Z'
  } else if (rest === 6 && (c === 43 || c === 45) && text.charCodeAt(i + 3) === 58) {
    const oh = digits(text, i + 1, 2);
    const om = digits(text, i + 4, 2);
    if (oh < 0 || om < 0 || oh > 23 || om > 59)
      return refuse(`'${text}' has a bad offset '${text.slice(i)}'`);
    offsetMinutes = (c === 45 ? -1 : 1) * (oh * 60 + om);
  } else if (rest === 0) {
    return refuse(`'${text}' has no time zone: add ' UTC', 'Z' or an offset such as +00:00`);
  } else {
    return refuse(`'${text}' ends in '${text.slice(i)}': ${FORMS}`);
  }
  return (
    daysFromCivil(year, month, day) * DAY_MS +
    ((hour * 60 + minute - offsetMinutes) * 60 + second) * 1000 +
    ms
  );
}

/** Epoch milliseconds of a poll timestamp, or NaN when it is not one (see timestampProblem). */
export function parseTimestamp(text: string): number {
  return scan(text);
}

/** Why `text` is refused as a timestamp, or undefined when it is a good one. */
export function timestampProblem(text: string): string | undefined {
  return Number.isNaN(scan(text)) ? problem : undefined;
}

const TWO_DIGITS = Array.from({ length: 60 }, (_, n) => (n < 10 ? '0' : '') + n);
// The generator formats ~1.85M timestamps in day order: the date part is kept for the last day.
let lastDay = Number.NaN;
let lastDatePrefix = '';

/**
 * The exports' format, `2023-01-22 12:09:39.388884 UTC`, of the second that holds `ms`; the fraction
 * is `micros` (0..999,999, by default `ms`'s own milliseconds) without trailing zeros, and absent
 * when zero, as the real files write it.
 */
export function formatExportTimestamp(ms: number, micros = (((ms % 1000) + 1000) % 1000) * 1000): string {
  const days = Math.floor(ms / DAY_MS);
  if (days !== lastDay) {
    const { year, month, day } = civilFromDays(days);
    lastDatePrefix = `${String(year).padStart(4, '0')}-${TWO_DIGITS[month]}-${TWO_DIGITS[day]} `;
    lastDay = days;
  }
  const sec = Math.floor((ms - days * DAY_MS) / 1000);
  const hms = `${TWO_DIGITS[Math.floor(sec / 3600)]}:${TWO_DIGITS[Math.floor(sec / 60) % 60]}:${TWO_DIGITS[sec % 60]}`;
  if (micros <= 0) return `${lastDatePrefix}${hms} UTC`;
  let m = micros;
  let width = 6;
  while (m % 10 === 0) {
    m /= 10;
    width -= 1;
  }
  return `${lastDatePrefix}${hms}.${String(m).padStart(width, '0')} UTC`;
}
