// The banners system's rules between the routes / CLI and the repository: imports, collections,
// campaigns and the admin overview.
import fs from 'node:fs/promises';
import { notFound } from '../../platform/errors.js';
import type { Platform } from '../../platform/platform.js';
import { groupCollections, type Collection } from './collections.js';
import { copyImages, type ImageCopy } from './images.js';
import { allQuarterFiles, quarterFiles, type DatasetFile } from './import/dataset-files.js';
import {
  importQuarter,
  type FileSummary,
  type ImportOptions,
  type QuarterSummary,
} from './import/importer.js';
import { quarterAt } from './quarter.js';
import {
  campaignQuarters,
  collectionRows,
  collectionsVersion,
  isEmpty,
  recentImports,
  servedRows,
  type ImportRow,
} from './repository.js';
import type { BannersSettings } from './settings.js';
import type { Quarter } from './tables.js';
import type {
  AdminOverviewView,
  CampaignView,
  CollectionView,
  ImportFileView,
  QuarterImportView,
} from './views.js';

export type BannersService = ReturnType<typeof createBannersService>;

const MICROS = 1_000_000;

/** Revenue in currency units: micro-units / 10^6 (the nearest double to the exact decimal). */
export const revenueUnits = (micros: number) => micros / MICROS;

function collectionView(c: Collection): CollectionView {
  return {
    campaign_id: c.campaignId,
    quarter: c.quarter,
    rule: c.rule,
    banners: c.banners.map((b) => ({
      banner_id: b.bannerId,
      revenue: revenueUnits(b.revenueMicros),
      conversions: b.conversions,
      clicks: b.clicks,
      pick: b.pick,
    })),
  };
}

function fileView(f: FileSummary): ImportFileView {
  return {
    file: f.fileName,
    quarter: f.quarter,
    kind: f.kind ?? 'unknown',
    status: f.status,
    size_bytes: f.sizeBytes,
    rows_read: f.rowsRead,
    rows_loaded: f.rowsLoaded,
    rows_skipped: f.rowsSkipped,
    rows_rejected: f.rowsRejected,
    warnings: f.warnings,
    rejected_examples: [...f.rejectedExamples],
    warning_examples: [...f.warningExamples],
    error: f.error,
  };
}

function importRowView(r: ImportRow): ImportFileView {
  return {
    id: r.id,
    file: r.fileName,
    quarter: r.quarter,
    kind: r.kind,
    status: r.status,
    size_bytes: r.sizeBytes,
    rows_read: r.rowsRead,
    rows_loaded: r.rowsLoaded,
    rows_skipped: r.rowsSkipped,
    rows_rejected: r.rowsRejected,
    warnings: r.warnings,
    rejected_examples: r.rejectedExamples,
    warning_examples: r.warningExamples,
    error: r.error,
    imported_at: r.importedAt,
  };
}

/** An import's summary as the API answers it. */
export function quarterImportView(s: QuarterSummary): QuarterImportView {
  return {
    quarter: s.quarter,
    files: s.files.map(fileView),
    collections: s.collections ? { ...s.collections } : null,
  };
}

export function createBannersService(platform: Platform, settings: BannersSettings) {
  const ctx = { database: platform.database, db: platform.db, clock: platform.clock, log: platform.log };

  return {
    /** The files a quarter import would load (a folder stands for its .csv files). */
    quarterFiles,
    /** The quarters' files in a folder with subfolders 1–4. */
    allQuarterFiles,

    /** Bytes of these files (for a progress bar). */
    async totalBytes(files: readonly DatasetFile[]): Promise<number> {
      let total = 0;
      for (const f of files)
        total += await fs.stat(f.path).then(
          (s) => s.size,
          () => 0,
        );
      return total;
    },

    /** Loads one quarter's files, then rebuilds that quarter's collections if anything was loaded. */
    importQuarter(
      quarter: Quarter,
      files: readonly DatasetFile[],
      options?: ImportOptions,
    ): Promise<QuarterSummary> {
      return importQuarter(ctx, quarter, files, options);
    },

    /** Copies banner images into the images folder (BANNER_IMAGES_DIR). */
    importImages(fromDir: string): Promise<ImageCopy> {
      return copyImages(fromDir, settings.imagesDir);
    },

    /** One campaign's collection in a quarter (the current one by default); not_found when it has none. */
    async collection(campaignId: number, quarter?: Quarter): Promise<CollectionView> {
      const q = quarter ?? quarterAt(platform.clock.now());
      const [found] = groupCollections(await collectionRows(platform.db, { campaignId, quarter: q }));
      if (found) return collectionView(found);
      const known = (await campaignQuarters(platform.db)).some((c) => c.campaignId === campaignId);
      throw notFound(
        known
          ? `campaign ${campaignId} has no collection in quarter ${q}`
          : `campaign ${campaignId} not found`,
      );
    },

    async campaigns(): Promise<CampaignView[]> {
      const out: CampaignView[] = [];
      for (const r of await campaignQuarters(platform.db)) {
        const last = out.at(-1);
        const entry = { quarter: r.quarter, banners: r.banners };
        if (last?.campaign_id === r.campaignId) last.quarters.push(entry);
        else out.push({ campaign_id: r.campaignId, quarters: [entry] });
      }
      return out;
    },

    async adminOverview(importLimit = 200): Promise<AdminOverviewView> {
      const version = await collectionsVersion(platform.db);
      const rows = await collectionRows(platform.db);
      const imports = await recentImports(platform.db, importLimit);
      const served = await servedRows(platform.db);
      return {
        version,
        current_quarter: quarterAt(platform.clock.now()),
        collections: groupCollections(rows).map(collectionView),
        imports: imports.map(importRowView),
        served: served.map((s) => ({ campaign_id: s.campaignId, banner_id: s.bannerId, served: s.served })),
      };
    },

    isEmpty: () => isEmpty(platform.db),
  };
}
