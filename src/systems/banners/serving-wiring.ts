// The serving hot path (serving/) on the system's own tables: its collections source, its
// impression sink, the settings it takes. serving/ knows nothing of the tables; this is where they meet.
import type { FastifyInstance } from 'fastify';
import type { Platform } from '../../platform/platform.js';
import { collectionsVersion, loadCollections, recordServed } from './collections.js';
import { registerBannerServing, type BannerServing } from './serving/routes.js';
import type { BannersSettings } from './settings.js';

/** GET /campaigns/:campaign_id and GET /banners/image_:id.png, on the collections the import computed. */
export function registerServing(
  app: FastifyInstance,
  platform: Platform,
  settings: BannersSettings,
): Promise<BannerServing> {
  const { db } = platform;
  return registerBannerServing(app, {
    source: {
      version: () => collectionsVersion(db),
      load: async () =>
        (await loadCollections(db)).map((c) => ({
          campaignId: c.campaignId,
          quarter: c.quarter,
          bannerIds: c.banners.map((b) => b.bannerId),
        })),
    },
    sink: { record: (counts) => recordServed(db, counts) },
    clock: platform.clock,
    log: platform.log,
    imagesDir: settings.imagesDir,
    clickUrlTemplate: settings.clickUrlTemplate,
    cookieSecure: platform.config.cookieSecure,
    flushIntervalMs: settings.servedFlushMs,
  });
}
