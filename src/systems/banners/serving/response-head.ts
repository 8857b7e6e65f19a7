// The campaign page's response head as ready text: its header lines are checked and joined once
// (per campaign state, for the Set-Cookie line), not handed to node one by one per request.
// Measured by bench:banners (perf): node checking and joining the page's 14 headers in writeHead
// (two regular expressions and a lower-casing per header) was ~7 % of the route's CPU.
//
// Node writes a response's head from `res._header`, the text writeHead leaves there until the
// first body bytes go out (node 20, lib/_http_outgoing.js). writeHead runs with the
// Content-Length alone, so node still decides and writes Date, Connection and Keep-Alive
// itself; the ready lines are then put in front of its own. withHead() is used only where
// headBlockWorks() found node doing so (checked once, at start).
import http, { type IncomingMessage, type ServerResponse } from 'node:http';

const STATUS_LINE = 'HTTP/1.1 200 OK\r\n';

interface PendingHead {
  _header: unknown;
}

/** `name: value\r\n` lines, each checked as node checks a header it is handed (it throws on a bad one). */
export function headerLines(headers: Iterable<readonly [string, string]>): string {
  let lines = '';
  for (const [name, value] of headers) {
    http.validateHeaderName(name);
    http.validateHeaderValue(name, value);
    lines += `${name}: ${value}\r\n`;
  }
  return lines;
}

/** Whether this node leaves a 200 response's head in `_header` as text after writeHead (see above). */
export function headBlockWorks(): boolean {
  try {
    const req = { method: 'GET', httpVersionMajor: 1, httpVersionMinor: 1, headers: {} };
    const res = new http.ServerResponse(req as IncomingMessage);
    res.writeHead(200, ['content-length', '0']);
    const head = (res as unknown as PendingHead)._header;
    return typeof head === 'string' && head.startsWith(`${STATUS_LINE}content-length: 0\r\n`);
  } catch {
    return false;
  }
}

/**
 * Sends a 200 with `lines` (from headerLines(), in order) before node's own Content-Length, Date
 * and Connection headers, and `body`. An ASCII body given as `text` too goes out in the same
 * text as the head: node then writes one string to the socket (a plain write) instead of a
 * vector of the head, the body and its end-of-message piece (perf: the vector's bookkeeping, in
 * JS and C++, was ~5 % of the route's samples). The bytes are the same either way.
 */
export function endWithHead(
  res: ServerResponse,
  lines: string,
  body: Buffer,
  text: string | undefined,
): void {
  res.writeHead(200, ['content-length', String(body.length)]);
  const pending = res as unknown as PendingHead;
  const head = STATUS_LINE + lines + (pending._header as string).slice(STATUS_LINE.length);
  if (text === undefined) {
    pending._header = head;
    res.end(body);
  } else {
    // end() without a chunk sends what is in _header as it is (lib/_http_outgoing.js, _send).
    pending._header = head + text;
    res.end();
  }
}
