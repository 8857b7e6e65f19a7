import type { MigrationSet } from '../db/migrator.js';
import * as createSettings from './2026_11_22_1430_create_settings.js';
import * as createJobs from './2026_11_22_1600_create_jobs.js';
import * as createAdminSessions from './2026_12_03_0700_create_admin_sessions.js';

export const platformMigrations: MigrationSet = {
  '2026_11_22_1430_create_settings': createSettings,
  '2026_11_22_1600_create_jobs': createJobs,
  '2026_12_03_0700_create_admin_sessions': createAdminSessions,
};
