// The applicant as the hiring API sends it, and the body the apply/edit forms send.
import { isWorkflowState, STATE_LABELS } from '../../src/systems/hiring/constants.js';
import { phoneForForm } from './phone.js';

export type { Applicant } from '../../src/systems/hiring/service.js';
import type { Applicant } from '../../src/systems/hiring/service.js';

export interface ApplicationBody {
  first_name: string;
  last_name: string;
  email: string;
  phone: string;
  region: string;
  phone_type: string;
  over_21: boolean | null;
  source: string;
  reason: string;
}

export type FieldErrors = Record<string, string>;

/** The body with its text fields trimmed, to send (the form keeps what was typed). */
export function trimmed(values: ApplicationBody): ApplicationBody {
  return {
    ...values,
    first_name: values.first_name.trim(),
    last_name: values.last_name.trim(),
    email: values.email.trim(),
    phone: values.phone.trim(),
    source: values.source.trim(),
    reason: values.reason.trim(),
  };
}

/** Form fields in page order (the first one with an error gets focus). */
export const APPLICATION_FIELDS = [
  'first_name',
  'last_name',
  'email',
  'phone',
  'region',
  'phone_type',
  'over_21',
  'source',
  'reason',
] as const satisfies readonly (keyof ApplicationBody)[];

export function emptyApplication(): ApplicationBody {
  return {
    first_name: '',
    last_name: '',
    email: '',
    phone: '',
    region: '',
    phone_type: '',
    over_21: null,
    source: '',
    reason: '',
  };
}

export function applicationFromApplicant(a: Applicant): ApplicationBody {
  return {
    first_name: a.first_name,
    last_name: a.last_name,
    email: a.email,
    phone: phoneForForm(a.phone),
    // Historical applicants may have none; the form then asks for one.
    region: a.region ?? '',
    phone_type: a.phone_type ?? '',
    over_21: a.over_21,
    source: a.source ?? '',
    reason: a.reason ?? '',
  };
}

/** Checks that a value from storage or the network has an application's shape. */
export function asApplication(value: unknown): ApplicationBody | null {
  if (value === null || typeof value !== 'object') return null;
  const v = value as Record<string, unknown>;
  const out = emptyApplication();
  for (const key of APPLICATION_FIELDS) {
    if (key === 'over_21') {
      const o = v[key];
      out.over_21 = typeof o === 'boolean' ? o : null;
    } else {
      const s = v[key];
      if (typeof s === 'string') out[key] = s;
    }
  }
  return out;
}

function isApplicant(value: unknown): value is Applicant {
  if (value === null || typeof value !== 'object') return false;
  const v = value as Record<string, unknown>;
  return (typeof v['id'] === 'number' || typeof v['id'] === 'string') && typeof v['email'] === 'string';
}

/** `{applicant}` or a bare applicant → the applicant (null when neither). */
export function unwrapApplicant(data: unknown): Applicant | null {
  if (data !== null && typeof data === 'object' && 'applicant' in data) {
    const inner = (data as { applicant: unknown }).applicant;
    return isApplicant(inner) ? inner : null;
  }
  return isApplicant(data) ? data : null;
}

/** "quiz_started" → "Quiz started" (unknown states are shown as sent). */
export function stateLabel(state: string): string {
  return isWorkflowState(state) ? STATE_LABELS[state] : state;
}
