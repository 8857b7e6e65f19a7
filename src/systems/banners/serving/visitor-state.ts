// The rotation state a visitor's cookie carries (signed elsewhere): which campaign, which banner
// universe the round refers to (its fingerprint), the round and the banner shown last.
//   <campaignId>.<fingerprint>.<round>.<lastBannerId>   all base 36, e.g. "7.1x3k9qa.1f.2s" (~20 bytes)

export interface VisitorState {
  readonly campaignId: number;
  /** Fingerprint of the campaign's banner universe that `round` is a bitset over. */
  readonly fingerprint: string;
  /** The banners shown in the current round, as bits over the universe (below 2^52). */
  readonly round: number;
  readonly lastBannerId: number;
}

/** FNV-1a over banner ids in order, base 36: names a list of banners in a few bytes. */
export function bannersFingerprint(bannerIds: readonly number[]): string {
  let h = 0x811c9dc5;
  for (const id of bannerIds) {
    // Each id as 4 bytes (ids are below 2^32 in practice; higher bits are folded in too).
    for (let v = id, k = 0; k < 4 || v > 0; k++, v = Math.floor(v / 256)) {
      h ^= v & 0xff;
      h = Math.imul(h, 0x01000193);
    }
  }
  return (h >>> 0).toString(36);
}

export function encodeVisitorState(state: VisitorState): string {
  return `${state.campaignId.toString(36)}.${state.fingerprint}.${state.round.toString(36)}.${state.lastBannerId.toString(36)}`;
}

const STATE = /^([0-9a-z]{1,10})\.([0-9a-z]{1,7})\.([0-9a-z]{1,11})\.([0-9a-z]{1,11})$/;

/** The state in a cookie value whose signature was checked; undefined when it is not one we write. */
export function decodeVisitorState(value: string): VisitorState | undefined {
  const m = STATE.exec(value);
  if (!m) return undefined;
  const campaignId = parseInt(m[1]!, 36);
  const round = parseInt(m[3]!, 36);
  const lastBannerId = parseInt(m[4]!, 36);
  if (round >= 2 ** 52 || !Number.isSafeInteger(campaignId) || !Number.isSafeInteger(lastBannerId)) {
    return undefined;
  }
  return { campaignId, fingerprint: m[2]!, round, lastBannerId };
}
