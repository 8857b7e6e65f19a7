// The rotation rule as a check over what one visitor was shown, independent of how rotation.ts
// implements it: the route tests and the benchmark's returning visitors are held to it.

export interface Shown {
  /** The collection served at the time, in rank order. */
  readonly collection: readonly number[];
  readonly banner: number;
}

/**
 * What breaks the rule in this sequence of pages, or undefined: a banner outside its collection;
 * the same banner twice in a row while the collection has another; a banner again before every
 * banner of the current collection has been shown since the round began (a round carries across
 * collection changes and ends at the first repeat).
 */
export function rotationViolation(shown: readonly Shown[]): string | undefined {
  let round = new Set<number>();
  let previous: number | undefined;
  for (const [i, { collection, banner }] of shown.entries()) {
    if (!collection.includes(banner))
      return `request ${i}: banner ${banner} is not in [${collection.join(', ')}]`;
    if (collection.length > 1 && banner === previous) return `request ${i}: banner ${banner} twice in a row`;
    if (round.has(banner)) {
      const missing = collection.filter((id) => !round.has(id));
      if (missing.length > 0) return `request ${i}: banner ${banner} again before ${missing.join(', ')}`;
      round = new Set();
    }
    round.add(banner);
    previous = banner;
  }
  return undefined;
}
