import fs from 'node:fs';
import SQLite from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { LEGACY_SAMPLE, legacyPhone } from '../../../test/support/hiring-legacy.js';
import { FIELD_LIMITS, REGIONS } from './constants.js';
import {
  isValidEmail,
  lastFourDigits,
  normalizeEmail,
  normalizeLegacyPhone,
  normalizePhone,
  readPhone,
  readPhoneWithLibrary,
  refusedNanpShape,
  regionCountry,
  validateApplication,
  type ApplicationInput,
} from './validation.js';

const GOOD: ApplicationInput = {
  first_name: 'Ada',
  last_name: 'Lovelace',
  email: 'ada@example.com',
  phone: '(415) 555-0100',
  region: 'San Francisco Bay Area',
  phone_type: 'iPhone 6/6 Plus',
  over_21: true,
  source: 'A friend',
  reason: 'Flexible hours',
};

function fieldsOf(input: ApplicationInput) {
  const result = validateApplication(input);
  if (result.ok) throw new Error(`expected a validation failure for ${JSON.stringify(input)}`);
  return result.fields;
}

describe('validateApplication', () => {
  it('accepts a complete application and normalises it (trimmed names, lower-case email, E.164 phone)', () => {
    const result = validateApplication({
      ...GOOD,
      first_name: '  Ada ',
      email: '  Ada@Example.COM ',
      source: '',
      reason: '   ',
    });
    expect(result).toEqual({
      ok: true,
      value: {
        first_name: 'Ada',
        last_name: 'Lovelace',
        email: 'ada@example.com',
        phone: '+14155550100',
        region: 'San Francisco Bay Area',
        phone_type: 'iPhone 6/6 Plus',
        over_21: true,
        source: null,
        reason: null,
      },
    });
  });

  it('reports every required field that is missing, each with its own message', () => {
    const fields = fieldsOf({});
    expect(Object.keys(fields).sort()).toEqual([
      'email',
      'first_name',
      'last_name',
      'over_21',
      'phone',
      'phone_type',
      'region',
    ]);
    expect(fields.first_name).toMatch(/first name is required/i);
    expect(fields.email).toMatch(/email is required/i);
    expect(fields.phone).toMatch(/phone is required/i);
    expect(fields.region).toMatch(/region is required/i);
  });

  it('treats names made only of spaces as missing', () => {
    expect(fieldsOf({ ...GOOD, first_name: '   ', last_name: '\t' })).toEqual({
      first_name: 'First name is required',
      last_name: 'Last name is required',
    });
  });

  it('treats a value of the wrong type as missing rather than throwing', () => {
    const fields = fieldsOf({ ...GOOD, first_name: 42, email: ['a@b.com'] });
    expect(Object.keys(fields).sort()).toEqual(['email', 'first_name']);
  });

  it('refuses names longer than the limit', () => {
    const fields = fieldsOf({ ...GOOD, last_name: 'x'.repeat(FIELD_LIMITS.name + 1) });
    expect(fields).toEqual({ last_name: expect.stringContaining(String(FIELD_LIMITS.name)) });
    expect(validateApplication({ ...GOOD, last_name: 'x'.repeat(FIELD_LIMITS.name) }).ok).toBe(true);
  });

  it.each([
    'ada',
    'ada@',
    '@example.com',
    'ada@example',
    'ada @example.com',
    'ada@exa mple.com',
    'ada@@example.com',
    'ada@example.c',
  ])('refuses the malformed email "%s" with a message showing the expected form', (email) => {
    expect(fieldsOf({ ...GOOD, email })).toEqual({
      email: expect.stringMatching(/valid email.*name@example\.com/),
    });
  });

  it.each(['12', '555-0100', 'not a phone', '+1 415 555 01000'])(
    'refuses the malformed phone "%s"',
    (phone) => {
      expect(fieldsOf({ ...GOOD, phone })).toEqual({ phone: expect.stringMatching(/valid phone number/) });
    },
  );

  it('refuses a phone with an extension for a new application', () => {
    expect(fieldsOf({ ...GOOD, phone: '415-555-0100 ext. 12' })).toEqual({ phone: expect.any(String) });
    expect(fieldsOf({ ...GOOD, phone: '276.239.8397 x9941' })).toEqual({ phone: expect.any(String) });
  });

  it('refuses a region or phone type not on the list, with a message different from "required"', () => {
    const fields = fieldsOf({ ...GOOD, region: 'Paris', phone_type: 'Nokia 3310' });
    expect(fields.region).toBe('Choose one of the listed regions');
    expect(fields.phone_type).toBe('Choose one of the listed phone types');
  });

  it('reads over_21 from booleans and yes/no/true/false words, and refuses anything else', () => {
    for (const yes of [true, 'yes', 'true'])
      expect(validateApplication({ ...GOOD, over_21: yes })).toMatchObject({
        ok: true,
        value: { over_21: true },
      });
    for (const no of [false, 'no', 'false'])
      expect(validateApplication({ ...GOOD, over_21: no })).toMatchObject({
        ok: true,
        value: { over_21: false },
      });
    for (const other of [null, undefined, 1, 'maybe'])
      expect(Object.keys(fieldsOf({ ...GOOD, over_21: other }))).toEqual(['over_21']);
  });

  it('refuses a source or reason over its limit', () => {
    const fields = fieldsOf({
      ...GOOD,
      source: 's'.repeat(FIELD_LIMITS.source + 1),
      reason: 'r'.repeat(FIELD_LIMITS.reason + 1),
    });
    expect(Object.keys(fields).sort()).toEqual(['reason', 'source']);
  });

  it('reads a phone without country code in the country of the chosen region (Berlin)', () => {
    const result = validateApplication({ ...GOOD, region: 'Berlin', phone: '030 901820' });
    expect(result).toMatchObject({ ok: true, value: { phone: '+4930901820' } });
  });

  it('refuses a Berlin local number when the region is in the US', () => {
    expect(Object.keys(fieldsOf({ ...GOOD, phone: '030 901820' }))).toEqual(['phone']);
  });
});

