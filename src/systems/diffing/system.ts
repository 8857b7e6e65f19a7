import fs from 'node:fs';
import type { SystemModule } from '../../platform/system.js';
import { diffingCli } from './cli.js';
import { generateAllPairs } from './generate.js';
import { diffJobDefinition } from './diff-job.js';
import { METRICS, metricFiles } from './metric-definitions.js';
import { diffingMigrations } from './migrations/index.js';
import { diffingRoutes } from './routes.js';
import { createDiffingService } from './service.js';

const DEMO_ROWS = 20_000;

export const diffingSystem: SystemModule = {
  name: 'diffing',
  title: 'Export diffing',
  summary: 'Diff two large CSV exports of a metric as a background job: only new or changed rows',
  href: '/diffing',
  migrations: diffingMigrations,
  routes: (app, platform) => diffingRoutes(app, platform, createDiffingService(platform)),
  jobs: (platform) => [diffJobDefinition(platform)],
  async loadDemo(platform) {
    const dir = platform.config.diffingDataDir;
    const present = METRICS.every((m) => {
      const files = metricFiles(m, dir);
      return fs.existsSync(files.old) && fs.existsSync(files.new);
    });
    if (present) return;
    await generateAllPairs({ rows: DEMO_ROWS, outDir: dir });
    platform.log.info(`diffing: wrote demo export pairs (${DEMO_ROWS} rows each) to ${dir}`);
  },
  cli: (groups) => diffingCli(groups),
};
