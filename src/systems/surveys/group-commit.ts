// Group commit: writes that arrive in the same turn of the event loop, or while a transaction is
// running, wait and go together into the next one, each still its own change (its own checks,
// event id and outcome). A commit costs far more than the statements of one answer save (SQLite
// writes every changed 16 KiB page to the WAL; PostgreSQL flushes its WAL while the summary row
// stays locked), so under load one commit carries many saves instead of each paying for its own.
// The first batch starts in the event loop's check phase (setImmediate), after every request the
// loop read in this turn was handled: on SQLite a transaction never yields (the driver is
// synchronous), so without that wait every save committed alone, whatever the load.

export type Outcome<R> = { ok: true; value: R } | { ok: false; error: unknown };

export interface GroupCommit<T, R> {
  /** Queues one item; resolves or rejects with its own outcome once its batch committed. */
  run(item: T): Promise<R>;
}

/**
 * `commit(items)` runs one batch in one transaction and returns an outcome per item, in order
 * (an item's expected refusal is its outcome; a thrown error fails the whole batch). `after`
 * runs with the committed values, in order, before their callers resume.
 */
export function groupCommit<T, R>(
  commit: (items: readonly T[]) => Promise<Outcome<R>[]>,
  options: { maxBatch?: number; after?: (values: R[]) => Promise<void> } = {},
): GroupCommit<T, R> {
  const maxBatch = options.maxBatch ?? 200;
  const queue: { item: T; resolve: (r: R) => void; reject: (e: unknown) => void }[] = [];
  let running = false;

  async function drain(): Promise<void> {
    while (queue.length) {
      const batch = queue.splice(0, maxBatch);
      try {
        const outcomes = await commit(batch.map((b) => b.item));
        const values = outcomes.flatMap((o) => (o.ok ? [o.value] : []));
        if (options.after) await options.after(values).catch(() => undefined);
        outcomes.forEach((o, i) => (o.ok ? batch[i]!.resolve(o.value) : batch[i]!.reject(o.error)));
      } catch (err) {
        for (const b of batch) b.reject(err);
      }
    }
    running = false;
  }

  return {
    run(item) {
      return new Promise<R>((resolve, reject) => {
        queue.push({ item, resolve, reject });
        if (!running) {
          running = true;
          setImmediate(() => void drain());
        }
      });
    },
  };
}
