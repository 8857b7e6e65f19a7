import type { MigrationSet } from '../../../platform/db/migrator.js';
import * as createApplicants from './2026_11_22_1500_create_applicants.js';

export const hiringMigrations: MigrationSet = {
  '2026_11_22_1500_create_applicants': createApplicants,
};
