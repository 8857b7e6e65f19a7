// JSON schemas of the surveys routes (serialisation and the OpenAPI document at /docs).
import { COLOURS, GENDERS, MAX_AGE, MIN_AGE, STEP_COUNT } from './constants.js';
import { SORTS } from './repository.js';

export const answersSchema = {
  type: 'object',
  properties: {
    name: { type: 'string' },
    email: { type: 'string' },
    age: { type: 'integer' },
    about: { type: 'string' },
    address: { type: 'string' },
    gender: { type: 'string', enum: [...GENDERS] },
    book: { type: 'string' },
    colours: { type: 'array', items: { type: 'string', enum: [...COLOURS] } },
  },
} as const;

export const responseSchema = {
  type: 'object',
  required: ['id', 'step', 'answers', 'completed', 'createdAt', 'updatedAt', 'completedAt'],
  properties: {
    id: { type: 'string' },
    step: { type: 'integer', minimum: 1, maximum: STEP_COUNT },
    answers: answersSchema,
    completed: { type: 'boolean' },
    createdAt: { type: 'string' },
    updatedAt: { type: 'string' },
    completedAt: { type: ['string', 'null'] },
  },
} as const;

export const summarySchema = {
  type: 'object',
  properties: {
    completed: { type: 'integer' },
    inProgress: { type: 'integer' },
    averageAge: { type: ['number', 'null'] },
    gender: { type: 'object', properties: Object.fromEntries(GENDERS.map((g) => [g, { type: 'integer' }])) },
    topColours: {
      type: 'array',
      items: {
        type: 'object',
        properties: { colour: { type: 'string' }, count: { type: 'integer' } },
      },
    },
    updatedAt: { type: ['string', 'null'] },
    eventId: { type: 'integer' },
  },
} as const;

export const errorSchema = {
  type: 'object',
  properties: {
    error: { type: 'string' },
    fields: { type: 'object', additionalProperties: { type: 'string' } },
  },
} as const;

/** Loose on purpose: the service checks each answer and names what is wrong with each. */
export const answersBodySchema = {
  type: 'object',
  properties: {
    answers: {
      type: 'object',
      description: `Any of: name (1-100 characters), email, age (${MIN_AGE}-${MAX_AGE}), about (up to 2,000), address (up to 500), gender (${GENDERS.join(' | ')}), book (up to 200), colours (a set of ${COLOURS.join(', ')}); null (or a blank text) clears an answer`,
    },
    step: { description: `The step the respondent is at, 1-${STEP_COUNT}` },
  },
} as const;

export const idParams = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', maxLength: 64 } },
} as const;

export const statusQuery = {
  status: { type: 'string', enum: ['all', 'completed', 'in_progress'], default: 'all' },
} as const;

export const listQuerySchema = {
  type: 'object',
  properties: {
    ...statusQuery,
    sort: { type: 'string', enum: Object.keys(SORTS), default: 'updatedAt' },
    dir: { type: 'string', enum: ['asc', 'desc'], default: 'desc' },
    offset: { type: 'integer', minimum: 0, maximum: 10_000_000, default: 0 },
    limit: { type: 'integer', minimum: 1, maximum: 200, default: 25 },
  },
} as const;

export const listSchema = {
  type: 'object',
  properties: {
    total: { type: 'integer' },
    offset: { type: 'integer' },
    limit: { type: 'integer' },
    rows: { type: 'array', items: responseSchema },
    eventId: { type: 'integer' },
  },
} as const;
