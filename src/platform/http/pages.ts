import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';
import fp from 'fastify-plugin';

declare module 'fastify' {
  interface FastifyReply {
    /** Sends one of the built React pages (web/<entry>/index.html). */
    sendPage(entry: string): FastifyReply;
  }
  interface FastifyInstance {
    /** Whether a page was built (the 404 page falls back to JSON without it). */
    hasPage?(entry: string): boolean;
  }
}

/** dist/web, next to dist/ whether we run from src/ (tests, tsx) or dist/ (production). */
export const WEB_DIST = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../dist/web');

/** Serves the Vite build: hashed assets under /assets/ (cached forever), pages by entry name. */
export const pagesPlugin = fp<{ webDist?: string }>(async (app: FastifyInstance, opts) => {
  const root = opts.webDist ?? WEB_DIST;
  const cache = new Map<string, string | null>();
  const load = (entry: string): string | null => {
    if (!cache.has(entry)) {
      const file = path.join(root, entry === 'home' ? 'index.html' : path.join(entry, 'index.html'));
      cache.set(entry, fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : null);
    }
    return cache.get(entry) ?? null;
  };

  if (fs.existsSync(path.join(root, 'assets'))) {
    await app.register(fastifyStatic, {
      root: path.join(root, 'assets'),
      prefix: '/assets/',
      immutable: true,
      maxAge: '365d',
      decorateReply: false,
    });
  }

  app.decorate('hasPage', (entry: string) => load(entry) !== null);
  app.decorateReply('sendPage', function (this: FastifyReply, entry: string) {
    const html = load(entry);
    if (html === null) {
      return this.status(503).type('text/plain').send('The pages are not built: run `npm run build`.');
    }
    return this.type('text/html; charset=utf-8').header('cache-control', 'no-cache').send(html);
  });

  app.get('/', { schema: { hide: true } }, (_request, reply) => reply.sendPage('home'));
  app.get('/admin/login', { schema: { hide: true } }, (_request, reply) => reply.sendPage('admin'));
});
