// Quarters of the hour: which dataset's statistics apply at a given instant.
import { badInput } from '../../platform/errors.js';
import type { Quarter } from './tables.js';

export const QUARTERS: readonly Quarter[] = [1, 2, 3, 4];

/** The quarter of the hour at `at` by the UTC clock: minutes 0–14 → 1, 15–29 → 2, 30–44 → 3, 45–59 → 4. */
export function quarterAt(at: Date): Quarter {
  return (Math.floor(at.getUTCMinutes() / 15) + 1) as Quarter;
}

/** A quarter written as text ("1" … "4"), or undefined when it is anything else. */
export function parseQuarter(raw: string): Quarter | undefined {
  return /^[1-4]$/.test(raw.trim()) ? (Number(raw.trim()) as Quarter) : undefined;
}

/** A quarter from a CLI option, form field or query: 1–4, else bad_input naming the value. */
export function requireQuarter(raw: string, what = 'quarter'): Quarter {
  const q = parseQuarter(raw);
  if (q === undefined) throw badInput(`${what} must be 1, 2, 3 or 4, got "${raw}"`);
  return q;
}
