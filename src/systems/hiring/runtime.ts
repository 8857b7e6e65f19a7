// The hiring system's runtime parts (tables, routes, demo data), loaded by commands that serve or migrate.
import type { SystemRuntime } from '../../platform/system.js';
import { hiringMigrations } from './migrations/index.js';
import { hiringRoutes } from './routes.js';
import { seedRange } from './seed.js';
import { createHiringService } from './service.js';

const DEMO_APPLICANTS = 50_000;

export const hiringRuntime: SystemRuntime<undefined> = {
  migrations: hiringMigrations,
  routes: (app, platform) => hiringRoutes(app, platform, createHiringService(platform)),
  async loadDemo(platform) {
    const service = createHiringService(platform);
    if ((await service.count()) > 0) return;
    const range = seedRange(undefined, undefined, platform.clock.now()); // the last 182 days up to now
    if (!range.ok) throw new Error(range.error);
    const { from, to } = range;
    const started = performance.now();
    const created = await service.seed({ count: DEMO_APPLICANTS, from, to, seed: 20141 });
    platform.log.info(
      `hiring: loaded ${created} demo applicants in ${Math.round(performance.now() - started)} ms`,
    );
  },
};
