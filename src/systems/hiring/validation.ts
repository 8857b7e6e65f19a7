// Pure validation and normalisation of an application. No I/O: uniqueness is checked by the service.
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';
import { FIELD_LIMITS, PHONE_TYPES, REGIONS, type PhoneType, type Region } from './constants.js';

/** What the form sends (all optional: a missing field is reported, not thrown). */
export interface ApplicationInput {
  first_name?: unknown;
  last_name?: unknown;
  email?: unknown;
  phone?: unknown;
  region?: unknown;
  phone_type?: unknown;
  over_21?: unknown;
  source?: unknown;
  reason?: unknown;
}

/** A valid application, normalised: trimmed names, lower-case email, E.164 phone. */
export interface Application {
  first_name: string;
  last_name: string;
  email: string;
  phone: string;
  region: Region;
  phone_type: PhoneType;
  over_21: boolean;
  source: string | null;
  reason: string | null;
}

export type FieldErrors = Partial<Record<keyof Application | 'background_check_consent' | 'form', string>>;

export type Validated<T> = { ok: true; value: T } | { ok: false; fields: FieldErrors };

// Deliberately simple: one @, no spaces, a dot in the domain. RFC 5322 allows more than any mail
// provider accepts; this rejects typos people actually make.
const EMAIL = /^[^\s@"<>()[\]\\,;:]+@[^\s@"<>()[\]\\,;:]+\.[A-Za-z]{2,}$/;

const REGION_COUNTRY: Record<Region, CountryCode> = {
  'San Francisco Bay Area': 'US',
  Chicago: 'US',
  Boston: 'US',
  NYC: 'US',
  Toronto: 'CA',
  Berlin: 'DE',
  Delhi: 'IN',
};

/** The country whose numbering plan reads a region's local numbers (US when the region is unknown). */
export function regionCountry(region?: string): CountryCode {
  // Own keys only: a region typed as "constructor" or "__proto__" read Object's members (a 500).
  return (region && Object.hasOwn(REGION_COUNTRY, region) && REGION_COUNTRY[region as Region]) || 'US';
}

/**
 * E.164 form of a phone number, or undefined when it is not a valid number. Numbers without a
 * country code are read in the region's country (US when unknown). Extensions are refused:
 * shoppers are reached on a mobile phone.
 */
export function normalizePhone(raw: string, region?: string): string | undefined {
  const phone = readPhone(raw, region);
  return phone.acceptable ? phone.e164 : undefined;
}

/**
 * One parse of a phone as typed or stored: its E.164 number without any extension (read in the
 * region's country, else as a US number), and whether today's form would accept it as written.
 * Parsing costs ~10 µs, so bulk imports call this once per row.
 */
export function readPhone(raw: string, region?: string): { e164: string | undefined; acceptable: boolean } {
  const country = regionCountry(region);
  if ((country === 'US' || country === 'CA') && refusedNanpShape(raw.trim()))
    return { e164: undefined, acceptable: false };
  return readPhoneWithLibrary(raw, country);
}

/** readPhone without the shortcut below: libphonenumber decides every number (tests compare the two). */
export function readPhoneWithLibrary(
  raw: string,
  country: CountryCode,
): { e164: string | undefined; acceptable: boolean } {
  const parsed = parsePhoneNumberFromString(raw.trim(), country);
  if (parsed?.isValid()) return { e164: parsed.number, acceptable: !parsed.ext };
  return { e164: country === 'US' ? undefined : normalizeLegacyPhone(raw), acceptable: false };
}

// Hand-written for a measured hot path: historical imports are mostly numbers like 201-000-0001,
// and libphonenumber takes ~15 µs to refuse each one (after the US plan fails it tries every other
// North American country's metadata in turn), most of a 500,000-row import's checking time. In
// libphonenumber's metadata no US or Canadian number has an exchange (digits 4–6) starting with 0
// or 1; the area codes other NANP countries own (Caribbean ones, toll-free 8xx, personal 5xx,
// premium 900) may, so those still go to the library. Read in the US or Canada, such a number has
// no E.164 form (normalizeLegacyPhone reads it as a US number too). validation.test.ts proves the
// shortcut equal to the library on every area code, the original sample and generated files.
const NANP_ZERO_ONE_EXCHANGE = /^(?:\(([2-9]\d\d)\) ?|([2-9]\d\d)[-. ]?)[01]\d\d[-. ]?\d{4,6}$/;
const NANP_OTHER_COUNTRIES = new Set(
  '242 246 264 268 284 340 345 441 473 649 658 664 670 671 684 721 758 767 784 787 869 876 900 939'.split(
    ' ',
  ),
);

