import type { FastifyRequest } from 'fastify';

const hostOf = (url: string | undefined): string | undefined => {
  if (url === undefined) return undefined;
  if (url === 'null') return 'null'; // an opaque origin: a sandboxed frame, a data: URL
  try {
    return new URL(url).host;
  } catch {
    return 'unreadable';
  }
};

/**
 * Whether another site sent this request (a link, a form or a script on another origin): a
 * `Sec-Fetch-Site` other than same-origin/none, or an Origin or Referer naming another host.
 * Typed-in URLs, bookmarks and non-browser clients (curl, scripts) send none of these, so they pass.
 * For the few state-changing GETs that the original APIs define, which no CSRF token can guard.
 */
export function isCrossSite(request: FastifyRequest): boolean {
  const site = request.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return true;
  // As a URL gives it (a default port dropped), so it compares with Origin and Referer.
  const own = hostOf(`${request.protocol}://${request.host}`);
  const origin = hostOf(request.headers.origin);
  const referer = hostOf(request.headers.referer);
  return (origin !== undefined && origin !== own) || (referer !== undefined && referer !== own);
}
