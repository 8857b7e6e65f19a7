import type { MigrationSet } from '../../../platform/db/migrator.js';
import * as createResponses from './2026_12_03_0700_create_responses.js';
import * as statusSortIndexes from './2026_12_03_1200_status_sort_indexes.js';

export const surveysMigrations: MigrationSet = {
  '2026_12_03_0700_create_responses': createResponses,
  '2026_12_03_1200_status_sort_indexes': statusSortIndexes,
};