/** Whether `phone` (trimmed) is a North American number that libphonenumber surely refuses in the US or Canada. */
export function refusedNanpShape(phone: string): boolean {
  const m = NANP_ZERO_ONE_EXCHANGE.exec(phone);
  if (!m) return false;
  const area = (m[1] ?? m[2])!;
  return area[0] !== '5' && area[0] !== '8' && !NANP_OTHER_COUNTRIES.has(area);
}

/** Lenient form for historical data: the number without its extension, when it parses at all. */
export function normalizeLegacyPhone(raw: string): string | undefined {
  const parsed = parsePhoneNumberFromString(raw.trim(), 'US');
  return parsed?.isValid() ? parsed.number : undefined;
}

/** The last four digits of a phone number as typed or stored (ignoring any extension). */
export function lastFourDigits(phone: string): string {
  const main = normalizeLegacyPhone(phone) ?? phone;
  return main.replace(/\D/g, '').slice(-4);
}

export function normalizeEmail(raw: string): string {
  return raw.trim().toLowerCase();
}

export function isValidEmail(email: string): boolean {
  return email.length <= FIELD_LIMITS.email && EMAIL.test(email);
}

function text(value: unknown): string {
  return typeof value === 'string' ? value.trim() : '';
}

export function validateApplication(input: ApplicationInput): Validated<Application> {
  const fields: FieldErrors = {};
  const first_name = text(input.first_name);
  const last_name = text(input.last_name);
  const email = normalizeEmail(text(input.email));
  const phoneRaw = text(input.phone);
  const region = text(input.region);
  const phone_type = text(input.phone_type);
  const source = text(input.source);
  const reason = text(input.reason);

  if (!first_name) fields.first_name = 'First name is required';
  else if (first_name.length > FIELD_LIMITS.name)
    fields.first_name = `First name must be at most ${FIELD_LIMITS.name} characters`;
  if (!last_name) fields.last_name = 'Last name is required';
  else if (last_name.length > FIELD_LIMITS.name)
    fields.last_name = `Last name must be at most ${FIELD_LIMITS.name} characters`;
  if (!email) fields.email = 'Email is required';
  else if (!isValidEmail(email)) fields.email = 'Enter a valid email address, like name@example.com';
  if (!(REGIONS as readonly string[]).includes(region))
    fields.region = region ? 'Choose one of the listed regions' : 'Region is required';
  if (!(PHONE_TYPES as readonly string[]).includes(phone_type)) {
    fields.phone_type = phone_type ? 'Choose one of the listed phone types' : 'Phone type is required';
  }
  const phone = phoneRaw ? normalizePhone(phoneRaw, region) : undefined;
  if (!phoneRaw) fields.phone = 'Phone is required';
  else if (!phone) fields.phone = 'Enter a valid phone number, like (415) 555-0100 or +49 30 901820';
  let over_21: boolean | undefined;
  if (input.over_21 === true || input.over_21 === 'yes' || input.over_21 === 'true') over_21 = true;
  else if (input.over_21 === false || input.over_21 === 'no' || input.over_21 === 'false') over_21 = false;
  else fields.over_21 = 'Tell us whether you are over 21';
  if (source.length > FIELD_LIMITS.source) fields.source = `At most ${FIELD_LIMITS.source} characters`;
  if (reason.length > FIELD_LIMITS.reason) fields.reason = `At most ${FIELD_LIMITS.reason} characters`;

  if (Object.keys(fields).length > 0) return { ok: false, fields };
  return {
    ok: true,
    value: {
      first_name,
      last_name,
      email,
      phone: phone!,
      region: region as Region,
      phone_type: phone_type as PhoneType,
      over_21: over_21!,
      source: source || null,
      reason: reason || null,
    },
  };
}
