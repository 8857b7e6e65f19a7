// The survey's questions and answer types (pure), shared by validation, the summary and the SQL.

export const GENDERS = ['Female', 'Male', 'Non-binary', 'Prefer not to say'] as const;
export type Gender = (typeof GENDERS)[number];

/** In list order: a response's colours are kept and sent in this order (bit i = COLOURS[i]). */
export const COLOURS = [
  'Red',
  'Orange',
  'Yellow',
  'Green',
  'Blue',
  'Indigo',
  'Violet',
  'Black',
  'White',
] as const;
export type Colour = (typeof COLOURS)[number];

export const MIN_AGE = 18;
export const MAX_AGE = 100;
export const MAX_LENGTH = { name: 100, email: 254, about: 2000, address: 500, book: 200 } as const;

export const FIELDS = ['name', 'email', 'age', 'about', 'address', 'gender', 'book', 'colours'] as const;
export type Field = (typeof FIELDS)[number];

/** Steps 1 and 2 must be answered before completing; 3 and 4 are optional. */
export const REQUIRED_FIELDS: readonly Field[] = ['name', 'email', 'age', 'about'];
export const STEP_COUNT = 4;

/** The eight answers; a field never answered (or cleared) is absent. */
export interface Answers {
  name?: string;
  email?: string;
  age?: number;
  about?: string;
  address?: string;
  gender?: Gender;
  book?: string;
  colours?: Colour[];
}

/** A response as the API sends it. */
export interface SurveyResponse {
  id: string;
  step: number;
  answers: Answers;
  completed: boolean;
  createdAt: string;
  updatedAt: string;
  completedAt: string | null;
}

export interface Summary {
  completed: number;
  inProgress: number;
  /** Mean age of every response that has one, one decimal; null when none has. */
  averageAge: number | null;
  gender: Record<Gender, number>;
  /** At most three, count descending then list order; colours nobody chose are left out. */
  topColours: { colour: Colour; count: number }[];
  updatedAt: string | null;
  /** The last event id: the summary reflects every change up to it. */
  eventId: number;
}

export const coloursToMask = (colours: readonly Colour[]): number =>
  colours.reduce((mask, c) => mask | (1 << COLOURS.indexOf(c)), 0);

export const maskToColours = (mask: number): Colour[] => COLOURS.filter((_, i) => (mask & (1 << i)) !== 0);

export const isGender = (v: unknown): v is Gender => (GENDERS as readonly unknown[]).includes(v);
export const isColour = (v: unknown): v is Colour => (COLOURS as readonly unknown[]).includes(v);
