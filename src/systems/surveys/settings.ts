// The surveys system's own environment variables, parsed with the platform's config at start.
import { intVar, type Config, type Env } from '../../config.js';
import { systemSettings } from '../../platform/system.js';

export interface SurveysSettings {
  /**
   * Answer saves (PATCH) a minute per client address (SURVEYS_SAVE_RATE_LIMIT): the survey saves
   * as the respondent types, so this is well above the platform's public-write limit.
   */
  readonly saveRateLimit: number;
  /** Events kept for dashboards that reconnect (SURVEYS_REPLAY_EVENTS); older ones get `reset`. */
  readonly replayEvents: number;
}

export function parseSurveysSettings(env: Env): SurveysSettings {
  return {
    saveRateLimit: intVar(env, 'SURVEYS_SAVE_RATE_LIMIT', 1200, 1),
    replayEvents: intVar(env, 'SURVEYS_REPLAY_EVENTS', 5000, 10, 1_000_000),
  };
}

export const surveysSettings = (config: Config) => systemSettings<SurveysSettings>(config, 'surveys');
