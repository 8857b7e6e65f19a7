// The in-memory index the campaign route reads: every campaign's collection per quarter with its
// pages and impression keys ready. Built whole from the source's collections, then swapped in at
// once, so a request sees either the old index or the new one, never a mix.
import { renderBannerPage, type PageOptions } from './page.js';
import type { Quarter, ServedCollection } from './ports.js';
import { MAX_COLLECTION_SIZE, MAX_UNIVERSE_SIZE } from './rotation.js';
import { bannersFingerprint } from './visitor-state.js';

export interface QuarterServing {
  readonly bannerIds: readonly number[];
  /** Position of banner i in the campaign's universe. */
  readonly positions: readonly number[];
  /** The page showing banner i, UTF-8. */
  readonly pages: readonly Buffer[];
  /** The same page as text when it is ASCII (one byte a character), else undefined (response-head.ts). */
  readonly pageTexts: readonly (string | undefined)[];
  /** `campaignId:bannerId` of banner i, the impression counter's key. */
  readonly impressionKeys: readonly string[];
  /**
   * Set-Cookie values already signed (kept-cookies.ts) for rounds within this collection: by the
   * round as bits over it (seenIn), then the index of the banner shown. Filled by requests;
   * undefined for a collection too large to index this way (those are kept by the campaign).
   */
  readonly setCookies: ((string | undefined)[] | undefined)[] | undefined;
}

export interface CampaignServing {
  readonly campaignId: number;
  /** Index 0 is quarter 1; undefined when the campaign has no banners that quarter. */
  readonly quarters: readonly (QuarterServing | undefined)[];
  /** Every banner of the campaign's collections, ascending: what a visitor's round is a bitset over. */
  readonly universe: readonly number[];
  /** Of the universe: a visitor's round recorded against another universe (before a re-import) is void. */
  readonly fingerprint: string;
  /** How a rotation state of this campaign and universe begins: `<campaign id>.<fingerprint>.` (visitor-state.ts). */
  readonly statePrefix: string;
  /**
   * Set-Cookie values already signed for this campaign (kept-cookies.ts) whose round is not within
   * the collection it was sent for: by round, then by the universe position of the banner shown
   * last. Filled by requests, bounded there; a new index starts empty.
   */
  readonly setCookies: Map<number, string[]>;
}

export interface ServingIndex {
  readonly version: number;
  readonly campaigns: ReadonlyMap<number, CampaignServing>;
}

/** Collections up to this size keep their Set-Cookie values indexed by round (2^n slots). */
const MAX_INDEXED_COLLECTION = 12;

export const EMPTY_INDEX: ServingIndex = { version: Number.NaN, campaigns: new Map() };

/** Builds the index; throws (and the caller keeps the old one) on a collection it cannot serve. */
export function buildServingIndex(
  version: number,
  collections: readonly ServedCollection[],
  pageOptions: PageOptions,
): ServingIndex {
  const byCampaign = new Map<number, (ServedCollection | undefined)[]>();
  for (const c of collections) {
    const where = `campaign ${c.campaignId}, quarter ${c.quarter}`;
    if (!Number.isSafeInteger(c.campaignId) || c.campaignId < 1)
      throw new Error(`bad campaign id in ${where}`);
    if (![1, 2, 3, 4].includes(c.quarter)) throw new Error(`bad quarter in ${where}`);
    if (c.bannerIds.length > MAX_COLLECTION_SIZE) {
      throw new Error(
        `${where} has ${c.bannerIds.length} banners; serving rotates at most ${MAX_COLLECTION_SIZE}`,
      );
    }
    if (new Set(c.bannerIds).size !== c.bannerIds.length) throw new Error(`${where} lists a banner twice`);
    if (c.bannerIds.some((id) => !Number.isSafeInteger(id) || id < 1))
      throw new Error(`bad banner id in ${where}`);
    let quarters = byCampaign.get(c.campaignId);
    if (!quarters) byCampaign.set(c.campaignId, (quarters = [undefined, undefined, undefined, undefined]));
    if (quarters[c.quarter - 1]) throw new Error(`${where} is listed twice`);
    quarters[c.quarter - 1] = c;
  }

  const campaigns = new Map<number, CampaignServing>();
  for (const [campaignId, quarters] of byCampaign) {
    const universe = [...new Set(quarters.flatMap((c) => c?.bannerIds ?? []))].sort((a, b) => a - b);
    if (universe.length === 0) continue;
    if (universe.length > MAX_UNIVERSE_SIZE) {
      throw new Error(
        `campaign ${campaignId} has ${universe.length} banners in its collections; at most ${MAX_UNIVERSE_SIZE}`,
      );
    }
    const position = new Map(universe.map((id, i) => [id, i]));
    // One page Buffer per banner, shared by the quarters that show it.
    const pages = new Map(
      universe.map((id) => [id, Buffer.from(renderBannerPage(pageOptions, campaignId, id))]),
    );
    const texts = new Map(
      [...pages].map(([id, page]) => [id, page.every((b) => b < 0x80) ? page.toString('latin1') : undefined]),
    );
    const keys = new Map(universe.map((id) => [id, `${campaignId}:${id}`]));
    const fingerprint = bannersFingerprint(universe);
    campaigns.set(campaignId, {
      campaignId,
      universe,
      fingerprint,
      statePrefix: `${campaignId.toString(36)}.${fingerprint}.`,
      setCookies: new Map(),
      quarters: quarters.map((c) =>
        c && c.bannerIds.length > 0
          ? {
              bannerIds: [...c.bannerIds],
              positions: c.bannerIds.map((id) => position.get(id)!),
              pages: c.bannerIds.map((id) => pages.get(id)!),
              pageTexts: c.bannerIds.map((id) => texts.get(id)),
              impressionKeys: c.bannerIds.map((id) => keys.get(id)!),
              setCookies:
                c.bannerIds.length <= MAX_INDEXED_COLLECTION ? new Array(2 ** c.bannerIds.length) : undefined,
            }
          : undefined,
      ),
    });
  }
  return { version, campaigns };
}

/** The collection a campaign serves in a quarter. */
export function servingFor(
  index: ServingIndex,
  campaignId: number,
  quarter: Quarter,
): QuarterServing | undefined {
  return index.campaigns.get(campaignId)?.quarters[quarter - 1];
}
