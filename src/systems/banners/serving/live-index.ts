// Keeps the serving index in step with the source: polls its version and, when it changed, loads
// and builds a whole new index and swaps it in with one assignment. Every app instance polls on
// its own, so an import committed by any process is served everywhere within one poll interval
// plus the load.
import type { Logger } from 'pino';
import type { PageOptions } from './page.js';
import type { CollectionsSource } from './ports.js';
import { buildServingIndex, EMPTY_INDEX, type ServingIndex } from './serving-index.js';

export interface LiveIndexOptions {
  source: CollectionsSource;
  pageOptions: PageOptions;
  log: Logger;
  /** How often to ask the source for its version (ms). */
  pollIntervalMs: number;
  /** Called after each swap (the image store rescans its folder). */
  onSwap?: (index: ServingIndex) => void;
}

export interface LiveIndex {
  /** The index to serve from: read it once per request. */
  readonly current: ServingIndex;
  /** Checks the version now and swaps when it changed; true when it swapped. Throws when the source or the build fails. */
  refresh(): Promise<boolean>;
  /** Starts polling (errors are logged, the old index stays). */
  start(): void;
  /** Stops polling and waits for a refresh in flight. */
  close(): Promise<void>;
}

export function createLiveIndex(options: LiveIndexOptions): LiveIndex {
  let current = EMPTY_INDEX;
  let inFlight: Promise<boolean> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let closed = false;

  const check = async (): Promise<boolean> => {
    const version = await options.source.version();
    if (version === current.version) return false;
    const collections = await options.source.load();
    const next = buildServingIndex(version, collections, options.pageOptions);
    current = next;
    options.onSwap?.(next);
    return true;
  };
  // One check at a time: a poll and an explicit refresh share the one in flight.
  const refresh = () => (inFlight ??= check().finally(() => (inFlight = undefined)));

  const schedule = () => {
    if (closed) return;
    timer = setTimeout(() => {
      refresh()
        .catch((err: unknown) =>
          options.log.warn({ err }, 'banners: could not refresh the collections; serving the previous ones'),
        )
        .finally(schedule);
    }, options.pollIntervalMs);
    timer.unref();
  };

  return {
    get current() {
      return current;
    },
    refresh,
    start: () => {
      if (!timer && !closed) schedule();
    },
    close: async () => {
      closed = true;
      clearTimeout(timer);
      await inFlight?.catch(() => undefined);
    },
  };
}
