// The uptime system's own environment variables, parsed with the platform's config at start.
import { ConfigError, intVar, type Config, type Env, type PlatformConfig } from '../../config.js';
import { systemSettings } from '../../platform/system.js';

export interface UptimeSettings {
  /** The bearer token that lets a feeder post polls without the admin login (UPTIME_INGEST_TOKEN); unset: admin only. */
  readonly ingestToken: string | undefined;
  /** Largest file accepted by `POST /api/uptime/import`, in bytes (UPTIME_UPLOAD_MAX_MB). */
  readonly uploadMaxBytes: number;
}

export const MIN_INGEST_TOKEN_LENGTH = 16;

export function parseUptimeSettings(env: Env, _platform: PlatformConfig): UptimeSettings {
  const token = env.UPTIME_INGEST_TOKEN?.trim() || undefined;
  if (token !== undefined && token.length < MIN_INGEST_TOKEN_LENGTH) {
    throw new ConfigError(
      'UPTIME_INGEST_TOKEN',
      `must be at least ${MIN_INGEST_TOKEN_LENGTH} characters (a random secret), got ${token.length}`,
    );
  }
  return {
    ingestToken: token,
    uploadMaxBytes: intVar(env, 'UPTIME_UPLOAD_MAX_MB', 1024, 1) * 2 ** 20,
  };
}

export const uptimeSettings = (config: Config) => systemSettings<UptimeSettings>(config, 'uptime');