describe('normalizePhone', () => {
  it('gives the same E.164 number for (415) 555-0100, 415.555.0100 and +1 415 555 0100', () => {
    const forms = ['(415) 555-0100', '415.555.0100', '+1 415 555 0100', ' 415-555-0100 '].map((p) =>
      normalizePhone(p, 'NYC'),
    );
    expect(forms).toEqual(['+14155550100', '+14155550100', '+14155550100', '+14155550100']);
  });

  it('reads numbers as US when the region is unknown or absent', () => {
    expect(normalizePhone('415.555.0100')).toBe('+14155550100');
    expect(normalizePhone('415.555.0100', 'Atlantis')).toBe('+14155550100');
    // Found by the fuzzer (test/fuzz): Object's own members are no regions (it was a 500).
    for (const region of ['constructor', '__proto__', 'toString', 'hasOwnProperty'])
      expect(normalizePhone('415.555.0100', region), region).toBe('+14155550100');
  });

  it('keeps an explicit country code whatever the region', () => {
    expect(normalizePhone('+49 30 901820', 'Chicago')).toBe('+4930901820');
    expect(normalizePhone('+1 415 555 0100', 'Berlin')).toBe('+14155550100');
  });

  it('refuses extensions', () => {
    expect(normalizePhone('+1 415 555 0100 x3')).toBeUndefined();
  });
});

describe('normalizeLegacyPhone', () => {
  it('drops the extension of a historical number', () => {
    expect(normalizeLegacyPhone('276.239.8397 x9941')).toBe('+12762398397');
  });

  it('gives undefined for a number that does not parse', () => {
    expect(normalizeLegacyPhone('12')).toBeUndefined();
  });
});

describe('lastFourDigits', () => {
  it('gives the last four digits of a number in any format', () => {
    expect(lastFourDigits('+14155550100')).toBe('0100');
    expect(lastFourDigits('(415) 555-0100')).toBe('0100');
    expect(lastFourDigits('+49 30 901820')).toBe('1820');
  });

  it('ignores an extension', () => {
    expect(lastFourDigits('276.239.8397 x9941')).toBe('8397');
  });

  it('falls back to the digits as written for a number that does not parse', () => {
    expect(lastFourDigits('207-000-0007')).toBe('0007');
  });
});

