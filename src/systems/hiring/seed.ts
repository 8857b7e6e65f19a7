// Generates realistic random applicants: pure (a seeded PRNG, no I/O), so tests can pin the output.
import { faker } from '@faker-js/faker/locale/en';
import { PHONE_TYPES, REGIONS, STATES, type Region, type WorkflowState } from './constants.js';
import { dayOf, formatDay, parseIsoDate } from './funnel.js';
import type { NewApplicantRow } from './repository.js';
import { seededRandom, type Random } from '../../platform/random.js';

export { seededRandom, type Random };

/** The original data's state mix (rejected was ~0 %; we keep a sliver so the state is exercised). */
export const STATE_MIX: Record<WorkflowState, number> = {
  applied: 28.5,
  quiz_started: 23.8,
  quiz_completed: 19.1,
  onboarding_requested: 14.2,
  onboarding_completed: 9.5,
  hired: 4.7,
  rejected: 0.2,
};

const PHONE_TYPE_WEIGHTS = [18, 22, 12, 28, 6, 4, 3, 7];
const SOURCES = [
  'Craigslist',
  'Facebook',
  'A friend',
  'Google search',
  'Indeed',
  'Instagram',
  'Flyer in a store',
  'Radio',
];
const REASONS = [
  'I love grocery shopping and want flexible hours.',
  'Looking for extra income on weekends.',
  'I know the stores in my neighbourhood really well.',
  'Flexible schedule that works around school.',
];
const DOMAINS = ['example.com', 'example.org', 'example.net'];

/** Country code + area code per region, and how many digits follow. */
const PHONE_PLAN: Record<Region, { prefix: string; nanp: boolean }> = {
  'San Francisco Bay Area': { prefix: '+1415', nanp: true },
  Chicago: { prefix: '+1312', nanp: true },
  Boston: { prefix: '+1617', nanp: true },
  NYC: { prefix: '+1212', nanp: true },
  Toronto: { prefix: '+1416', nanp: true },
  Berlin: { prefix: '+4930', nanp: false },
  Delhi: { prefix: '+9111', nanp: false },
};
const NUMBERS_PER_PREFIX = 8_000_000;

function pickWeighted<T>(items: readonly T[], weights: readonly number[], r: number): T {
  const total = weights.reduce((a, b) => a + b, 0);
  let x = r * total;
  for (let i = 0; i < items.length; i++) {
    x -= weights[i]!;
    if (x < 0) return items[i]!;
  }
  return items[items.length - 1]!;
}

function asciiLower(name: string): string {
  return (
    name
      .normalize('NFD')
      .replace(/[^A-Za-z]/g, '')
      .toLowerCase() || 'shopper'
  );
}

export interface SeedOptions {
  from: Date;
  to: Date;
  random: Random;
  /** Makes emails and phones of this run differ from earlier runs' (collisions are skipped anyway). */
  runTag: string;
  /** Offset into each region's phone number space. */
  phoneOffset: number;
  /** How many rows the whole run makes: rows come in application-time order across the run. */
  total: number;
}

/**
 * Applicant rows with realistic names, unique emails and phones (within the run), application
 * times spread over [from, to] with volume growing over time (like the original: ~60x from first
 * week to last), and the funnel-shaped state mix above. Rows come in application-time order
 * (stratified sampling of the time distribution): appending to the created_at indexes instead of
 * inserting at random places makes bulk seeding about twice as fast.
 */
export function* generateApplicants(
  count: number,
  opts: SeedOptions,
  startIndex = 0,
): Generator<NewApplicantRow> {
  const firstNames = faker.definitions.person.first_name.generic ?? ['Alex'];
  const lastNames = faker.definitions.person.last_name.generic ?? ['Smith'];
  // Email parts per name, computed once (normalising a name costs more than the rest of a row).
  const firstEmail = firstNames.map(asciiLower);
  const lastEmail = lastNames.map(asciiLower);
  const stateWeights = STATES.map((s) => STATE_MIX[s]);
  const fromMs = opts.from.getTime();
  const spanMs = Math.max(0, opts.to.getTime() - fromMs);
  const growth = Math.log(58);
  for (let i = startIndex; i < startIndex + count; i++) {
    const r = opts.random;
    const firstIndex = Math.floor(r() * firstNames.length);
    const lastIndex = Math.floor(r() * lastNames.length);
    const first = firstNames[firstIndex]!;
    const last = lastNames[lastIndex]!;
    const region = REGIONS[Math.floor(r() * REGIONS.length)]!;
    const plan = PHONE_PLAN[region];
    const n = (opts.phoneOffset + i) % NUMBERS_PER_PREFIX;
    // NANP: exchange 200–999, never starting 0/1; other plans: 8 subscriber digits.
    const phone = plan.nanp
      ? `${plan.prefix}${200 + Math.floor(n / 10_000)}${String(n % 10_000).padStart(4, '0')}`
      : `${plan.prefix}${String(20_000_000 + n).padStart(8, '0')}`;
    // Inverse CDF of an exponentially growing density over [0, 1], at the i-th of `total` strata.
    const u = Math.min(1, (i + r()) / Math.max(1, opts.total));
    const x = Math.log(1 + u * (Math.exp(growth) - 1)) / growth;
    const createdMs = fromMs + Math.floor(x * spanMs);
    const state = pickWeighted(STATES, stateWeights, r());
    const stepMinutes = Math.max(0, STATES.indexOf(state)) * (5 + Math.floor(r() * 40));
    const updatedMs = Math.min(createdMs + stepMinutes * 60_000, Math.max(createdMs, opts.to.getTime()));
    yield {
      first_name: first,
      last_name: last,
      email: `${firstEmail[firstIndex]}.${lastEmail[lastIndex]}.${opts.runTag}${i}@${DOMAINS[i % DOMAINS.length]}`,
      phone,
      phone_key: phone,
      region,
      phone_type: pickWeighted(PHONE_TYPES, PHONE_TYPE_WEIGHTS, r()),
      over_21: r() < 0.93 ? 1 : 0,
      source: r() < 0.6 ? SOURCES[Math.floor(r() * SOURCES.length)]! : null,
      reason: r() < 0.3 ? REASONS[Math.floor(r() * REASONS.length)]! : null,
      workflow_state: state,
      created_at: new Date(createdMs).toISOString(),
      updated_at: new Date(updatedMs).toISOString(),
    };
  }
}

/** Days back from `to` that seeding spreads application dates over when `from` is not given. */
export const SEED_DAYS = 182;

/** The seeding window: `from`/`to` as YYYY-MM-DD (inclusive), by default the last 182 days up to now. */
export function seedRange(
  from: string | undefined,
  to: string | undefined,
  now: Date,
): { ok: true; from: Date; to: Date } | { ok: false; error: string } {
  const today = dayOf(now);
  const toDay = to === undefined ? undefined : parseIsoDate(to);
  const fromDay = from === undefined ? undefined : parseIsoDate(from);
  if (to !== undefined && toDay === undefined)
    return { ok: false, error: `to "${to}" is not a real calendar date in YYYY-MM-DD format` };
  if (from !== undefined && fromDay === undefined)
    return { ok: false, error: `from "${from}" is not a real calendar date in YYYY-MM-DD format` };
  const end = toDay === undefined ? now : new Date(`${formatDay(toDay)}T23:59:59.999Z`);
  const start = new Date(`${formatDay(fromDay ?? (toDay ?? today) - SEED_DAYS)}T00:00:00.000Z`);
  if (start > end)
    return { ok: false, error: `from ${formatDay(dayOf(start))} is after to ${formatDay(dayOf(end))}` };
  return { ok: true, from: start, to: end };
}
