import type { MigrationSet } from '../../../platform/db/migrator.js';
import * as createDiffJobs from './2026_11_22_1700_create_diff_jobs.js';
import * as addJobOwner from './2026_12_03_0720_add_job_owner.js';

export const diffingMigrations: MigrationSet = {
  '2026_11_22_1700_create_diff_jobs': createDiffJobs,
  '2026_12_03_0720_add_job_owner': addJobOwner,
};
