import type { MigrationSet } from '../../../platform/db/migrator.js';
import * as createResponses from './2026_12_03_0700_create_responses.js';

export const surveysMigrations: MigrationSet = {
  '2026_12_03_0700_create_responses': createResponses,
};
