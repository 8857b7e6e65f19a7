// Which banners make a campaign's collection for a quarter (pure; computed at import, never per
// request). X = the campaign's banners with at least one conversion in the quarter's dataset:
//   X ≥ 10     the top 10 by revenue                                   (revenue_top10)
//   5 ≤ X ≤ 9  the top X by revenue                                    (revenue_top_x)
//   1 ≤ X ≤ 4  those X, then the most clicked others up to 5,
//              then random banners of the campaign up to 5             (revenue_then_clicks)
//   X = 0      the top 5 by clicks, then random banners up to 5        (clicks_top5)
// Ties go to the lower banner_id. Revenue is in integer micro-units, so sums and comparisons are exact.
import { seededRandom } from '../../platform/random.js';

export type SelectionRule = 'revenue_top10' | 'revenue_top_x' | 'revenue_then_clicks' | 'clicks_top5';
export type Pick = 'revenue' | 'clicks' | 'random';

export const RULES: readonly SelectionRule[] = [
  'revenue_top10',
  'revenue_top_x',
  'revenue_then_clicks',
  'clicks_top5',
];

/** One banner's statistics in one campaign and quarter. */
export interface BannerStats {
  readonly bannerId: number;
  readonly clicks: number;
  readonly conversions: number;
  readonly revenueMicros: number;
}

export interface SelectedBanner extends BannerStats {
  readonly pick: Pick;
}

export interface Selection {
  readonly rule: SelectionRule;
  /** In rank order. */
  readonly banners: readonly SelectedBanner[];
}

/** Collections are at most this long (X ≥ 10) … */
export const MAX_BANNERS = 10;
/** … and at least this long when the campaign has enough banners. */
export const MIN_BANNERS = 5;

const byRevenue = (a: BannerStats, b: BannerStats) =>
  b.revenueMicros - a.revenueMicros || a.bannerId - b.bannerId;
const byClicks = (a: BannerStats, b: BannerStats) => b.clicks - a.clicks || a.bannerId - b.bannerId;

/** FNV-1a over a string: a seed that depends on the campaign, the quarter and the data. */
function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * `count` banners drawn at random from `pool`, the same ones whenever the campaign, quarter and
 * data are the same (a seeded shuffle of the pool in id order), so a rebuild of unchanged data
 * gives the same collection.
 */
export function randomFill(
  pool: readonly number[],
  count: number,
  campaignId: number,
  quarter: number,
  chosen: readonly number[],
): number[] {
  const ids = [...pool].sort((a, b) => a - b);
  const random = seededRandom(fnv1a(`${campaignId}|${quarter}|${chosen.join(',')}|${ids.join(',')}`));
  const n = Math.min(count, ids.length);
  for (let i = 0; i < n; i++) {
    const j = i + Math.floor(random() * (ids.length - i));
    [ids[i], ids[j]] = [ids[j]!, ids[i]!];
  }
  return ids.slice(0, n);
}

/**
 * The collection of one campaign in one quarter. `stats` has a row per banner with clicks (banners
 * without clicks may be left out); `campaignBanners` is every banner of the campaign in the
 * quarter's dataset (impressions or clicks), the pool random banners are drawn from.
 */
export function selectCollection(
  campaignId: number,
  quarter: number,
  stats: readonly BannerStats[],
  campaignBanners: readonly number[],
): Selection {
  const converted = stats.filter((s) => s.conversions > 0).sort(byRevenue);
  const x = converted.length;
  if (x >= MIN_BANNERS) {
    const rule = x >= MAX_BANNERS ? 'revenue_top10' : 'revenue_top_x';
    return { rule, banners: converted.slice(0, MAX_BANNERS).map((s) => ({ ...s, pick: 'revenue' })) };
  }
  const chosen: SelectedBanner[] = converted.map((s) => ({ ...s, pick: 'revenue' }));
  const taken = new Set(chosen.map((s) => s.bannerId));
  const clicked = stats.filter((s) => s.clicks > 0 && !taken.has(s.bannerId)).sort(byClicks);
  for (const s of clicked.slice(0, MIN_BANNERS - chosen.length)) {
    chosen.push({ ...s, pick: 'clicks' });
    taken.add(s.bannerId);
  }
  if (chosen.length < MIN_BANNERS) {
    const pool = [...new Set(campaignBanners)].filter((id) => !taken.has(id));
    const ids = chosen.map((s) => s.bannerId);
    for (const bannerId of randomFill(pool, MIN_BANNERS - chosen.length, campaignId, quarter, ids)) {
      const own = stats.find((s) => s.bannerId === bannerId);
      chosen.push({
        bannerId,
        clicks: own?.clicks ?? 0,
        conversions: own?.conversions ?? 0,
        revenueMicros: own?.revenueMicros ?? 0,
        pick: 'random',
      });
    }
  }
  return { rule: x === 0 ? 'clicks_top5' : 'revenue_then_clicks', banners: chosen };
}
