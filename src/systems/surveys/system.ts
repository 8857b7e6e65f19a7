// The surveys system as the platform sees it; everything heavy is imported on demand.
import { defineSystem } from '../../platform/system.js';
import { declareSurveysCli } from './cli.js';
import { parseSurveysSettings } from './settings.js';

export const surveysSystem = defineSystem({
  name: 'surveys',
  title: 'Live surveys',
  summary: 'A multi-step survey saved as you type, and a dashboard of the answers arriving live',
  href: '/survey',
  settings: (env) => parseSurveysSettings(env),
  cli: declareSurveysCli,
  load: async () => (await import('./runtime.js')).surveysRuntime,
});
