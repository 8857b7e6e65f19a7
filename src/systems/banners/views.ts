// The shapes of the banners API's answers (types only: the admin page imports them too).

export interface CollectionBannerView {
  banner_id: number;
  /** Sum of the banner's conversions' revenue in the quarter, in currency units. */
  revenue: number;
  conversions: number;
  clicks: number;
  /** Why the banner is in the collection: revenue, clicks or random. */
  pick: string;
}

export interface CollectionView {
  campaign_id: number;
  quarter: number;
  rule: string;
  banners: CollectionBannerView[];
}

export interface CampaignView {
  campaign_id: number;
  /** Quarters with a collection, and how many banners each has. */
  quarters: { quarter: number; banners: number }[];
}

export interface RowIssueView {
  line: number;
  reason: string;
}

/** One file of an import, as the import answers and the admin page lists it. */
export interface ImportFileView {
  id?: number;
  file: string;
  quarter: number;
  kind: string;
  status: 'loaded' | 'duplicate' | 'failed';
  size_bytes: number;
  rows_read: number;
  rows_loaded: number;
  rows_skipped: number;
  rows_rejected: number;
  warnings: number;
  rejected_examples: RowIssueView[];
  warning_examples: RowIssueView[];
  error: string | null;
  imported_at?: string;
}

export interface QuarterImportView {
  quarter: number;
  files: ImportFileView[];
  /** The quarter's rebuilt collections, or null when nothing was loaded. */
  collections: { campaigns: number; version: number; rules: Record<string, number> } | null;
}

export interface ServedView {
  campaign_id: number;
  banner_id: number;
  served: number;
}

export interface AdminOverviewView {
  version: number;
  current_quarter: number;
  collections: CollectionView[];
  imports: ImportFileView[];
  served: ServedView[];
}
