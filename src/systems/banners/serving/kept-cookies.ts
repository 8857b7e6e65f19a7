// The rotation cookies a campaign's visitors were sent, kept in its serving index by state (the
// round after the pick, then the universe position of the banner shown): a state is signed once,
// and a returning visitor's cookie that is, character for character, the one kept for the state
// it names is authentic without a MAC computed or looked up. Measured by bench:banners (perf):
// the signer's check and the state's regular expression were ~10 % of the campaign page's CPU;
// reading the state by hand and comparing it with the kept value is ~4 %.
import { roundOf, seenIn } from './rotation.js';
import type { CampaignServing, QuarterServing } from './serving-index.js';

/** The rotation cookie; scoped to its campaign's path, so a browser sends only the one it needs. */
export const ROTATION_COOKIE = 'banner_rotation';
export const ROTATION_PREFIX = `${ROTATION_COOKIE}=`;
/** Rounds of one campaign whose Set-Cookie values are kept (then they are dropped and signed again). */
const ROUNDS_KEPT = 4096;
/** The length of the MAC after a signed value's last '.' (HMAC-SHA256 in base64 without padding). */
const SIGNATURE_LENGTH = 43;
const DOT = 46;
const SEMICOLON = 59;

/**
 * The kept Set-Cookie of a state: the visitor's `round` after the banner `bannerId` was shown,
 * at `index` in the collection served (-1: not in it). A round within the collection is looked
 * up by its bits over it, anything else in the campaign's map.
 */
export function keptSetCookie(
  campaign: CampaignServing,
  served: QuarterServing,
  round: number,
  bannerId: number,
  index: number,
): string | undefined {
  const byRound = served.setCookies;
  if (byRound !== undefined && index >= 0) {
    const seen = seenIn(served.positions, round);
    if (roundOf(served.positions, seen) === round) return byRound[seen]?.[index];
  }
  return campaign.setCookies.get(round)?.[campaign.universe.indexOf(bannerId)];
}

/** Keeps `setCookie` as the kept Set-Cookie of that state (see keptSetCookie) and returns it. */
export function keepSetCookie(
  campaign: CampaignServing,
  served: QuarterServing,
  round: number,
  bannerId: number,
  index: number,
  setCookie: string,
): string {
  const byRound = served.setCookies;
  if (byRound !== undefined && index >= 0) {
    const seen = seenIn(served.positions, round);
    if (roundOf(served.positions, seen) === round) return ((byRound[seen] ??= [])[index] = setCookie);
  }
  let byLast = campaign.setCookies.get(round);
  if (byLast === undefined) {
    if (campaign.setCookies.size >= ROUNDS_KEPT) campaign.setCookies.clear();
    campaign.setCookies.set(round, (byLast = []));
  }
  return (byLast[campaign.universe.indexOf(bannerId)] = setCookie);
}

/**
 * A Set-Cookie value as one flat string: it is read character by character by knownState() and
 * copied into every response head that sends it (a template literal makes a tree of pieces).
 */
export function flatSetCookie(value: string): string {
  return Buffer.from(value, 'latin1').toString('latin1');
}

/** The value of a lower-case base-36 digit's character code, or -1 (NaN, past the end, included). */
function base36Digit(code: number): number {
  if (code >= 48 && code <= 57) return code - 48;
  if (code >= 97 && code <= 122) return code - 87;
  return -1;
}

/** What knownState() found, here rather than in an object per request. */
export const known = {
  round: 0,
  lastBannerId: 0,
  /** The banner's index in the collection served, or -1. */
  index: -1,
};

/**
 * Whether `text` from `from` to its end (a signed rotation cookie value, unchecked) is the value
 * kept for the state it names, of this campaign's current universe, while `served` is its
 * collection; then `known` holds that state.
 * False for anything else (another campaign or universe, a state not kept, a forgery, another
 * encoding of the numbers, anything after the value): the caller checks it the usual way.
 */
export function knownState(
  campaign: CampaignServing,
  served: QuarterServing,
  text: string,
  from: number,
): boolean {
  // <campaign id>.<fingerprint>.<round>.<last banner id>.<MAC>, base 36 (visitor-state.ts).
  const prefix = campaign.statePrefix;
  if (!text.startsWith(prefix, from)) return false;
  let at = from + prefix.length;
  let round = 0;
  let digits = 0;
  for (let d; (d = base36Digit(text.charCodeAt(at))) >= 0; at++, digits++) round = round * 36 + d;
  if (digits === 0 || text.charCodeAt(at++) !== DOT) return false;
  let last = 0;
  digits = 0;
  for (let d; (d = base36Digit(text.charCodeAt(at))) >= 0; at++, digits++) last = last * 36 + d;
  if (digits === 0 || text.charCodeAt(at++) !== DOT) return false;
  if (text.length - at !== SIGNATURE_LENGTH) return false;
  const index = served.bannerIds.indexOf(last);
  const kept = keptSetCookie(campaign, served, round, last, index);
  // kept = banner_rotation=<signed value>; Max-Age=…: the same value, then its first ';' (the
  // structure read above leaves no other way for the two to match).
  const length = text.length - from;
  if (kept === undefined || kept.charCodeAt(ROTATION_PREFIX.length + length) !== SEMICOLON) return false;
  // In constant time over the whole value, the MAC included.
  let diff = 0;
  for (let i = 0; i < length; i++)
    diff |= text.charCodeAt(from + i) ^ kept.charCodeAt(ROTATION_PREFIX.length + i);
  if (diff !== 0) return false;
  known.round = round;
  known.lastBannerId = last;
  known.index = index;
  return true;
}
