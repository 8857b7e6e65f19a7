// The demo dataset (pure, seeded): 50 campaigns of 10–14 banners, all four quarters, with each
// selection rule represented in every quarter, including the cases that fall back to clicks and
// to random banners. Written as the same CSV files a real import reads.
import fs from 'node:fs/promises';
import path from 'node:path';
import { seededRandom, type Random } from '../../platform/random.js';
import { QUARTERS } from './quarter.js';
import type { SelectionRule } from './selection.js';
import type { Quarter } from './tables.js';

export const DEMO_CAMPAIGNS = 50;
export const DEMO_SEED = 2002;

export interface DemoDataset {
  /** Each campaign's banners (ids unique across campaigns). */
  readonly campaigns: ReadonlyMap<number, readonly number[]>;
  /** The rule each campaign's data was made for, per quarter. */
  readonly intended: ReadonlyMap<string, SelectionRule>;
  readonly files: Readonly<Record<Quarter, { impressions: string; clicks: string; conversions: string }>>;
}

const int = (random: Random, min: number, max: number) => min + Math.floor(random() * (max - min + 1));

function shuffled<T>(random: Random, items: readonly T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** How many banners convert and how many are clicked, for a campaign of n banners and a rule. */
function shape(random: Random, rule: SelectionRule, n: number, variant: number) {
  switch (rule) {
    case 'revenue_top10': {
      const converted = int(random, 10, n);
      return { converted, clicked: int(random, converted, n) };
    }
    case 'revenue_top_x': {
      const converted = int(random, 5, 9);
      return { converted, clicked: int(random, converted, n) };
    }
    case 'revenue_then_clicks': {
      const converted = int(random, 1, 4);
      // Every other such campaign has too few clicked banners, so random ones complete it.
      return { converted, clicked: variant % 2 === 0 ? int(random, 5, n) : int(random, converted, 4) };
    }
    case 'clicks_top5':
      return { converted: 0, clicked: variant % 2 === 0 ? int(random, 5, n) : int(random, 0, 4) };
  }
}

const RULE_CYCLE: readonly SelectionRule[] = [
  'revenue_top10',
  'revenue_top_x',
  'revenue_then_clicks',
  'clicks_top5',
];

/** The demo dataset as CSV text per quarter. */
export function generateDemo(seed = DEMO_SEED): DemoDataset {
  const random = seededRandom(seed);
  const campaigns = new Map<number, number[]>();
  let nextBanner = 100;
  for (let c = 1; c <= DEMO_CAMPAIGNS; c++) {
    const n = int(random, 10, 14);
    campaigns.set(
      c,
      Array.from({ length: n }, () => nextBanner++),
    );
  }
  const intended = new Map<string, SelectionRule>();
  const files = {} as Record<Quarter, { impressions: string; clicks: string; conversions: string }>;
  for (const quarter of QUARTERS) {
    const impressions: string[] = ['banner_id,campaign_id'];
    const clicks: string[] = ['click_id,banner_id,campaign_id'];
    const conversions: string[] = ['conversion_id,click_id,revenue'];
    let clickId = quarter * 1_000_000;
    let conversionId = quarter * 100_000;
    for (const [campaignId, banners] of campaigns) {
      const rule = RULE_CYCLE[(campaignId + quarter) % RULE_CYCLE.length]!;
      intended.set(`${campaignId}:${quarter}`, rule);
      const { converted, clicked } = shape(random, rule, banners.length, Math.floor(campaignId / 4));
      const order = shuffled(random, banners);
      for (const bannerId of banners)
        for (let i = int(random, 5, 40); i > 0; i--) impressions.push(`${bannerId},${campaignId}`);
      order.slice(0, clicked).forEach((bannerId, rank) => {
        const ids: number[] = [];
        for (let i = int(random, 1, 30); i > 0; i--) {
          ids.push(++clickId);
          clicks.push(`${clickId},${bannerId},${campaignId}`);
        }
        if (rank >= converted) return;
        for (let i = int(random, 1, Math.min(5, ids.length)); i > 0; i--) {
          const micros = int(random, 10_000, 5_000_000);
          const revenue = `${Math.floor(micros / 1e6)}.${String(micros % 1e6).padStart(6, '0')}`;
          conversions.push(`${++conversionId},${ids[i - 1]},${revenue}`);
        }
      });
    }
    // Impressions arrive in no particular order, as in the real files.
    const [head, ...rows] = impressions;
    files[quarter] = {
      impressions: [head, ...shuffled(random, rows)].join('\n') + '\n',
      clicks: clicks.join('\n') + '\n',
      conversions: conversions.join('\n') + '\n',
    };
  }
  return { campaigns, intended, files };
}

/** Writes the demo as `<dir>/<quarter>/{impressions,clicks,conversions}_<quarter>.csv`. */
export async function writeDemoFiles(dir: string, demo: DemoDataset): Promise<void> {
  for (const quarter of QUARTERS) {
    const sub = path.join(dir, String(quarter));
    await fs.mkdir(sub, { recursive: true });
    for (const kind of ['impressions', 'clicks', 'conversions'] as const)
      await fs.writeFile(path.join(sub, `${kind}_${quarter}.csv`), demo.files[quarter][kind]);
  }
}
