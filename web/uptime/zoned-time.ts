// Instants shown on a store's own clock (pure): Intl.DateTimeFormat with the store's IANA zone, so
// daylight saving and 30/45-minute offsets come from the browser's time-zone data, never from
// offsets written here.

const QUARTER_HOUR = 15 * 60_000;
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(locale: string | undefined, timeZone: string, options: Intl.DateTimeFormatOptions) {
  const key = `${locale ?? ''}|${timeZone}|${JSON.stringify(options)}`;
  let f = formatters.get(key);
  if (f === undefined) {
    f = new Intl.DateTimeFormat(locale, { ...options, timeZone });
    formatters.set(key, f);
  }
  return f;
}

export interface LocalParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

/** The wall-clock date and time in `timeZone` of the instant `ms`. */
export function localParts(ms: number, timeZone: string): LocalParts {
  const parts = formatter('en-US', timeZone, {
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
    hourCycle: 'h23',
  }).formatToParts(ms);
  const get = (type: Intl.DateTimeFormatPartTypes) => Number(parts.find((p) => p.type === type)?.value);
  return {
    year: get('year'),
    month: get('month'),
    day: get('day'),
    hour: get('hour'),
    minute: get('minute'),
    second: get('second'),
  };
}

/**
 * The instants in [from, to] at which the store's clock shows a whole hour that is a multiple of
 * `stepHours` (24: local midnights). Every zone's offset is a whole number of quarter hours, so the
 * quarter hours of UTC are the candidates; a clock that jumps over such an hour (a DST gap) has no
 * tick there, and one that shows it twice (fall back) has two.
 */
export function localTicks(from: number, to: number, timeZone: string, stepHours: number): number[] {
  const ticks: number[] = [];
  for (let t = Math.ceil(from / QUARTER_HOUR) * QUARTER_HOUR; t <= to; t += QUARTER_HOUR) {
    const p = localParts(t, timeZone);
    if (p.minute === 0 && p.hour % stepHours === 0) ticks.push(t);
  }
  return ticks;
}

export type LocalStyle =
  /** "Mon 23" (a tick at midnight). */
  | 'day'
  /** "14:00" */
  | 'time'
  /** "Mon, Jan 23, 14:05:09" */
  | 'full';

const STYLES: Record<LocalStyle, Intl.DateTimeFormatOptions> = {
  day: { weekday: 'short', day: 'numeric' },
  time: { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' },
  full: {
    weekday: 'short',
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  },
};

/** `ms` on the store's clock, in the given style (and locale: the browser's by default). */
export function formatLocal(ms: number, timeZone: string, style: LocalStyle, locale?: string): string {
  const f = formatter(locale, timeZone, STYLES[style]);
  if (style !== 'day') return f.format(ms);
  // Weekday first whatever the locale's order ("Mon 23", not "23 Mon"): the axis reads as a week.
  const parts = f.formatToParts(ms);
  const part = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? '';
  return `${part('weekday')} ${part('day')}`;
}

/** The zone's short name at that instant ("CST", "GMT+5:30"), as the browser spells it. */
export function zoneName(ms: number, timeZone: string, locale?: string): string {
  const parts = formatter(locale, timeZone, { timeZoneName: 'short' }).formatToParts(ms);
  return parts.find((p) => p.type === 'timeZoneName')?.value ?? timeZone;
}

/** Whether the browser knows the zone (a zone it lacks is shown in UTC rather than breaking the page). */
export function knownZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}
