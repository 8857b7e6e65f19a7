import type { MigrationSet } from '../../../platform/db/migrator.js';
import * as createApplicants from './2026_11_22_1500_create_applicants.js';
import * as createCountsVersion from './2026_11_22_1530_create_counts_version.js';
import * as createAttempts from './2026_12_03_0710_create_attempts.js';

export const hiringMigrations: MigrationSet = {
  '2026_11_22_1500_create_applicants': createApplicants,
  '2026_11_22_1530_create_counts_version': createCountsVersion,
  '2026_12_03_0710_create_attempts': createAttempts,
};
