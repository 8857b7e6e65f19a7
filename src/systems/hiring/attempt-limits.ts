// Limits on attempts that are cheap to repeat and reveal something each time: checking whether an
// email or phone is registered (the apply form must say so), and guessing tracking's 4-digit code.
// Counted in the database (hiring_attempts), so they hold across app instances and restarts.
import type { Clock } from '../../platform/clock.js';
import { RateLimitedError } from '../../platform/errors.js';
import { clearAttempts, countAttempt, pruneAttempts } from './repository.js';
import type { HiringDb } from './tables.js';

export interface AttemptLimit {
  scope: string;
  max: number;
  windowMs: number;
  /** The refusal, given the minutes until the window ends. */
  message: (minutes: number) => string;
}

const minutesText = (m: number) => `${m} minute${m === 1 ? '' : 's'}`;

/**
 * Validate and apply together, per client address: a person filling in the form needs a few; each
 * one tells whether an email or phone is registered, so this bounds how fast an address can ask
 * (60 an hour, against 3,600 under the general write limit).
 */
export const APPLY_CHECKS: AttemptLimit = {
  scope: 'apply',
  max: 10,
  windowMs: 10 * 60_000,
  message: (m) => `Too many application checks from your network: please try again in ${minutesText(m)}.`,
};

/** Tracking sign-ins per email: 5 wrong codes an hour, then refused (even the right code) until the hour ends. */
export const TRACKING_TRIES: AttemptLimit = {
  scope: 'track',
  max: 5,
  windowMs: 60 * 60_000,
  message: (m) =>
    `Too many wrong tries for this email: tracking it is locked for ${minutesText(m)}. Check the email and the last four digits of your phone, then try again.`,
};

export class AttemptLimiter {
  constructor(
    private readonly db: HiringDb,
    private readonly clock: Clock,
  ) {}

  /** Counts an attempt; throws RateLimitedError (429 with Retry-After) once the window's max is passed. */
  async hit(limit: AttemptLimit, key: string): Promise<void> {
    const now = this.clock.now();
    const staleBefore = new Date(now.getTime() - limit.windowMs).toISOString();
    const { attempts, window_start } = await countAttempt(
      this.db,
      limit.scope,
      key,
      now.toISOString(),
      staleBefore,
    );
    // A new window: a good moment to drop the scope's ended ones.
    if (attempts === 1) await pruneAttempts(this.db, limit.scope, staleBefore);
    if (attempts <= limit.max) return;
    const seconds = Math.max(
      1,
      Math.ceil((Date.parse(window_start) + limit.windowMs - now.getTime()) / 1000),
    );
    throw new RateLimitedError(limit.message(Math.ceil(seconds / 60)), seconds);
  }

  /** Forgets the key's attempts (a right tracking code starts the count again). */
  async clear(limit: AttemptLimit, key: string): Promise<void> {
    await clearAttempts(this.db, limit.scope, key);
  }
}
