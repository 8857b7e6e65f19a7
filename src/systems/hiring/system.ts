// The hiring system as the platform sees it; everything heavy is imported on demand.
import { defineSystem } from '../../platform/system.js';
import { declareHiringCli } from './cli.js';

export const hiringSystem = defineSystem({
  name: 'hiring',
  title: 'Shopper hiring',
  summary: 'Shopper applicant site and weekly hiring-funnel analytics',
  href: '/hiring/',
  cli: declareHiringCli,
  load: async () => (await import('./runtime.js')).hiringRuntime,
});
