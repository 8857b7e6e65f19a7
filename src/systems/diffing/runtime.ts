// The diffing system's runtime parts (tables, routes, jobs, demo data), loaded by commands that serve or migrate.
import fs from 'node:fs';
import path from 'node:path';
import type { SystemRuntime } from '../../platform/system.js';
import { generateAllPairs } from './generate.js';
import { diffJobDefinition } from './jobs.js';
import { METRICS, metricFileStem } from './metrics.js';
import { diffingMigrations } from './migrations/index.js';
import { diffingRoutes } from './routes.js';
import { createDiffingService } from './service.js';
import type { DiffingSettings } from './settings.js';

const DEMO_ROWS = 20_000;

export const diffingRuntime: SystemRuntime<DiffingSettings> = {
  migrations: diffingMigrations,
  routes: (app, platform, settings) =>
    diffingRoutes(app, platform, settings, createDiffingService(platform, settings)),
  jobs: (platform) => [diffJobDefinition(platform)],
  async loadDemo(platform, settings) {
    const dir = settings.dataDir;
    const present = METRICS.every((m) =>
      ['old', 'new'].every((w) => fs.existsSync(path.join(dir, `${metricFileStem(m)}_${w}.csv`))),
    );
    if (present) return;
    await generateAllPairs({ rows: DEMO_ROWS, outDir: dir });
    platform.log.info(`diffing: wrote demo export pairs (${DEMO_ROWS} rows each) to ${dir}`);
  },
};
