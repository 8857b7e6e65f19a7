// The diffing system as the platform sees it; everything heavy is imported on demand.
import { defineSystem } from '../../platform/system.js';
import { declareDiffingCli } from './cli.js';
import { parseDiffingSettings } from './settings.js';

export const diffingSystem = defineSystem({
  name: 'diffing',
  title: 'Export diffing',
  summary: 'Diff two large CSV exports of a metric as a background job: only new or changed rows',
  href: '/diffing',
  settings: parseDiffingSettings,
  cli: declareDiffingCli,
  load: async () => (await import('./runtime.js')).diffingRuntime,
});
