import type { Quarter } from './ports.js';

/** The quarter of the hour a moment falls in, by the UTC clock: minutes 0–14 → 1, 15–29 → 2, 30–44 → 3, 45–59 → 4. */
export function quarterOf(at: Date): Quarter {
  return (Math.floor(at.getUTCMinutes() / 15) + 1) as Quarter;
}
