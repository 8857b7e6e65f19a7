// Generated responses (pure, seeded): the demo data and the benchmarks' stored responses. Mixed
// completed and in progress, at every step, with a realistic spread of answers.
import { faker } from '@faker-js/faker/locale/en';
import { seededRandom, type Random } from '../../platform/random.js';
import { COLOURS, GENDERS, MAX_AGE, MIN_AGE, type Answers, type SurveyResponse } from './constants.js';

const pick = <T>(random: Random, list: readonly T[]): T => list[Math.floor(random() * list.length)]!;

const ABOUT = [
  'I love hiking and long walks with my dog.',
  'Coffee first, questions later.',
  'Software developer by day, amateur baker by night.',
  'I collect vinyl records and old maps.',
  'Teacher, runner, and terrible guitarist.',
  'Always planning the next trip.',
];

export interface GenerateOptions {
  count: number;
  seed?: number;
  /** The latest timestamp; responses are spread over `days` before it. */
  now: Date;
  days?: number;
  /** Share of completed responses (default 0.6). */
  completedShare?: number;
  /** Distinct emails use this prefix before the counter (default "respondent"). */
  emailPrefix?: string;
}

/** `count` valid responses, completed ones with distinct emails, oldest first. */
export function generateResponses(options: GenerateOptions): SurveyResponse[] {
  const random = seededRandom(options.seed ?? 2017);
  const days = options.days ?? 7;
  const end = options.now.getTime();
  const span = days * 86_400_000;
  const first = faker.definitions.person.first_name.generic ?? ['Alex'];
  const last = faker.definitions.person.last_name.generic ?? ['Smith'];
  const cities = faker.definitions.location.city_name ?? ['Springfield'];
  const streets = faker.definitions.location.street_suffix ?? ['Street'];
  const books = faker.definitions.book?.title ?? ['Middlemarch'];
  const prefix = options.emailPrefix ?? 'respondent';
  const created = Array.from({ length: options.count }, () => end - Math.floor(random() * span)).sort(
    (a, b) => a - b,
  );
  return created.map((createdMs, i) => {
    const completed = random() < (options.completedShare ?? 0.6);
    // In progress: stopped somewhere; completed: went through all four steps.
    const step = completed ? 4 : 1 + Math.floor(random() * 4);
    const reached = completed ? 4 : step;
    const firstName = pick(random, first);
    const lastName = pick(random, last);
    const answers: Answers = {
      name: `${firstName} ${lastName}`,
      email: `${prefix}${i + 1}.${firstName}.${lastName}@example.com`
        .toLowerCase()
        .replace(/[^a-z0-9.@]/g, ''),
    };
    if (reached >= 2) {
      answers.age = MIN_AGE + Math.floor(random() ** 1.6 * (MAX_AGE - MIN_AGE + 1));
      answers.about = pick(random, ABOUT);
    }
    if (reached >= 3 && random() < 0.85) {
      answers.address = `${1 + Math.floor(random() * 9999)} ${pick(random, last)} ${pick(random, streets)}, ${pick(random, cities)}`;
      answers.gender = random() < 0.92 ? pick(random, GENDERS.slice(0, 3)) : GENDERS[3];
    }
    if (reached >= 4 && random() < 0.85) {
      answers.book = pick(random, books);
      const colours = COLOURS.filter(() => random() < 0.25);
      if (colours.length) answers.colours = colours;
    }
    const updatedMs = Math.min(end, createdMs + Math.floor(random() * 15 * 60_000));
    const iso = (ms: number) => new Date(ms).toISOString();
    return {
      id: crypto.randomUUID(),
      step,
      answers,
      completed,
      createdAt: iso(createdMs),
      updatedAt: iso(updatedMs),
      completedAt: completed ? iso(updatedMs) : null,
    };
  });
}
