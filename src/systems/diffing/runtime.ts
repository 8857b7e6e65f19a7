// The diffing system's runtime parts (tables, routes, jobs, demo data), loaded by commands that serve or migrate.
import fs from 'node:fs';
import type { SystemRuntime } from '../../platform/system.js';
import { diffJobDefinition } from './diff-job.js';
import { generateAllPairs } from './generate.js';
import { METRICS, metricFiles } from './metric-definitions.js';
import { diffingMigrations } from './migrations/index.js';
import { retentionJobDefinition } from './retention-job.js';
import { diffingRoutes } from './routes.js';
import { createDiffingService } from './service.js';
import type { DiffingSettings } from './settings.js';

const DEMO_ROWS = 20_000;

export const diffingRuntime: SystemRuntime<DiffingSettings> = {
  migrations: diffingMigrations,
  routes: (app, platform, settings) =>
    diffingRoutes(app, platform, settings, createDiffingService(platform, settings)),
  jobs: (platform) => [diffJobDefinition(platform), retentionJobDefinition(platform)],
  async loadDemo(platform, settings) {
    const dir = settings.dataDir;
    const present = METRICS.every((m) => {
      const files = metricFiles(m, dir);
      return fs.existsSync(files.old) && fs.existsSync(files.new);
    });
    if (present) return;
    await generateAllPairs({ rows: DEMO_ROWS, outDir: dir });
    platform.log.info(`diffing: wrote demo export pairs (${DEMO_ROWS} rows each) to ${dir}`);
  },
};
