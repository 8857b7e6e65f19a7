// The application being filled in, kept in sessionStorage so a reload does not lose it.
import { asApplication, type ApplicationBody } from './applicant.js';

const KEY = 'quintet.hiring.draft';

export interface Draft {
  values: ApplicationBody;
  /** True once POST /hiring/api/applications/validate accepted these values. */
  validated: boolean;
}

export function loadDraft(): Draft | null {
  try {
    const raw = window.sessionStorage.getItem(KEY);
    if (raw === null) return null;
    const parsed = JSON.parse(raw) as { values?: unknown; validated?: unknown };
    const values = asApplication(parsed.values);
    if (values === null) return null;
    return { values, validated: parsed.validated === true };
  } catch {
    return null;
  }
}

export function saveDraft(draft: Draft): void {
  try {
    window.sessionStorage.setItem(KEY, JSON.stringify(draft));
  } catch {
    // Storage full or disabled: the draft still lives in React state.
  }
}

export function clearDraft(): void {
  try {
    window.sessionStorage.removeItem(KEY);
  } catch {
    // ignore
  }
}
