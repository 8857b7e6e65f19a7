// What the serving hot path needs from the rest of the banners system, and nothing more: the data
// side (import, selection rules, tables) implements these, so serving never reads SQL itself.

/** One campaign's collection for one quarter of the hour: its banners in rank order. */
export interface ServedCollection {
  readonly campaignId: number;
  readonly quarter: Quarter;
  readonly bannerIds: readonly number[];
}

export type Quarter = 1 | 2 | 3 | 4;

/** Where the collections come from. `version()` is cheap and changes whenever any collection does. */
export interface CollectionsSource {
  version(): Promise<number>;
  load(): Promise<ServedCollection[]>;
}

/** Where served impressions go, in batches. Keys are `campaignId:bannerId`, values counts to add. */
export interface ImpressionSink {
  record(counts: Map<string, number>): Promise<void>;
}
