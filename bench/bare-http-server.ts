// The reference point of `npm run bench:platform`: a bare node:http server, in its own process,
// answering each benchmarked path with the very bytes Quintet sent for it (same body, same type).
//   node --import tsx bench/bare-http-server.ts BODIES.json PORT
// BODIES.json: { "/path?query": { "type": "application/json; charset=utf-8", "body": "…",
//                 "headers": { "cache-control": "no-store" } } }   (headers optional: sent as well)
import fs from 'node:fs';
import http from 'node:http';

const [bodiesFile, port] = process.argv.slice(2);
if (!bodiesFile || !port) throw new Error('usage: bare-http-server.ts BODIES.json PORT');
const bodies = new Map(
  Object.entries(
    JSON.parse(fs.readFileSync(bodiesFile, 'utf8')) as Record<
      string,
      { type: string; body: string; headers?: Record<string, string> }
    >,
  ).map(([url, { type, body, headers }]) => {
    const bytes = Buffer.from(body);
    return [
      url,
      { headers: { ...headers, 'content-type': type, 'content-length': bytes.length }, body: bytes },
    ];
  }),
);

http
  .createServer((req, res) => {
    const answer = bodies.get(req.url ?? '');
    if (!answer) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, answer.headers);
    res.end(answer.body);
  })
  .listen(Number(port), '127.0.0.1');
