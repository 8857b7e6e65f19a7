// A quarter's collections from its statistics (pure): one selection per campaign, as table rows.
import type { PairStats } from './repository.js';
import { RULES, selectCollection, type Selection, type SelectionRule } from './selection.js';
import type { CollectionTable, Quarter } from './tables.js';

export interface BuiltCollections {
  readonly rows: CollectionTable[];
  /** Per campaign, in campaign order. */
  readonly selections: ReadonlyMap<number, Selection>;
  /** How many campaigns each rule was applied to. */
  readonly rules: Readonly<Record<SelectionRule, number>>;
}

export function buildCollections(quarter: Quarter, stats: readonly PairStats[]): BuiltCollections {
  const byCampaign = new Map<number, PairStats[]>();
  for (const s of stats) {
    const list = byCampaign.get(s.campaignId);
    if (list) list.push(s);
    else byCampaign.set(s.campaignId, [s]);
  }
  const rows: CollectionTable[] = [];
  const selections = new Map<number, Selection>();
  const rules = Object.fromEntries(RULES.map((r) => [r, 0])) as Record<SelectionRule, number>;
  for (const campaignId of [...byCampaign.keys()].sort((a, b) => a - b)) {
    const list = byCampaign.get(campaignId)!;
    const selection = selectCollection(
      campaignId,
      quarter,
      list,
      list.map((s) => s.bannerId),
    );
    if (selection.banners.length === 0) continue;
    selections.set(campaignId, selection);
    rules[selection.rule]++;
    selection.banners.forEach((b, rank) =>
      rows.push({
        campaign_id: campaignId,
        quarter,
        rank,
        banner_id: b.bannerId,
        rule: selection.rule,
        pick: b.pick,
        revenue_micros: b.revenueMicros,
        conversions: b.conversions,
        clicks: b.clicks,
      }),
    );
  }
  return { rows, selections, rules };
}
