import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../../platform/random.js';
import { rotationViolation } from './rotation-rule.js';
import {
  fullSet,
  hasBit,
  MAX_COLLECTION_SIZE,
  nextBanner,
  nextForVisitor,
  roundOf,
  seenIn,
} from './rotation.js';
import { bannersFingerprint, decodeVisitorState, encodeVisitorState } from './visitor-state.js';

/** A visitor's rotation replayed through nextForVisitor, as the route does it: its round over `universe`. */
function visitor(random: () => number, universe: readonly number[]) {
  let round = 0;
  let last = 0;
  return (ids: readonly number[]): number => {
    const positions = ids.map((id) => universe.indexOf(id));
    const pick = nextForVisitor(positions, round, ids.indexOf(last), random);
    round = pick.round;
    last = ids[pick.index]!;
    return last;
  };
}

function checkRotation(shown: { ids: readonly number[]; banner: number }[]): void {
  expect(rotationViolation(shown.map(({ ids, banner }) => ({ collection: ids, banner })))).toBeUndefined();
}

const collection = fc.uniqueArray(fc.integer({ min: 1, max: 60 }), { minLength: 1, maxLength: 10 });

describe('nextBanner', () => {
  it('shows every banner of a collection once per round, in varying orders, never twice in a row', () => {
    const ids = [11, 12, 13, 14, 15, 16, 17];
    const next = visitor(seededRandom(1), ids);
    const rounds: number[][] = [];
    for (let r = 0; r < 200; r++) rounds.push(Array.from({ length: ids.length }, () => next(ids)));
    for (const round of rounds) expect([...round].sort((a, b) => a - b)).toEqual(ids);
    for (let r = 1; r < rounds.length; r++) expect(rounds[r]![0]).not.toBe(rounds[r - 1]!.at(-1));
    expect(new Set(rounds.map((r) => r.join(','))).size).toBeGreaterThan(150);
  });

  it('draws each banner first about equally often for new visitors', () => {
    const random = seededRandom(7);
    const firsts = new Map<number, number>();
    for (let v = 0; v < 5000; v++) {
      const { index } = nextBanner(5, 0, -1, random);
      firsts.set(index, (firsts.get(index) ?? 0) + 1);
    }
    expect([...firsts.keys()].sort()).toEqual([0, 1, 2, 3, 4]);
    for (const n of firsts.values()) expect(Math.abs(n - 1000)).toBeLessThan(150);
  });

  it('keeps serving the only banner of a collection of one', () => {
    const next = visitor(seededRandom(3), [9]);
    expect([next([9]), next([9]), next([9])]).toEqual([9, 9, 9]);
  });

  it('alternates a collection of two', () => {
    const next = visitor(seededRandom(4), [1, 2]);
    const shown = Array.from({ length: 20 }, () => next([1, 2]));
    for (let i = 1; i < shown.length; i++) expect(shown[i]).not.toBe(shown[i - 1]);
  });

  it('ignores seen bits beyond the collection and a last index outside it', () => {
    const pick = nextBanner(3, 0b11111000, 7, () => 0);
    expect(pick).toEqual({ index: 0, seen: 0b001, restarted: false });
  });

  it('starts a new round without the last banner when the round is complete', () => {
    // All three seen, last shown is index 0: the new round starts with 1 or 2.
    for (const r of [0, 0.49, 0.5, 0.99]) {
      const pick = nextBanner(3, 0b111, 0, () => r);
      expect(pick.index).not.toBe(0);
      expect(pick.seen).toBe(1 << pick.index);
    }
  });

  it('refuses collections it cannot hold in its seen-set', () => {
    expect(() => nextBanner(0, 0, -1, Math.random)).toThrow(RangeError);
    expect(() => nextBanner(MAX_COLLECTION_SIZE + 1, 0, -1, Math.random)).toThrow(RangeError);
    expect(nextBanner(MAX_COLLECTION_SIZE, fullSet(MAX_COLLECTION_SIZE) ^ (1 << 30), -1, () => 0).index).toBe(
      30,
    );
  });

  it('keeps rounds over universes beyond 32 banners exact', () => {
    // Positions 40 and 51 seen (above the 32 bits of bitwise operators): the third one is drawn.
    const round = 2 ** 40 + 2 ** 51;
    const pick = nextForVisitor([40, 51, 33], round, 1, () => 0);
    expect(pick.index).toBe(2);
    expect(pick.round).toBe(round + 2 ** 33);
    expect([
      hasBit(pick.round, 33),
      hasBit(pick.round, 40),
      hasBit(pick.round, 51),
      hasBit(pick.round, 34),
    ]).toEqual([true, true, true, false]);
    // All three seen: a new round, without the last (index 2), holds one bit.
    const again = nextForVisitor([40, 51, 33], pick.round, 2, () => 0);
    expect(again).toEqual({ index: 0, round: 2 ** 40 });
  });

  it('holds the rotation rule over any run of requests, across collection changes (property)', () => {
    fc.assert(
      fc.property(
        fc.array(collection, { minLength: 1, maxLength: 4 }),
        fc.array(fc.tuple(fc.nat(3), fc.integer({ min: 1, max: 25 })), { minLength: 1, maxLength: 12 }),
        fc.integer(),
        (collections, phases, seed) => {
          const universe = [...new Set(collections.flat())];
          const next = visitor(seededRandom(seed), universe);
          const shown: { ids: readonly number[]; banner: number }[] = [];
          for (const [which, requests] of phases) {
            const ids = collections[which % collections.length]!;
            for (let i = 0; i < requests; i++) shown.push({ ids, banner: next(ids) });
          }
          checkRotation(shown);
        },
      ),
      { numRuns: 400 },
    );
  });
});

