// The diffing system's own environment variables, parsed with the platform's config at start.
import path from 'node:path';
import { ConfigError, intVar, type Config, type Env, type PlatformConfig } from '../../config.js';
import { systemSettings } from '../../platform/system.js';

export interface DiffingSettings {
  /** Where `GET /api/diffing/new/:metric` reads `<metric>_old.csv` / `<metric>_new.csv` (DIFFING_DATA_DIR). */
  readonly dataDir: string;
  /** Largest file accepted by the diff upload, in bytes (DIFF_UPLOAD_MAX_MB). */
  readonly uploadMaxBytes: number;
  /** Memory the diff engine may use for the old file's keys before it partitions on disk (DIFF_MEMORY_MB). */
  readonly memoryBytes: number;
  /** Jobs one client (address or API token) may create a minute (DIFF_JOBS_PER_MINUTE); 429 beyond. */
  readonly jobsPerMinute: number;
  /** Queued jobs beyond which no new job is taken (DIFF_MAX_QUEUED_JOBS); 429 beyond. */
  readonly maxQueuedJobs: number;
  /** When not empty, the job APIs need `Authorization: Bearer <one of these>` or the admin session (API_TOKENS). */
  readonly apiTokens: readonly string[];
}

const MIN_TOKEN_LENGTH = 16;

function apiTokens(env: Env): string[] {
  const tokens = (env.API_TOKENS ?? '')
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t !== '');
  const short = tokens.findIndex((t) => t.length < MIN_TOKEN_LENGTH || /\s/.test(t));
  if (short >= 0)
    throw new ConfigError(
      'API_TOKENS',
      `token ${short + 1} must be at least ${MIN_TOKEN_LENGTH} characters without spaces (tokens are comma-separated)`,
    );
  return tokens;
}

export const DEFAULT_DIFF_MEMORY_MB = 256;

export function parseDiffingSettings(env: Env, platform: PlatformConfig): DiffingSettings {
  return {
    dataDir: env.DIFFING_DATA_DIR
      ? path.resolve(env.DIFFING_DATA_DIR)
      : path.join(platform.dataDir, 'diffing'),
    uploadMaxBytes: intVar(env, 'DIFF_UPLOAD_MAX_MB', 2048, 1) * 2 ** 20,
    memoryBytes: intVar(env, 'DIFF_MEMORY_MB', DEFAULT_DIFF_MEMORY_MB, 1) * 2 ** 20,
    jobsPerMinute: intVar(env, 'DIFF_JOBS_PER_MINUTE', 10, 1),
    maxQueuedJobs: intVar(env, 'DIFF_MAX_QUEUED_JOBS', 20, 1),
    apiTokens: apiTokens(env),
  };
}

export const diffingSettings = (config: Config) => systemSettings<DiffingSettings>(config, 'diffing');
