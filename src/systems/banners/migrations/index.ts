import type { MigrationSet } from '../../../platform/db/migrator.js';
import * as createBanners from './2026_12_03_0610_create_banners.js';

export const bannersMigrations: MigrationSet = {
  '2026_12_03_0610_create_banners': createBanners,
};
