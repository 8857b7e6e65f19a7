// Per-visitor banner rotation, pure: shuffle without replacement, drawn lazily. A visitor's round
// is the set of the campaign's banners shown since the round began; each request draws uniformly
// among the current collection's banners not in it (which makes a round a uniformly random
// permutation), never the banner shown last; when none is left, a new round starts, again
// without the last one.
//
// The set is a bitset over the campaign's banners (the union of its collections of all quarters,
// its "universe"), not over one collection: so a quarter change keeps the round, and banners seen
// in it stay unseen-first in the next quarter's collection too, as far as that collection has
// other banners. The state is two small integers, so it fits in a cookie.

/** Most banners a collection may hold (the collection-level set is a 31-bit integer; the selection rules make at most 10). */
export const MAX_COLLECTION_SIZE = 31;
/** Most banners a campaign's collections may hold together (the round is an exact integer below 2^52). */
export const MAX_UNIVERSE_SIZE = 52;

/** 2^31: a round below 2^52 is low + high * LOW_BITS with both below 2^31. */
const LOW_BITS = 2 ** 31;
const POW2 = Array.from({ length: MAX_UNIVERSE_SIZE + 1 }, (_, i) => 2 ** i);

/** Whether bit `i` of a set of up to 52 bits is set (plain arithmetic: bitwise operators stop at 32 bits). */
export function hasBit(set: number, i: number): boolean {
  return Math.floor(set / POW2[i]!) % 2 === 1;
}

/** The bits of a collection of n banners. */
export function fullSet(n: number): number {
  return n >= 31 ? 0x7fffffff : (1 << n) - 1;
}

function popcount(x: number): number {
  let v = x - ((x >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (((v + (v >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

/** Index of the k-th (from 0) set bit of x; x has more than k set bits. */
function nthSetBit(x: number, k: number): number {
  let rest = x;
  for (let i = 0; i < k; i++) rest &= rest - 1;
  return 31 - Math.clz32(rest & -rest);
}

export interface CollectionPick {
  /** Index in the collection of the banner to show. */
  readonly index: number;
  /** The collection-level seen-set after it. */
  readonly seen: number;
  /** Whether this banner began a new round. */
  readonly restarted: boolean;
}

/**
 * The next banner of a collection of `n` banners.
 * @param seen bits of the indices shown in the current round (bits at or beyond n are ignored)
 * @param lastIndex index of the banner shown last, or -1 when it is not in this collection
 * @param random a float in [0, 1)
 */
export function nextBanner(n: number, seen: number, lastIndex: number, random: () => number): CollectionPick {
  if (n < 1 || n > MAX_COLLECTION_SIZE) {
    throw new RangeError(`a rotation needs 1 to ${MAX_COLLECTION_SIZE} banners, not ${n}`);
  }
  const all = fullSet(n);
  const last = lastIndex >= 0 && lastIndex < n ? 1 << lastIndex : 0;
  let base = seen & all;
  let candidates = all & ~base & ~last;
  const restarted = candidates === 0;
  if (restarted) {
    // Round complete: a new one, starting with any banner but the last (unless it is the only one).
    base = 0;
    candidates = all & ~last || all;
  }
  const index = nthSetBit(candidates, Math.floor(random() * popcount(candidates)));
  return { index, seen: base | (1 << index), restarted };
}

/**
 * Which banners of a collection a visitor's round holds: bit j for the banner at `positions[j]`
 * of the universe (banners of the round outside the collection are left out).
 */
export function seenIn(positions: readonly number[], round: number): number {
  // The round's bits 0–30 and 31–51 as two integers, read with shifts (the hot path's bitsets).
  const low = round % LOW_BITS;
  const high = (round - low) / LOW_BITS;
  let seen = 0;
  for (let j = 0; j < positions.length; j++) {
    const p = positions[j]!;
    if (((p < 31 ? low >>> p : high >>> (p - 31)) & 1) === 1) seen |= 1 << j;
  }
  return seen;
}

/** The round over the universe holding these banners of a collection (seenIn's inverse). */
export function roundOf(positions: readonly number[], seen: number): number {
  let round = 0;
  for (let j = 0; j < positions.length; j++) if ((seen >>> j) & 1) round += POW2[positions[j]!]!;
  return round;
}

export interface VisitorPick {
  /** Index in the collection of the banner to show. */
  readonly index: number;
  /** The visitor's round after it, over the campaign's universe. */
  readonly round: number;
}

/**
 * The next banner for a visitor.
 * @param positions each collection banner's position in the campaign's universe
 * @param round the visitor's round over the universe (0: a new visitor)
 * @param lastIndex index in the collection of the banner shown last, or -1
 */
export function nextForVisitor(
  positions: readonly number[],
  round: number,
  lastIndex: number,
  random: () => number,
): VisitorPick {
  const seen = seenIn(positions, round);
  const pick = nextBanner(positions.length, seen, lastIndex, random);
  const bit = POW2[positions[pick.index]!]!;
  return {
    index: pick.index,
    // Not restarted: the pick was unseen, so its bit is clear.
    round: pick.restarted ? bit : round + bit,
  };
}
