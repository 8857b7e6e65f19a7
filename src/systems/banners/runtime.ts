// The banners system's runtime parts (tables, routes, demo data), loaded by commands that serve or migrate.
import path from 'node:path';
import type { SystemRuntime } from '../../platform/system.js';
import { generateDemo, writeDemoFiles } from './demo.js';
import { writePlaceholderImages } from './images.js';
import { bannersMigrations } from './migrations/index.js';
import { bannersRoutes } from './routes.js';
import { createBannersService } from './service.js';
import { registerServing } from './serving-wiring.js';
import type { BannersSettings } from './settings.js';

export const bannersRuntime: SystemRuntime<BannersSettings> = {
  migrations: bannersMigrations,
  routes: async (app, platform, settings) => {
    await bannersRoutes(app, platform, settings, createBannersService(platform, settings));
    await registerServing(app, platform, settings);
  },
  async loadDemo(platform, settings) {
    const service = createBannersService(platform, settings);
    if (!(await service.isEmpty())) return;
    const started = performance.now();
    const demo = generateDemo();
    const dir = path.join(platform.config.dataDir, 'banners', 'demo');
    await writeDemoFiles(dir, demo);
    // Images first: a server serves a campaign as soon as its collections commit.
    const banners = [...demo.campaigns].flatMap(([campaignId, ids]) =>
      ids.map((bannerId) => ({ bannerId, campaignId })),
    );
    const images = await writePlaceholderImages(settings.imagesDir, banners);
    let campaigns = 0;
    for (const { quarter, files } of await service.allQuarterFiles(dir)) {
      const summary = await service.importQuarter(quarter, files);
      campaigns += summary.collections?.campaigns ?? 0;
    }
    platform.log.info(
      `banners: loaded the demo (${demo.campaigns.size} campaigns, ${banners.length} banners, ${campaigns} collections, ${images} placeholder images) in ${Math.round(performance.now() - started)} ms`,
    );
  },
};
