// The diffing system's own environment variables, parsed with the platform's config at start.
import path from 'node:path';
import { intVar, type Config, type Env, type PlatformConfig } from '../../config.js';
import { systemSettings } from '../../platform/system.js';

export interface DiffingSettings {
  /** Where `GET /api/diffing/new/:metric` reads `<metric>_old.csv` / `<metric>_new.csv` (DIFFING_DATA_DIR). */
  readonly dataDir: string;
  /** Largest file accepted by the diff upload, in bytes (DIFF_UPLOAD_MAX_MB). */
  readonly uploadMaxBytes: number;
  /** Memory the diff engine may use for the old file's keys before it partitions on disk (DIFF_MEMORY_MB). */
  readonly memoryBytes: number;
}

export const DEFAULT_DIFF_MEMORY_MB = 256;

export function parseDiffingSettings(env: Env, platform: PlatformConfig): DiffingSettings {
  return {
    dataDir: env.DIFFING_DATA_DIR
      ? path.resolve(env.DIFFING_DATA_DIR)
      : path.join(platform.dataDir, 'diffing'),
    uploadMaxBytes: intVar(env, 'DIFF_UPLOAD_MAX_MB', 2048, 1) * 2 ** 20,
    memoryBytes: intVar(env, 'DIFF_MEMORY_MB', DEFAULT_DIFF_MEMORY_MB, 1) * 2 ** 20,
  };
}

export const diffingSettings = (config: Config) => systemSettings<DiffingSettings>(config, 'diffing');
