// The uptime system's runtime parts (tables, routes, jobs, demo data), loaded by commands that serve or migrate.
import type { SystemRuntime } from '../../platform/system.js';
import { loadDemoData } from './demo.js';
import { uptimeMigrations } from './migrations/index.js';
import { reportJobDefinition } from './report-job.js';
import { retentionJobDefinition } from './retention-job.js';
import { uptimeRoutes } from './routes.js';
import { createUptimeService } from './service.js';
import type { UptimeSettings } from './settings.js';

export const uptimeRuntime: SystemRuntime<UptimeSettings> = {
  migrations: uptimeMigrations,
  routes: (app, platform, settings) => uptimeRoutes(app, platform, settings, createUptimeService(platform)),
  jobs: (platform) => [reportJobDefinition(platform), retentionJobDefinition(platform)],
  async loadDemo(platform) {
    await loadDemoData(platform);
  },
};
