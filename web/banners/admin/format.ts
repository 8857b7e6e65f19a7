// Display helpers of the banners admin page (pure).

export const RULE_LABELS: Record<string, string> = {
  revenue_top10: 'Top 10 by revenue (10 or more banners converted)',
  revenue_top_x: 'Every converted banner by revenue (5–9 converted)',
  revenue_then_clicks: 'Converted banners, then most clicked, then random (1–4 converted)',
  clicks_top5: 'Top 5 by clicks, then random (none converted)',
};

export const PICK_LABELS: Record<string, string> = {
  revenue: 'revenue',
  clicks: 'clicks',
  random: 'random',
};

/** Revenue at full precision (the data has up to 6 decimals), grouped for reading. */
export function formatRevenue(value: number): string {
  return value.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 6 });
}

export function formatCount(value: number): string {
  return value.toLocaleString('en-US');
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 2 ** 20) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 2 ** 20).toFixed(1)} MB`;
}