describe('emails', () => {
  it('normalises by trimming and lower-casing', () => {
    expect(normalizeEmail('  Ada.Lovelace@Example.COM\n')).toBe('ada.lovelace@example.com');
  });

  it('refuses an address longer than 254 characters even when well formed', () => {
    const long = `${'a'.repeat(FIELD_LIMITS.email - '@example.com'.length + 1)}@example.com`;
    expect(long.length).toBe(FIELD_LIMITS.email + 1);
    expect(isValidEmail(long)).toBe(false);
    expect(isValidEmail(long.slice(1))).toBe(true);
  });
});

describe('readPhone: the shortcut for North American numbers with a 0xx/1xx exchange', () => {
  /** readPhone against libphonenumber alone, for each phone read in each region. */
  function disagreements(phones: readonly string[], regions: readonly string[]): string[] {
    const out: string[] = [];
    for (const phone of phones)
      for (const region of regions) {
        const fast = readPhone(phone, region);
        const slow = readPhoneWithLibrary(phone, regionCountry(region));
        if (fast.e164 !== slow.e164 || fast.acceptable !== slow.acceptable)
          out.push(`${phone} in ${region}: ${JSON.stringify(fast)} vs ${JSON.stringify(slow)}`);
      }
    return out;
  }

  it('decides historical numbers like 201-000-0001 without the library, and not valid ones', () => {
    expect(refusedNanpShape('201-000-0001')).toBe(true);
    expect(refusedNanpShape('(773) 123-4567')).toBe(true);
    expect(refusedNanpShape('345-000-12345')).toBe(false); // Cayman Islands: the library decides
    expect(refusedNanpShape('800-000-0001')).toBe(false); // toll-free: the library decides
    expect(refusedNanpShape('312-555-0100')).toBe(false);
    expect(refusedNanpShape('+1 201-000-0001')).toBe(false);
    expect(readPhone('201-000-0001', 'Chicago')).toEqual({ e164: undefined, acceptable: false });
    // In Berlin or Delhi the same digits are a local number of another plan: never shortcut.
    expect(readPhone('301-000-0001', 'Berlin')).toEqual(readPhoneWithLibrary('301-000-0001', 'DE'));
  });

  it('agrees with libphonenumber on every area code, exchanges 0xx and 1xx, in every region', () => {
    const lines = ['0000', '9999', '1234', '12345', '999999'];
    const phones: string[] = [];
    for (let area = 200; area <= 999; area++)
      for (const exchange of ['000', '019', '100', '199']) {
        const line = lines[(area + phones.length) % lines.length]!;
        phones.push(area % 2 ? `${area}-${exchange}-${line}` : `(${area}) ${exchange}-${line}`);
      }
    expect(phones.filter(refusedNanpShape).length).toBeGreaterThan(2000);
    expect(disagreements(phones, ['Chicago', 'Toronto'])).toEqual([]);
    expect(disagreements(phones.slice(0, 400), REGIONS)).toEqual([]);
  });

  it('agrees with libphonenumber on the generated files of bench:hiring (both phone shapes)', () => {
    const phones: string[] = [];
    for (let id = 1; id <= 500_000; id += 97)
      phones.push(legacyPhone(id, 'historical'), legacyPhone(id, 'valid'));
    expect(disagreements(phones, ['Chicago'])).toEqual([]);
  });

  it.skipIf(!fs.existsSync(LEGACY_SAMPLE))(
    'agrees with libphonenumber on every phone of the original sample (skipped when absent)',
    () => {
      const db = new SQLite(LEGACY_SAMPLE, { readonly: true });
      const rows = db.prepare('select phone, region from applicants').all() as {
        phone: string | null;
        region: string | null;
      }[];
      db.close();
      expect(rows.length).toBe(1999);
      const out = rows.flatMap((r) => (r.phone ? disagreements([r.phone], [r.region ?? '']) : []));
      expect(out).toEqual([]);
      // The sample does exercise the shortcut.
      expect(rows.filter((r) => r.phone && refusedNanpShape(r.phone)).length).toBeGreaterThan(100);
    },
  );
});
