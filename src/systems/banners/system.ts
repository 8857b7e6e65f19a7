// The banners system as the platform sees it; everything heavy is imported on demand.
import { defineSystem } from '../../platform/system.js';
import { declareBannersCli } from './cli.js';
import { parseBannersSettings } from './settings.js';

export const bannersSystem = defineSystem({
  name: 'banners',
  title: 'Campaign banners',
  summary:
    "Each campaign page shows one of the campaign's best banners of the quarter hour, rotated per visitor",
  href: '/banners/admin',
  settings: parseBannersSettings,
  cli: declareBannersCli,
  load: async () => (await import('./runtime.js')).bannersRuntime,
});
