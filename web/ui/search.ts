// A search box kept in the URL: what is typed goes into it after a pause (replacing the history
// entry, to keep history short), a submit pushes it, and back/forward put the URL's text in the box.
import { useEffect, useRef, useState } from 'react';
import { navigate } from './router.js';

export interface UrlSearch {
  search: string;
  setSearch: (text: string) => void;
  /** Marks the box's text as sent and returns it (before navigating with it yourself). */
  commit: () => string;
}

/** `q` is the URL's text; `hrefFor(text)` the URL with that text (and the first page). */
export function useUrlSearch(q: string, hrefFor: (text: string) => string, delayMs = 350): UrlSearch {
  const [search, setSearch] = useState(q);
  /** The text this page last put in the URL while typing (so the box is not overwritten mid-typing). */
  const typed = useRef(q);
  const href = useRef(hrefFor);
  useEffect(() => {
    href.current = hrefFor;
  });

  // Back/forward or a link changed the URL: show its text in the box.
  useEffect(() => {
    if (q !== typed.current) {
      typed.current = q;
      setSearch(q);
    }
  }, [q]);

  useEffect(() => {
    if (search === typed.current) return;
    const timer = window.setTimeout(() => {
      typed.current = search;
      navigate(href.current(search), { replace: true });
    }, delayMs);
    return () => window.clearTimeout(timer);
  }, [search, delayMs]);

  const commit = () => {
    typed.current = search;
    return search;
  };
  return { search, setSearch, commit };
}
