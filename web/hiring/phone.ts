// One way to show a phone number on every hiring page (admin list, detail, the edit form):
// libphonenumber's international format, "+1 415 555 0100", "+44 7400 123456".
import { parsePhoneNumberFromString } from 'libphonenumber-js';

/**
 * A stored phone (E.164, or a historical value as imported) in the international format. A value
 * libphonenumber cannot read at all is shown as stored, so nothing is hidden.
 */
export function formatPhone(value: string | null | undefined): string {
  const raw = (value ?? '').trim();
  if (!raw) return '—';
  const parsed = parsePhoneNumberFromString(raw, raw.startsWith('+') ? undefined : 'US');
  return parsed ? parsed.formatInternational() : raw;
}

/** The phone as the edit form starts with it: the same format as the pages show, empty when none. */
export function phoneForForm(value: string | null | undefined): string {
  return (value ?? '').trim() ? formatPhone(value) : '';
}

/**
 * An email cut where a line may break: after the "@" and before each "." (so a long address wraps
 * as "ada.lovelace@" / "example.com", never in the middle of a word).
 */
export function emailBreakParts(email: string): string[] {
  return email.split(/(?<=@)|(?=\.)/).filter((part) => part !== '');
}
