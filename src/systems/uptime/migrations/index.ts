import type { MigrationSet } from '../../../platform/db/migrator.js';
import * as createUptime from './2026_12_03_0700_create_uptime.js';

export const uptimeMigrations: MigrationSet = {
  '2026_12_03_0700_create_uptime': createUptime,
};
