// The reference point of `npm run bench:platform`: a bare node:http server, in its own process,
// answering each benchmarked path with the very bytes Quintet sent for it (same body, same type).
//   node --import tsx bench/bare-http-server.ts BODIES.json PORT
// BODIES.json: { "/path?query": { "type": "application/json; charset=utf-8", "body": "…" } }
import fs from 'node:fs';
import http from 'node:http';

const [bodiesFile, port] = process.argv.slice(2);
if (!bodiesFile || !port) throw new Error('usage: bare-http-server.ts BODIES.json PORT');
const bodies = new Map(
  Object.entries(
    JSON.parse(fs.readFileSync(bodiesFile, 'utf8')) as Record<string, { type: string; body: string }>,
  ).map(([url, { type, body }]) => [url, { type, body: Buffer.from(body) }]),
);

http
  .createServer((req, res) => {
    const answer = bodies.get(req.url ?? '');
    if (!answer) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': answer.type, 'content-length': answer.body.length });
    res.end(answer.body);
  })
  .listen(Number(port), '127.0.0.1');
