// The survey's steps and answer helpers (pure), shared by the survey page and the dashboard; the
// questions themselves (fields, genders, colours, limits) are the system's own constants.
import {
  COLOURS,
  FIELDS,
  GENDERS,
  MAX_AGE,
  MIN_AGE,
  type Answers,
  type Field,
  type Gender,
} from '../../src/systems/surveys/constants.js';

export {
  COLOURS,
  FIELDS,
  GENDERS,
  MAX_AGE,
  MIN_AGE,
  MAX_LENGTH,
  STEP_COUNT,
} from '../../src/systems/surveys/constants.js';
export type { Answers, Colour, Field, Gender } from '../../src/systems/surveys/constants.js';

export const AGES: readonly number[] = Array.from({ length: MAX_AGE - MIN_AGE + 1 }, (_, i) => MIN_AGE + i);

/** One PATCH's answers: a value sets the field, null clears it. */
export type AnswerPatch = { [K in Field]?: Answers[K] | null };

export type Step = 1 | 2 | 3 | 4;

export interface StepDefinition {
  step: Step;
  title: string;
  fields: readonly [Field, Field];
  required: boolean;
}

export const STEPS: readonly StepDefinition[] = [
  { step: 1, title: 'Your name and email', fields: ['name', 'email'], required: true },
  { step: 2, title: 'About you', fields: ['age', 'about'], required: true },
  { step: 3, title: 'Address and gender', fields: ['address', 'gender'], required: false },
  { step: 4, title: 'Your favourites', fields: ['book', 'colours'], required: false },
];

export const FIELD_LABELS: Record<Field, string> = {
  name: 'Name',
  email: 'Email',
  age: 'Age',
  about: 'About me',
  address: 'Address',
  gender: 'Gender',
  book: 'Favourite book',
  colours: 'Favourite colours',
};

/** A response as the API sends it. */
export interface SurveyResponse {
  id: string;
  step: Step;
  answers: Answers;
  completed: boolean;
  createdAt: string;
  updatedAt: string;
  completedAt: string | null;
}

export function stepOf(field: Field): Step {
  return STEPS.find((s) => s.fields.includes(field))?.step ?? 1;
}

export function isStep(value: unknown): value is Step {
  return value === 1 || value === 2 || value === 3 || value === 4;
}

/** Whether a field has an answer (an empty text or an empty colour set is none). */
export function isAnswered(answers: Answers, field: Field): boolean {
  const value = answers[field];
  if (value === undefined || value === null) return false;
  if (typeof value === 'string') return value.trim() !== '';
  if (Array.isArray(value)) return value.length > 0;
  return true;
}

const MISSING: Partial<Record<Field, string>> = {
  name: 'Enter your name',
  email: 'Enter your email address',
  age: 'Choose your age',
  about: 'Tell us a little about yourself',
};

/** Messages for the required fields of `step` that have no answer (empty for optional steps). */
export function missingAnswers(step: Step, answers: Answers): Partial<Record<Field, string>> {
  const definition = STEPS[step - 1];
  const out: Partial<Record<Field, string>> = {};
  if (definition === undefined || !definition.required) return out;
  for (const field of definition.fields) {
    if (!isAnswered(answers, field)) out[field] = MISSING[field] ?? 'Answer this question';
  }
  return out;
}

/** The first step that has one of these fields (for errors found when submitting), or null. */
export function firstStepWith(fields: Iterable<string>): Step | null {
  let first: Step | null = null;
  for (const name of fields) {
    if (!(FIELDS as readonly string[]).includes(name)) continue;
    const step = stepOf(name as Field);
    if (first === null || step < first) first = step;
  }
  return first;
}

/** What a control's value means as an answer: an empty text or set clears the field. */
export function toPatchValue<K extends Field>(
  field: K,
  value: Answers[K] | '' | undefined,
): Answers[K] | null {
  if (value === undefined || value === '') return null;
  if (field === 'colours' && Array.isArray(value)) {
    // A set, in the list's order (the API keeps the same order).
    const chosen = new Set(value as readonly string[]);
    const ordered = COLOURS.filter((c) => chosen.has(c));
    return (ordered.length === 0 ? null : ordered) as Answers[K] | null;
  }
  return value as Answers[K];
}

/** The answers of a response read defensively (unknown fields and bad types are dropped). */
export function readAnswers(raw: unknown): Answers {
  const out: Answers = {};
  if (raw === null || typeof raw !== 'object') return out;
  const r = raw as Record<string, unknown>;
  for (const key of ['name', 'email', 'about', 'address', 'book'] as const) {
    const v = r[key];
    if (typeof v === 'string') out[key] = v;
  }
  if (typeof r['age'] === 'number' && Number.isInteger(r['age'])) out.age = r['age'];
  if (typeof r['gender'] === 'string' && (GENDERS as readonly string[]).includes(r['gender'])) {
    out.gender = r['gender'] as Gender;
  }
  if (Array.isArray(r['colours'])) {
    out.colours = COLOURS.filter((c) => (r['colours'] as unknown[]).includes(c));
  }
  return out;
}

/** A Response from the API, or null when the body is not one. */
export function readResponse(raw: unknown): SurveyResponse | null {
  if (raw === null || typeof raw !== 'object') return null;
  const r = raw as Record<string, unknown>;
  if (typeof r['id'] !== 'string' && typeof r['id'] !== 'number') return null;
  return {
    id: String(r['id']),
    step: isStep(r['step']) ? r['step'] : 1,
    answers: readAnswers(r['answers']),
    completed: r['completed'] === true,
    createdAt: typeof r['createdAt'] === 'string' ? r['createdAt'] : '',
    updatedAt: typeof r['updatedAt'] === 'string' ? r['updatedAt'] : '',
    completedAt: typeof r['completedAt'] === 'string' ? r['completedAt'] : null,
  };
}
