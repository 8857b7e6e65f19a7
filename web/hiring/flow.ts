import { useCallback, useState } from 'react';
import { emptyApplication, type Applicant, type FieldErrors } from './applicant.js';
import { clearDraft, loadDraft, saveDraft, type Draft } from './draft.js';

/** State shared by the steps of the apply flow. */
export interface ApplyFlow {
  draft: Draft;
  updateDraft: (draft: Draft) => void;
  resetDraft: () => void;
  /** Field errors to show on the apply form (also those found at the last step). */
  errors: FieldErrors;
  showErrors: (errors: FieldErrors) => void;
  focusKey: number;
  /** The applicant just created (for the confirmation page). */
  created: Applicant | null;
  setCreated: (applicant: Applicant | null) => void;
}

export function useApplyFlow(): ApplyFlow {
  const [draft, setDraft] = useState<Draft>(
    () => loadDraft() ?? { values: emptyApplication(), validated: false },
  );
  const [errors, setErrors] = useState<FieldErrors>({});
  const [focusKey, setFocusKey] = useState(0);
  const [created, setCreated] = useState<Applicant | null>(null);

  const updateDraft = useCallback((next: Draft) => {
    setDraft(next);
    saveDraft(next);
  }, []);
  const resetDraft = useCallback(() => {
    clearDraft();
    setDraft({ values: emptyApplication(), validated: false });
    setErrors({});
  }, []);
  const showErrors = useCallback((next: FieldErrors) => {
    setErrors(next);
    if (Object.keys(next).length > 0) setFocusKey((k) => k + 1);
  }, []);
  return { draft, updateDraft, resetDraft, errors, showErrors, focusKey, created, setCreated };
}
