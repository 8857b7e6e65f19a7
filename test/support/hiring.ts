// Applications for hiring tests.
import type { ApplicationInput } from '../../src/systems/hiring/validation.js';

/** A valid application, different for each n (name, email, phone), with `overrides` applied. */
export function application(n: number, overrides: ApplicationInput = {}): ApplicationInput {
  return {
    first_name: `First${n}`,
    last_name: `Last${n}`,
    email: `person${n}@example.com`,
    phone: `(415) 555-${String(100 + n).padStart(4, '0')}`,
    region: 'San Francisco Bay Area',
    phone_type: 'Other',
    over_21: true,
    ...overrides,
  };
}
