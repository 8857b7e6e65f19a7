import type { MigrationSet } from '../../../platform/db/migrator.js';
import * as createDiffJobs from './2026_11_22_1700_create_diff_jobs.js';

export const diffingMigrations: MigrationSet = {
  '2026_11_22_1700_create_diff_jobs': createDiffJobs,
};