describe('rotationViolation', () => {
  const c = [1, 2, 3];
  const of = (...banners: number[]) => banners.map((banner) => ({ collection: c, banner }));
  it('accepts rounds that show every banner before a repeat', () => {
    expect(rotationViolation(of(1, 2, 3, 2, 1, 3, 1))).toBeUndefined();
  });
  it('names a repeat in a row, an early repeat and a foreign banner', () => {
    expect(rotationViolation(of(1, 2, 2))).toBe('request 2: banner 2 twice in a row');
    expect(rotationViolation(of(1, 2, 1))).toBe('request 2: banner 1 again before 3');
    expect(rotationViolation(of(1, 4))).toBe('request 1: banner 4 is not in [1, 2, 3]');
  });
  it('lets a collection of one repeat', () => {
    expect(
      rotationViolation([
        { collection: [5], banner: 5 },
        { collection: [5], banner: 5 },
      ]),
    ).toBeUndefined();
  });
});

describe('nextForVisitor', () => {
  it('keeps the banners seen in one collection unseen-first in the next', () => {
    // Universe [5, 6, 7, 8, 9]; round: 5 and 7 seen, 7 last. The next collection [7, 9, 5, 6] draws 9 or 6.
    const round = 2 ** 0 + 2 ** 2;
    for (const r of [0, 0.99]) {
      const pick = nextForVisitor([2, 4, 0, 1], round, 0, () => r);
      expect([1, 3]).toContain(pick.index);
    }
  });

  it('starts a new round when the collection has nothing unseen, without the last banner', () => {
    const pick = nextForVisitor([0, 1], 2 ** 0 + 2 ** 1 + 2 ** 7, 1, () => 0.99);
    expect(pick).toEqual({ index: 0, round: 1 });
  });
});

describe('seenIn and roundOf', () => {
  it('read a round as bits over a collection and back, up to bit 51 (property)', () => {
    const positions = fc.uniqueArray(fc.integer({ min: 0, max: 51 }), { minLength: 1, maxLength: 12 });
    fc.assert(
      fc.property(
        positions,
        fc.integer({ min: 0, max: 4095 }),
        fc.integer({ min: 0, max: 51 }),
        (ps, bits, extra) => {
          const seen = bits & ((1 << ps.length) - 1);
          const round = ps.reduce((r, p, j) => ((seen >>> j) & 1 ? r + 2 ** p : r), 0);
          expect(seenIn(ps, round)).toBe(seen);
          expect(roundOf(ps, seen)).toBe(round);
          // A banner outside the collection is left out of the bits, so the round does not come back.
          if (!ps.includes(extra)) {
            expect(seenIn(ps, round + 2 ** extra)).toBe(seen);
            expect(roundOf(ps, seenIn(ps, round + 2 ** extra))).not.toBe(round + 2 ** extra);
          }
        },
      ),
    );
  });
});

describe('visitor state', () => {
  it('round-trips through its cookie text', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2 ** 40 }),
        collection,
        fc.integer({ min: 0, max: 2 ** 52 - 1 }),
        fc.integer({ min: 1, max: 2 ** 50 }),
        (campaignId, ids, round, lastBannerId) => {
          const state = { campaignId, fingerprint: bannersFingerprint(ids), round, lastBannerId };
          expect(decodeVisitorState(encodeVisitorState(state))).toEqual(state);
        },
      ),
    );
  });

  it('stays small: a 40-banner round in under 35 bytes', () => {
    const text = encodeVisitorState({
      campaignId: 50,
      fingerprint: bannersFingerprint([100, 200, 300, 400, 500, 110, 210, 310, 410, 499]),
      round: 2 ** 40 - 1,
      lastBannerId: 499,
    });
    expect(text.length).toBeLessThan(35);
  });

  it('reads anything else as no state', () => {
    for (const text of [
      '',
      'x',
      '1.2.3',
      '1.2.3.4.5',
      '1.ab.zzzzzzzzzzzz.1',
      '1.ab.zzzzzzzzzzz.1',
      '-1.a.1.1',
      '1.a.1.1 ',
      '1..1.1',
      'A.a.1.1',
    ]) {
      expect(decodeVisitorState(text), text).toBeUndefined();
    }
  });

  it('fingerprints banner lists by their banners in order', () => {
    expect(bannersFingerprint([1, 2, 3])).toBe(bannersFingerprint([1, 2, 3]));
    expect(bannersFingerprint([1, 2, 3])).not.toBe(bannersFingerprint([1, 3, 2]));
    expect(bannersFingerprint([1, 2])).not.toBe(bannersFingerprint([1, 2, 0]));
    expect(bannersFingerprint([256])).not.toBe(bannersFingerprint([1]));
  });
});
