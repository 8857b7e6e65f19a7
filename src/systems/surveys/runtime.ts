// The surveys system's runtime parts (tables, routes, demo data), loaded by commands that serve or migrate.
import type { SystemRuntime } from '../../platform/system.js';
import { generateResponses } from './demo.js';
import { surveysMigrations } from './migrations/index.js';
import { surveysRoutes } from './routes.js';
import { createSurveysService } from './service.js';
import type { SurveysSettings } from './settings.js';

const DEMO_RESPONSES = 400;

export const surveysRuntime: SystemRuntime<SurveysSettings> = {
  migrations: surveysMigrations,
  routes: (app, platform, settings) =>
    surveysRoutes(app, platform, createSurveysService(platform, settings), settings),
  async loadDemo(platform, settings) {
    const service = createSurveysService(platform, settings);
    if ((await service.count()) > 0) return;
    const started = performance.now();
    await service.insertMany(generateResponses({ count: DEMO_RESPONSES, now: platform.clock.now() }));
    platform.log.info(
      `surveys: loaded ${DEMO_RESPONSES} demo responses in ${Math.round(performance.now() - started)} ms`,
    );
  },
};
