// An independent, deliberately simple reading of the banner selection rules, for checking the
// production import against the raw CSV files: plain line splitting (the dataset has no quoting),
// revenue as exact BigInt micro-units, and the rules written out as the issue states them. It
// shares no code with src/systems/banners/.
import fs from 'node:fs';
import path from 'node:path';

export interface ReferenceBanner {
  bannerId: number;
  revenueMicros: bigint;
  conversions: number;
  clicks: number;
}

export interface ReferenceCollection {
  campaignId: number;
  quarter: number;
  rule: 'revenue_top10' | 'revenue_top_x' | 'revenue_then_clicks' | 'clicks_top5';
  /** The banners the rules determine, in rank order. */
  ranked: ReferenceBanner[];
  /** How many random banners complete the collection, and the banners they may be drawn from. */
  randomCount: number;
  randomPool: number[];
}

function rows(file: string): string[][] {
  const lines = fs.readFileSync(file, 'utf8').split(/\r?\n/);
  return lines
    .slice(1)
    .filter((l) => l.trim() !== '')
    .map((l) => l.split(',').map((f) => f.trim()));
}

/** "1.5" → 1500000n; exact for up to 6 decimals (throws beyond: the dataset has none). */
function micros(text: string): bigint {
  const [whole = '0', fraction = ''] = text.split('.');
  if (fraction.length > 6) throw new Error(`reference: ${text} has more than 6 decimals`);
  return BigInt(whole || '0') * 1_000_000n + BigInt((fraction + '000000').slice(0, 6));
}

/** The collections of one quarter's folder (impressions_N.csv, clicks_N.csv, conversions_N.csv). */
export function referenceCollections(dir: string, quarter: number): ReferenceCollection[] {
  const file = (kind: string) => path.join(dir, `${kind}_${quarter}.csv`);
  const bannersOf = new Map<number, Set<number>>();
  const addBanner = (campaign: number, banner: number) => {
    if (!bannersOf.has(campaign)) bannersOf.set(campaign, new Set());
    bannersOf.get(campaign)!.add(banner);
  };
  for (const [banner, campaign] of rows(file('impressions'))) addBanner(Number(campaign), Number(banner));

  const clickOwner = new Map<string, { campaign: number; banner: number }>();
  const stats = new Map<string, ReferenceBanner & { campaignId: number }>();
  const statOf = (campaign: number, banner: number) => {
    const key = `${campaign}/${banner}`;
    if (!stats.has(key))
      stats.set(key, {
        campaignId: campaign,
        bannerId: banner,
        revenueMicros: 0n,
        conversions: 0,
        clicks: 0,
      });
    return stats.get(key)!;
  };
  for (const [clickId, banner, campaign] of rows(file('clicks'))) {
    if (clickOwner.has(clickId!)) continue; // a repeated click id counts once
    clickOwner.set(clickId!, { campaign: Number(campaign), banner: Number(banner) });
    addBanner(Number(campaign), Number(banner));
    statOf(Number(campaign), Number(banner)).clicks += 1;
  }
  const seenConversions = new Set<string>();
  for (const [conversionId, clickId, revenue] of rows(file('conversions'))) {
    if (seenConversions.has(conversionId!)) continue;
    seenConversions.add(conversionId!);
    const owner = clickOwner.get(clickId!);
    if (!owner) continue;
    const s = statOf(owner.campaign, owner.banner);
    s.conversions += 1;
    s.revenueMicros += micros(revenue!);
  }

  const out: ReferenceCollection[] = [];
  for (const campaignId of [...bannersOf.keys()].sort((a, b) => a - b)) {
    const mine = [...stats.values()].filter((s) => s.campaignId === campaignId);
    const strip = ({ bannerId, revenueMicros, conversions, clicks }: ReferenceBanner) => ({
      bannerId,
      revenueMicros,
      conversions,
      clicks,
    });
    const withConversions = mine
      .filter((s) => s.conversions > 0)
      .sort((a, b) =>
        a.revenueMicros === b.revenueMicros
          ? a.bannerId - b.bannerId
          : a.revenueMicros > b.revenueMicros
            ? -1
            : 1,
      );
    const x = withConversions.length;
    let ranked: ReferenceBanner[];
    let rule: ReferenceCollection['rule'];
    if (x >= 10) {
      rule = 'revenue_top10';
      ranked = withConversions.slice(0, 10).map(strip);
    } else if (x >= 5) {
      rule = 'revenue_top_x';
      ranked = withConversions.map(strip);
    } else {
      rule = x === 0 ? 'clicks_top5' : 'revenue_then_clicks';
      ranked = withConversions.map(strip);
      const byClicks = mine
        .filter((s) => s.clicks > 0 && !ranked.some((r) => r.bannerId === s.bannerId))
        .sort((a, b) => b.clicks - a.clicks || a.bannerId - b.bannerId);
      while (ranked.length < 5 && byClicks.length > 0) ranked.push(strip(byClicks.shift()!));
    }
    const chosen = new Set(ranked.map((r) => r.bannerId));
    const randomPool = [...bannersOf.get(campaignId)!].filter((b) => !chosen.has(b)).sort((a, b) => a - b);
    const randomCount = ranked.length >= 5 ? 0 : Math.min(5 - ranked.length, randomPool.length);
    out.push({ campaignId, quarter, rule, ranked, randomCount, randomPool });
  }
  return out;
}
