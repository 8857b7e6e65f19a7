// Served impressions, counted in memory and handed to the sink in batches: a request only bumps
// a counter, and the sink (a database write) runs every few seconds and at close.
import type { Logger } from 'pino';
import type { ImpressionSink } from './ports.js';

export interface ImpressionCounter {
  /** One impression of `key` (`campaignId:bannerId`). */
  count(key: string): void;
  /** Hands the counts so far to the sink; on failure they are kept for the next flush. */
  flush(): Promise<void>;
  /** Flushes every `intervalMs`. */
  start(): void;
  /** Stops the timer and flushes what is left. */
  close(): Promise<void>;
}

export function createImpressionCounter(
  sink: ImpressionSink,
  intervalMs: number,
  log: Logger,
): ImpressionCounter {
  let pending = new Map<string, number>();
  let chain: Promise<void> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;

  const flushOnce = async () => {
    if (pending.size === 0) return;
    const batch = pending;
    pending = new Map();
    try {
      await sink.record(batch);
    } catch (err) {
      for (const [key, n] of batch) pending.set(key, (pending.get(key) ?? 0) + n);
      log.warn(
        { err, keys: batch.size },
        'banners: could not record served impressions; retrying at the next flush',
      );
    }
  };
  // Flushes run one after another, so the sink never sees two batches at once.
  const flush = () => (chain = chain.then(flushOnce));

  return {
    count: (key) => {
      pending.set(key, (pending.get(key) ?? 0) + 1);
    },
    flush,
    start: () => {
      timer ??= setInterval(() => void flush(), intervalMs).unref();
    },
    close: async () => {
      clearInterval(timer);
      await flush();
    },
  };
}
