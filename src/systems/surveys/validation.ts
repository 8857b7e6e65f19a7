// Checking answers (pure): each field on its own, with messages a person can act on. A PATCH is
// all or nothing: one bad field and nothing of the request is saved.
import {
  COLOURS,
  FIELDS,
  GENDERS,
  MAX_AGE,
  MAX_LENGTH,
  MIN_AGE,
  REQUIRED_FIELDS,
  STEP_COUNT,
  isColour,
  isGender,
  type Answers,
  type Colour,
  type Field,
} from './constants.js';

export type FieldErrors = Partial<Record<string, string>>;

/** What a valid PATCH changes: a value sets the field, null clears it; absent fields stay as they are. */
export type AnswerChanges = { [K in Field]?: Answers[K] | null };

export type Checked<T> = { ok: true; value: T } | { ok: false; fields: FieldErrors };

// Deliberately simple: one @, something before it, a dot in the domain, no spaces. Real checks
// need a confirmation mail; this only catches typing mistakes.
const EMAIL = /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/;

export function isValidEmail(email: string): boolean {
  return email.length <= MAX_LENGTH.email && EMAIL.test(email);
}

const LABEL: Record<Field, string> = {
  name: 'your name',
  email: 'your email',
  age: 'your age',
  about: 'about me',
  address: 'your address',
  gender: 'gender',
  book: 'favourite book',
  colours: 'favourite colours',
};

type FieldResult<T> = { value: T | null } | { error: string };

function text(field: 'name' | 'about' | 'address' | 'book', raw: unknown): FieldResult<string> {
  if (typeof raw !== 'string') return { error: `${cap(LABEL[field])} must be text` };
  // Kept as typed (saving as you type must not eat the space before the next word); a blank answer is no answer.
  if (raw.trim() === '') return { value: null };
  const max = MAX_LENGTH[field];
  // Counted in code points (an emoji is one character); never more of them than UTF-16 units.
  if (raw.length > max && [...raw].length > max)
    return { error: `${cap(LABEL[field])} can be at most ${max.toLocaleString('en-US')} characters` };
  return { value: raw };
}

const cap = (s: string) => s[0]!.toUpperCase() + s.slice(1);

function checkField(field: Field, raw: unknown): FieldResult<unknown> {
  if (raw === null) return { value: null };
  switch (field) {
    case 'name':
    case 'about':
    case 'address':
    case 'book':
      return text(field, raw);
    case 'email': {
      if (typeof raw !== 'string') return { error: 'Enter a valid email address, like name@example.com' };
      const email = raw.trim();
      if (email === '') return { value: null };
      return isValidEmail(email)
        ? { value: email }
        : { error: 'Enter a valid email address, like name@example.com' };
    }
    case 'age': {
      if (typeof raw === 'string' && raw.trim() === '') return { value: null };
      // A select sends its value as text.
      const age = typeof raw === 'string' && /^\s*\d{1,3}\s*$/.test(raw) ? Number(raw) : raw;
      return Number.isInteger(age) && (age as number) >= MIN_AGE && (age as number) <= MAX_AGE
        ? { value: age }
        : { error: `Choose an age from ${MIN_AGE} to ${MAX_AGE}` };
    }
    case 'gender':
      if (raw === '') return { value: null };
      return isGender(raw) ? { value: raw } : { error: `Choose one of: ${GENDERS.join(', ')}` };
    case 'colours': {
      if (!Array.isArray(raw) || !raw.every(isColour))
        return { error: `Choose colours from the list: ${COLOURS.join(', ')}` };
      // A set: repeats collapse, list order.
      const chosen = new Set<Colour>(raw);
      return { value: COLOURS.filter((c) => chosen.has(c)) };
    }
  }
}

/** Checks a PATCH's answers; unknown fields are refused by name. */
export function checkAnswers(input: unknown): Checked<AnswerChanges> {
  if (input === undefined) return { ok: true, value: {} };
  if (typeof input !== 'object' || input === null || Array.isArray(input))
    return { ok: false, fields: { answers: 'Answers must be an object of field: value' } };
  const fields: FieldErrors = {};
  const changes: Record<string, unknown> = {};
  for (const [field, raw] of Object.entries(input as Record<string, unknown>)) {
    if (!(FIELDS as readonly string[]).includes(field)) {
      fields[field] = `There is no question "${field}" (questions: ${FIELDS.join(', ')})`;
      continue;
    }
    const result = checkField(field as Field, raw);
    if ('error' in result) fields[field] = result.error;
    // No colours chosen is no answer, like a blank text.
    else if (Array.isArray(result.value) && result.value.length === 0) changes[field] = null;
    else changes[field] = result.value;
  }
  return Object.keys(fields).length ? { ok: false, fields } : { ok: true, value: changes as AnswerChanges };
}

export function checkStep(step: unknown): Checked<number | undefined> {
  if (step === undefined) return { ok: true, value: undefined };
  return Number.isInteger(step) && (step as number) >= 1 && (step as number) <= STEP_COUNT
    ? { ok: true, value: step as number }
    : { ok: false, fields: { step: `The step must be a whole number from 1 to ${STEP_COUNT}` } };
}

/** What completing needs: every required answer given (the saved ones are valid already). */
export function checkComplete(answers: Answers): FieldErrors {
  const fields: FieldErrors = {};
  for (const field of REQUIRED_FIELDS) {
    if (answers[field] === undefined) fields[field] = `Please fill in ${LABEL[field]}`;
  }
  return fields;
}

/** The answers after a PATCH (pure): set, cleared, or unchanged per field. */
export function applyChanges(answers: Answers, changes: AnswerChanges): Answers {
  const next: Record<string, unknown> = { ...answers };
  for (const [field, value] of Object.entries(changes)) {
    if (value === null || value === undefined) delete next[field];
    else next[field] = value;
  }
  return next as Answers;
}

/** Whether two answer sets hold the same answers (field by field; colours in list order). */
export function sameAnswers(a: Answers, b: Answers): boolean {
  for (const field of FIELDS) {
    const x = a[field];
    const y = b[field];
    if (x === y) continue;
    if (!Array.isArray(x) || !Array.isArray(y) || x.length !== y.length) return false;
    if (x.some((c, i) => c !== y[i])) return false;
  }
  return true;
}
