// Helpers for the banners system's tests: tiny dataset files and a platform with the system.
import fs from 'node:fs';
import path from 'node:path';
import { bannersSettings } from '../../src/systems/banners/settings.js';
import { createBannersService } from '../../src/systems/banners/service.js';
import { bannersSystem } from '../../src/systems/banners/system.js';
import type { Clock } from '../../src/platform/clock.js';
import { createTestPlatform, type DbKind, type TestPlatform } from './platform.js';

export const REAL_DATA = path.resolve(import.meta.dirname, '../../../shared/data/banners');
export const hasRealData = () => fs.existsSync(path.join(REAL_DATA, 'csv', '1', 'impressions_1.csv'));

export interface DatasetLines {
  impressions?: readonly string[];
  clicks?: readonly string[];
  conversions?: readonly string[];
}

export const HEADERS = {
  impressions: 'banner_id,campaign_id',
  clicks: 'click_id,banner_id,campaign_id',
  conversions: 'conversion_id,click_id,revenue',
} as const;

/** Writes `<dir>/<kind>_<quarter>.csv` for each kind given (header added); returns their paths. */
export function writeDataset(dir: string, quarter: number, lines: DatasetLines): string[] {
  fs.mkdirSync(dir, { recursive: true });
  const out: string[] = [];
  for (const kind of ['impressions', 'clicks', 'conversions'] as const) {
    const rows = lines[kind];
    if (!rows) continue;
    const file = path.join(dir, `${kind}_${quarter}.csv`);
    fs.writeFileSync(file, [HEADERS[kind], ...rows].map((l) => `${l}\n`).join(''));
    out.push(file);
  }
  return out;
}

/** Impression lines: `count` impressions of each banner in the campaign. */
export const impressionsOf = (campaignId: number, bannerIds: readonly number[], count = 1) =>
  bannerIds.flatMap((b) => Array.from({ length: count }, () => `${b},${campaignId}`));

export async function bannersPlatform(
  kind: DbKind,
  options: { clock?: Clock; env?: Record<string, string> } = {},
) {
  const platform: TestPlatform = await createTestPlatform(kind, { ...options, systems: [bannersSystem] });
  const settings = bannersSettings(platform.config);
  return { platform, settings, service: createBannersService(platform, settings) };
}
