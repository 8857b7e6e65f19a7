// The uptime system as the platform sees it; everything heavy is imported on demand.
import { defineSystem } from '../../platform/system.js';
import { declareUptimeCli } from './cli.js';
import { parseUptimeSettings } from './settings.js';

export const uptimeSystem = defineSystem({
  name: 'uptime',
  title: 'Store uptime',
  summary: "Restaurants' uptime and downtime within business hours, for the last hour, day and week",
  href: '/uptime',
  settings: parseUptimeSettings,
  cli: declareUptimeCli,
  load: async () => (await import('./runtime.js')).uptimeRuntime,
});
