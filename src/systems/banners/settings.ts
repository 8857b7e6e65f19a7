// The banners system's own environment variables, parsed with the platform's config at start.
import path from 'node:path';
import { ConfigError, intVar, type Config, type Env, type PlatformConfig } from '../../config.js';
import { systemSettings } from '../../platform/system.js';

export interface BannersSettings {
  /** Where the banner images are: `image_<banner_id>.<ext>` (BANNER_IMAGES_DIR). */
  readonly imagesDir: string;
  /**
   * Where a click on a banner leads (BANNER_CLICK_URL): a template with `{campaign_id}` and
   * `{banner_id}`, an absolute http(s) URL or a path on this site. See {@link clickUrl}.
   */
  readonly clickUrlTemplate: string;
  /** Largest file accepted by `POST /api/banners/import`, in bytes (BANNER_UPLOAD_MAX_MB). */
  readonly uploadMaxBytes: number;
  /** How often served impressions counted in memory are written to the database (BANNER_SERVED_FLUSH_MS). */
  readonly servedFlushMs: number;
}

/** By default a click leads back to the campaign page (its next banner): there is no advertiser to send it to. */
export const DEFAULT_CLICK_URL = '/campaigns/{campaign_id}';

const PLACEHOLDER = /\{([^{}]*)\}/g;
const KNOWN_PLACEHOLDERS = new Set(['campaign_id', 'banner_id']);

/** Checks a click-through template; throws ConfigError naming what is wrong. */
export function parseClickUrlTemplate(raw: string, name = 'BANNER_CLICK_URL'): string {
  const template = raw.trim();
  if (!/^(https?:\/\/[^\s/]+|\/)[^\s]*$/i.test(template))
    throw new ConfigError(name, `must be an http(s) URL or a path starting with "/", got "${raw}"`);
  for (const [, placeholder] of template.matchAll(PLACEHOLDER)) {
    if (!KNOWN_PLACEHOLDERS.has(placeholder!))
      throw new ConfigError(
        name,
        `has an unknown placeholder {${placeholder}} (use {campaign_id}, {banner_id})`,
      );
  }
  if (/[{}]/.test(template.replace(PLACEHOLDER, '')))
    throw new ConfigError(name, `has an unmatched "{" or "}": "${raw}"`);
  return template;
}

/** The click-through URL of a banner shown on a campaign's page (ids are digits, so nothing needs encoding). */
export function clickUrl(template: string, campaignId: number, bannerId: number): string {
  return template.replaceAll('{campaign_id}', String(campaignId)).replaceAll('{banner_id}', String(bannerId));
}

export function parseBannersSettings(env: Env, platform: PlatformConfig): BannersSettings {
  return {
    imagesDir: env.BANNER_IMAGES_DIR
      ? path.resolve(env.BANNER_IMAGES_DIR)
      : path.join(platform.dataDir, 'banners', 'images'),
    clickUrlTemplate: parseClickUrlTemplate(env.BANNER_CLICK_URL || DEFAULT_CLICK_URL),
    uploadMaxBytes: intVar(env, 'BANNER_UPLOAD_MAX_MB', 256, 1) * 2 ** 20,
    servedFlushMs: intVar(env, 'BANNER_SERVED_FLUSH_MS', 2000, 100, 60_000),
  };
}

export const bannersSettings = (config: Config) => systemSettings<BannersSettings>(config, 'banners');
