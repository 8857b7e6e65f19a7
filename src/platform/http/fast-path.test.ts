// Routes answered before Fastify, through a real listening server: what they answer, what falls
// through to Fastify (false, a throw, another method or prefix, a closing app), and the metrics.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { afterEach, expect, it, vi } from 'vitest';
import { createFastPath, type FastRoute } from './fast-path.js';
import { RequestSeries } from './metrics.js';

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

function request(port: number, path: string, options: http.RequestOptions = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    http
      .request({ port, host: '127.0.0.1', path, ...options }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
      })
      .on('error', reject)
      .end();
  });
}

const apps: FastifyInstance[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((a) => a.close()));
});

async function start(route: Omit<FastRoute, 'method'>, setup?: (app: FastifyInstance) => void) {
  const log = pino({ level: 'silent' });
  const errors = vi.spyOn(log, 'error');
  const requests = new RequestSeries();
  const fastPath = createFastPath(log, requests);
  const app = Fastify({ serverFactory: fastPath.serverFactory, keepAliveTimeout: 5000 });
  fastPath.attach(app);
  app.fastPath.add({ method: 'GET', ...route });
  app.get('/fast/:id', async (req) => `fastify ${(req.params as { id: string }).id}`);
  app.post('/fast/:id', async () => 'fastify post');
  setup?.(app);
  await app.listen({ port: 0, host: '127.0.0.1' });
  apps.push(app);
  return { app, port: (app.server.address() as AddressInfo).port, requests, errors };
}

const fastRoute = (res: http.ServerResponse, label = '/fast/:id') => {
  res.writeHead(200, ['content-type', 'text/plain', 'content-length', '4']);
  res.end('fast');
  return label;
};

it('answers matching requests itself and counts them in the request series', async () => {
  const s = await start({
    prefix: '/fast/',
    handle: (req, res) => (req.url === '/fast/1' ? fastRoute(res) : false),
  });
  const fast = await request(s.port, '/fast/1');
  expect(fast).toMatchObject({ status: 200, body: 'fast' });
  expect(fast.headers['keep-alive']).toBe('timeout=5'); // Fastify's keepAliveTimeout, on the factory's server
  expect((await request(s.port, '/fast/2')).body).toBe('fastify 2');
  expect((await request(s.port, '/fast/1', { method: 'POST' })).body).toBe('fastify post');
  expect(s.requests.series.map((x) => [x.labels, x.count])).toEqual([
    [{ method: 'GET', route: '/fast/:id', status: '200' }, 1],
  ]);
});

it('leaves URLs outside its prefix to Fastify without calling the handler', async () => {
  const handle = vi.fn(() => false as const);
  const s = await start({ prefix: '/fast/', handle });
  expect((await request(s.port, '/other')).status).toBe(404);
  expect(handle).not.toHaveBeenCalled();
});

it('logs a handler that throws and lets Fastify answer', async () => {
  const s = await start({
    prefix: '/fast/',
    handle: () => {
      throw new Error('index away');
    },
  });
  expect(await request(s.port, '/fast/7')).toMatchObject({ status: 200, body: 'fastify 7' });
  expect(s.errors).toHaveBeenCalledWith(
    expect.objectContaining({ url: '/fast/7', err: expect.objectContaining({ message: 'index away' }) }),
    'fast route failed: Fastify answers instead',
  );
  expect(s.requests.series).toEqual([]);
});

it('hands every request to Fastify (503, Connection: close) once the app is closing', async () => {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  let during: Answer | undefined;
  const s = await start({ prefix: '/fast/', handle: (_req, res) => fastRoute(res) }, (app) => {
    // A preClose hook added after the fast path's: the app is closing, the server still listens.
    app.addHook('preClose', async () => {
      during = await request((app.server.address() as AddressInfo).port, '/fast/1', { agent });
    });
  });
  expect((await request(s.port, '/fast/1', { agent })).body).toBe('fast');
  await s.app.close();
  agent.destroy();
  expect(during).toMatchObject({ status: 503, headers: { connection: 'close' } });
  expect(s.requests.series[0]!.count).toBe(1);
});
