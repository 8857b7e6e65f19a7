// The uptime system's runtime parts (tables, routes, jobs, demo data), loaded by commands that serve or migrate.
import type { SystemRuntime } from '../../platform/system.js';
import { uptimeMigrations } from './migrations/index.js';
import type { UptimeSettings } from './settings.js';

export const uptimeRuntime: SystemRuntime<UptimeSettings> = {
  migrations: uptimeMigrations,
  routes: async () => undefined,
};
