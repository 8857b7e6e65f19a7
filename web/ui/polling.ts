// Reading a resource that changes while a background job runs: GET it again every `intervalMs`
// while `keepPolling` says so, keep the last good answer through network trouble (marked stale),
// stop on unmount. The diffing jobs, the uptime reports and their recent lists use it.
import { useEffect, useRef, useState } from 'react';
import { api, errorMessage, isAbort } from './api.js';

export type Polled<T> =
  | { kind: 'loading' }
  | { kind: 'missing' }
  | { kind: 'error'; message: string }
  | { kind: 'ready'; data: T; stale: boolean };

export interface PollOptions<T> {
  /** Checks an answer's shape (a 200 that is not one counts as an error). */
  accept: (data: unknown) => data is T;
  /** Whether to ask again after this answer (a job still queued or running). */
  keepPolling: (data: T) => boolean;
  intervalMs: number;
  /** After a failed request (network, 5xx), wait this long before the next one. */
  retryMs?: number;
  /** The message when a failure gives none. */
  fallback: string;
  /** Changing it asks again at once, keeping what is shown meanwhile. */
  reloadKey?: string;
}

export function usePolled<T>(url: string, options: PollOptions<T>): Polled<T> {
  const [view, setView] = useState<Polled<T>>({ kind: 'loading' });
  const latest = useRef(options);
  useEffect(() => {
    latest.current = options;
  });
  const shownUrl = useRef(url);
  const { intervalMs, retryMs = 2000, reloadKey } = options;

  useEffect(() => {
    const controller = new AbortController();
    let timer: number | undefined;
    let stopped = false;
    if (shownUrl.current !== url) {
      shownUrl.current = url;
      setView({ kind: 'loading' });
    }

    const poll = async () => {
      let next = intervalMs;
      const { accept, keepPolling, fallback } = latest.current;
      try {
        const res = await api.get<unknown>(url, { signal: controller.signal });
        if (stopped) return;
        if (res.ok && accept(res.data)) {
          setView({ kind: 'ready', data: res.data, stale: false });
          if (!keepPolling(res.data)) return;
        } else if (res.status === 404) {
          setView({ kind: 'missing' });
          return;
        } else if (res.ok || (res.status >= 400 && res.status < 500 && res.status !== 429)) {
          setView({ kind: 'error', message: errorMessage(res, fallback) });
          return;
        } else {
          // Network trouble, a server error or too many requests: keep the last answer, say so, try again a bit later.
          next = retryMs;
          setView((v) =>
            v.kind === 'ready'
              ? { ...v, stale: true }
              : { kind: 'error', message: errorMessage(res, fallback) },
          );
        }
      } catch (err) {
        if (isAbort(err) || stopped) return;
        next = retryMs;
      }
      timer = window.setTimeout(() => void poll(), next);
    };
    void poll();

    return () => {
      stopped = true;
      controller.abort();
      if (timer !== undefined) window.clearTimeout(timer);
    };
  }, [url, intervalMs, retryMs, reloadKey]);
  return view;
}
