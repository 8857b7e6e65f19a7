// A tiny client-side router: history.pushState + popstate, same-app links intercepted.
import { useSyncExternalStore, type AnchorHTMLAttributes, type MouseEvent, type ReactNode } from 'react';

type Listener = () => void;
const listeners = new Set<Listener>();

/** Which paths this page's app renders itself; other links load their own page. */
let ownsPath: (pathname: string) => boolean = () => false;
let clientNavigations = 0;

export function configureRouter(owns: (pathname: string) => boolean): void {
  ownsPath = owns;
}

function emit(): void {
  for (const listener of listeners) listener();
}

if (typeof window !== 'undefined') {
  window.addEventListener('popstate', () => {
    clientNavigations += 1;
    emit();
  });
}

export interface NavigateOptions {
  replace?: boolean;
}

/** Goes to `to` (a path, optionally with a query): inside the app without a reload, else a full load. */
export function navigate(to: string, options: NavigateOptions = {}): void {
  const url = new URL(to, window.location.href);
  if (url.origin !== window.location.origin || !ownsPath(url.pathname)) {
    if (options.replace) window.location.replace(url.href);
    else window.location.assign(url.href);
    return;
  }
  const samePage = url.pathname === window.location.pathname;
  if (options.replace) window.history.replaceState(null, '', url.href);
  else window.history.pushState(null, '', url.href);
  clientNavigations += 1;
  if (!samePage) window.scrollTo(0, 0);
  emit();
}

/** True once the user moved within the app without a page load (used to move focus to the new heading). */
export function hasNavigatedClientSide(): boolean {
  return clientNavigations > 0;
}

function subscribe(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

const snapshot = () => window.location.pathname + window.location.search;

export interface RouteLocation {
  pathname: string;
  search: string;
  query: URLSearchParams;
}

export function useLocation(): RouteLocation {
  const current = useSyncExternalStore(subscribe, snapshot, snapshot);
  const q = current.indexOf('?');
  const pathname = q === -1 ? current : current.slice(0, q);
  const search = q === -1 ? '' : current.slice(q);
  return { pathname, search, query: new URLSearchParams(search) };
}

/** Builds `path?query` from an object, leaving out empty values. */
export function withQuery(path: string, params: Record<string, string | number | null | undefined>): string {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== null && value !== undefined && value !== '') query.set(key, String(value));
  }
  const text = query.toString();
  return text === '' ? path : `${path}?${text}`;
}

export interface LinkProps extends Omit<AnchorHTMLAttributes<HTMLAnchorElement>, 'href'> {
  href: string;
  children: ReactNode;
  replace?: boolean;
}

/** A real <a>: clicks on in-app links are handled without a reload, other links work as usual. */
export function Link({ href, onClick, replace, children, ...rest }: LinkProps) {
  const handleClick = (event: MouseEvent<HTMLAnchorElement>) => {
    onClick?.(event);
    if (event.defaultPrevented || event.button !== 0) return;
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    if (rest.target !== undefined && rest.target !== '_self') return;
    if (rest.download !== undefined) return;
    const url = new URL(href, window.location.href);
    if (url.origin !== window.location.origin || !ownsPath(url.pathname)) return;
    event.preventDefault();
    navigate(url.pathname + url.search + url.hash, { replace });
  };
  return (
    <a href={href} onClick={handleClick} {...rest}>
      {children}
    </a>
  );
}
