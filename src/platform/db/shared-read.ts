/**
 * One read shared by every caller of the same event-loop turn. The first call schedules the read
 * for the check phase (setImmediate), after the poll phase has handed every ready request to its
 * handler; every call until then gets that read's result, and a call after it has started waits
 * for the next. So each caller's result comes from a read that started after the caller asked:
 * whatever was committed before any of them asked is in it, exactly as with a read of its own.
 * Under load dozens of requests share one read (funnel.json's counts version: one SQLite read
 * transaction, ~10 % of its CPU a request before); alone, a request waits one loop turn.
 */
export function sharedRead<T>(read: () => Promise<T>): () => Promise<T> {
  let next: Promise<T> | undefined;
  const start = (resolve: (value: T | Promise<T>) => void, reject: (err: unknown) => void) => {
    next = undefined;
    try {
      resolve(read());
    } catch (err) {
      reject(err);
    }
  };
  return () => (next ??= new Promise<T>((resolve, reject) => setImmediate(start, resolve, reject)));
}
