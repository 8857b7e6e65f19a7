// The hiring pages show every phone in one international format (web/hiring/phone.ts).
import { describe, expect, it } from 'vitest';
import { emailBreakParts, formatPhone, phoneForForm } from '../../web/hiring/phone.js';
import { normalizePhone } from '../../src/systems/hiring/validation.js';

describe('hiring phone display', () => {
  it('shows North American and other numbers in the same international format', () => {
    expect(formatPhone('+14155550134')).toBe('+1 415 555 0134');
    expect(formatPhone('+447400123456')).toBe('+44 7400 123456');
    expect(formatPhone('+33612345678')).toBe('+33 6 12 34 56 78');
  });

  it('shows historical values as imported in that format too, and an unreadable one as stored', () => {
    expect(formatPhone('201-000-0001')).toBe('+1 201 000 0001');
    expect(formatPhone('+12010000001')).toBe('+1 201 000 0001');
    expect(formatPhone('not a phone')).toBe('not a phone');
    expect(formatPhone('')).toBe('—');
    expect(formatPhone(null)).toBe('—');
  });

  it('starts the edit form with the shown format, which the form accepts back as the same number', () => {
    for (const stored of ['+14155550134', '+447400123456']) {
      const shown = phoneForForm(stored);
      expect(shown).toBe(formatPhone(stored));
      expect(normalizePhone(shown)).toBe(stored);
    }
    expect(phoneForForm('')).toBe('');
  });
});

describe('hiring email display', () => {
  it('lets an email break only after the @ and before a dot, keeping every character', () => {
    const email = 'ada.lovelace@analytical.example.com';
    expect(emailBreakParts(email)).toEqual(['ada', '.lovelace@', 'analytical', '.example', '.com']);
    expect(emailBreakParts(email).join('')).toBe(email);
  });
});
