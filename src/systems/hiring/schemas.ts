// JSON schemas of the hiring routes (validation and the OpenAPI document at /docs).
import { PHONE_TYPES, REGIONS, STATES } from './constants.js';

const nullableString = { type: ['string', 'null'] } as const;

export const applicantSchema = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    first_name: { type: 'string' },
    last_name: { type: 'string' },
    email: { type: 'string' },
    phone: { type: 'string' },
    region: nullableString,
    phone_type: nullableString,
    over_21: { type: ['boolean', 'null'] },
    source: nullableString,
    reason: nullableString,
    workflow_state: { type: 'string', enum: [...STATES] },
    created_at: { type: 'string' },
    updated_at: { type: 'string' },
  },
} as const;

/** Loose on purpose: the service validates each field and answers with a message per field. */
export const applicationBodySchema = {
  type: 'object',
  properties: {
    first_name: { type: 'string', maxLength: 1000 },
    last_name: { type: 'string', maxLength: 1000 },
    email: { type: 'string', maxLength: 1000 },
    phone: { type: 'string', maxLength: 1000 },
    region: { type: 'string', description: REGIONS.join(' | '), maxLength: 1000 },
    phone_type: { type: 'string', description: PHONE_TYPES.join(' | '), maxLength: 1000 },
    over_21: { type: ['boolean', 'null'] },
    source: { type: ['string', 'null'], maxLength: 5000 },
    reason: { type: ['string', 'null'], maxLength: 5000 },
  },
} as const;

export const fieldErrorsSchema = {
  type: 'object',
  properties: {
    error: { type: 'string' },
    fields: { type: 'object', additionalProperties: { type: 'string' } },
  },
} as const;

export const errorSchema = { type: 'object', properties: { error: { type: 'string' } } } as const;

const countsSchema = {
  type: 'object',
  properties: Object.fromEntries(STATES.map((s) => [s, { type: 'integer' }])),
} as const;

export const funnelQuerySchema = {
  type: 'object',
  properties: {
    start_date: { type: 'string', description: 'YYYY-MM-DD' },
    end_date: { type: 'string', description: 'YYYY-MM-DD' },
  },
} as const;

export const funnelJsonResponse = {
  200: {
    description:
      'Keys are "YYYY-MM-DD-YYYY-MM-DD" (Monday-Sunday) in chronological order; each holds all seven states.',
    type: 'object',
    additionalProperties: countsSchema,
  },
  400: errorSchema,
} as const;

export const funnelReportSchema = {
  type: 'object',
  properties: {
    start_date: { type: 'string' },
    end_date: { type: 'string' },
    weeks: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          week: { type: 'string' },
          start: { type: 'string' },
          end: { type: 'string' },
          counts: countsSchema,
        },
      },
    },
    totals: countsSchema,
    conversions: {
      type: 'array',
      items: {
        type: 'object',
        properties: { from: { type: 'string' }, to: { type: 'string' }, rate: { type: ['number', 'null'] } },
      },
    },
  },
} as const;
