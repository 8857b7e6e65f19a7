// The dashboard's summary as counts that add up (pure): each response contributes a vector, a write
// adds the difference between its response after and before, and the figures are read off the
// sums. The repository keeps the sums in one row, changed in the same transaction as the write.
import { COLOURS, GENDERS, type Answers, type Gender, type Summary } from './constants.js';

export interface SummaryCounts {
  completed: number;
  inProgress: number;
  ageSum: number;
  ageCount: number;
  /** Responses per gender answer, in GENDERS order. */
  gender: number[];
  /** Responses that chose each colour, in COLOURS order. */
  colours: number[];
}

export interface Counted {
  completed: boolean;
  answers: Answers;
}

export const zeroCounts = (): SummaryCounts => ({
  completed: 0,
  inProgress: 0,
  ageSum: 0,
  ageCount: 0,
  gender: GENDERS.map(() => 0),
  colours: COLOURS.map(() => 0),
});

/** What one response adds to the sums (nothing for a response that does not exist). */
export function contribution(response: Counted | undefined): SummaryCounts {
  const counts = zeroCounts();
  if (!response) return counts;
  const { answers } = response;
  counts[response.completed ? 'completed' : 'inProgress'] = 1;
  if (answers.age !== undefined) {
    counts.ageSum = answers.age;
    counts.ageCount = 1;
  }
  if (answers.gender !== undefined) counts.gender[GENDERS.indexOf(answers.gender)] = 1;
  for (const colour of answers.colours ?? []) counts.colours[COLOURS.indexOf(colour)] = 1;
  return counts;
}

function combine(a: SummaryCounts, b: SummaryCounts, sign: 1 | -1): SummaryCounts {
  return {
    completed: a.completed + sign * b.completed,
    inProgress: a.inProgress + sign * b.inProgress,
    ageSum: a.ageSum + sign * b.ageSum,
    ageCount: a.ageCount + sign * b.ageCount,
    gender: a.gender.map((n, i) => n + sign * b.gender[i]!),
    colours: a.colours.map((n, i) => n + sign * b.colours[i]!),
  };
}

export const addCounts = (a: SummaryCounts, b: SummaryCounts) => combine(a, b, 1);
export const subtractCounts = (a: SummaryCounts, b: SummaryCounts) => combine(a, b, -1);

/** The change a write makes to the sums: the response after it minus the response before. */
export const countsDelta = (before: Counted | undefined, after: Counted | undefined) =>
  combine(contribution(after), contribution(before), -1);

export const isZero = (c: SummaryCounts) =>
  c.completed === 0 &&
  c.inProgress === 0 &&
  c.ageSum === 0 &&
  c.ageCount === 0 &&
  c.gender.every((n) => n === 0) &&
  c.colours.every((n) => n === 0);

/** The summary the API sends, from the sums. */
export function summaryOf(counts: SummaryCounts, updatedAt: string | null, eventId: number): Summary {
  const gender = Object.fromEntries(GENDERS.map((g, i) => [g, counts.gender[i]!])) as Record<Gender, number>;
  const topColours = COLOURS.map((colour, i) => ({ colour, count: counts.colours[i]!, i }))
    .filter((c) => c.count > 0)
    .sort((a, b) => b.count - a.count || a.i - b.i)
    .slice(0, 3)
    .map(({ colour, count }) => ({ colour, count }));
  return {
    completed: counts.completed,
    inProgress: counts.inProgress,
    averageAge: counts.ageCount ? Math.round((counts.ageSum / counts.ageCount) * 10) / 10 : null,
    gender,
    topColours,
    updatedAt,
    eventId,
  };
}

/** The sums counted from scratch (the property tests' reference, and a repair). */
export function countAll(responses: Iterable<Counted>): SummaryCounts {
  let counts = zeroCounts();
  for (const r of responses) counts = addCounts(counts, contribution(r));
  return counts;
}
