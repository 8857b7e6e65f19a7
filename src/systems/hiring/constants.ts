// Pure constants shared by the server and the pages (no Node imports here).

export const REGIONS = [
  'San Francisco Bay Area',
  'Chicago',
  'Boston',
  'NYC',
  'Toronto',
  'Berlin',
  'Delhi',
] as const;
export type Region = (typeof REGIONS)[number];

export const PHONE_TYPES = [
  'iPhone 6/6 Plus',
  'iPhone 6s/6s Plus',
  'iPhone 5/5S',
  'Android 4.0+ (less than 2 years old)',
  'Android 2.2/2.3 (over 2 years old)',
  'Windows Phone',
  'Blackberry',
  'Other',
] as const;
export type PhoneType = (typeof PHONE_TYPES)[number];

/** Workflow states in funnel order. */
export const STATES = [
  'applied',
  'quiz_started',
  'quiz_completed',
  'onboarding_requested',
  'onboarding_completed',
  'hired',
  'rejected',
] as const;
export type WorkflowState = (typeof STATES)[number];

export const STATE_LABELS: Record<WorkflowState, string> = {
  applied: 'Applied',
  quiz_started: 'Quiz started',
  quiz_completed: 'Quiz completed',
  onboarding_requested: 'Onboarding requested',
  onboarding_completed: 'Onboarding completed',
  hired: 'Hired',
  rejected: 'Rejected',
};

/** Limits shared by the form and the server. */
export const FIELD_LIMITS = { name: 100, email: 254, source: 200, reason: 2000 } as const;

export function isWorkflowState(value: string): value is WorkflowState {
  return (STATES as readonly string[]).includes(value);
}

/**
 * The columns an imported or seeded applicant row is written with, in the order the bulk insert
 * binds them and a packed import batch (legacy.ts) holds them.
 */
export const APPLICANT_COLUMNS = [
  'first_name',
  'last_name',
  'email',
  'phone',
  'phone_key',
  'region',
  'phone_type',
  'over_21',
  'source',
  'reason',
  'workflow_state',
  'created_at',
  'updated_at',
] as const;
