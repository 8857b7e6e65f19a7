import crypto from 'node:crypto';
import { promisify } from 'node:util';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Platform } from '../platform.js';
import { getOrCreateSetting, getSetting } from '../settings.js';
import { clearSession, readSession, setSession, type SessionCookieOptions } from './session.js';

const scrypt = promisify(crypto.scrypt) as (
  pw: string,
  salt: Buffer,
  len: number,
  opts: crypto.ScryptOptions,
) => Promise<Buffer>;
const SCRYPT = { N: 16384, r: 8, p: 1 } as const;
const ADMIN_HASH_KEY = 'admin_password_hash';

/** `scrypt$N$r$p$salt$hash`, base64url parts. */
export async function hashPassword(password: string): Promise<string> {
  const salt = crypto.randomBytes(16);
  const hash = await scrypt(password, salt, 32, SCRYPT);
  return [
    'scrypt',
    SCRYPT.N,
    SCRYPT.r,
    SCRYPT.p,
    salt.toString('base64url'),
    hash.toString('base64url'),
  ].join('$');
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [kind, n, r, p, salt, hash] = stored.split('$');
  if (kind !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64url');
  const actual = await scrypt(password, Buffer.from(salt, 'base64url'), expected.length, {
    N: Number(n),
    r: Number(r),
    p: Number(p),
  });
  return crypto.timingSafeEqual(actual, expected);
}

/**
 * The admin's password hash: from ADMIN_PASSWORD, or generated once at first start (printed once
 * in the log, only its scrypt hash stored, shared by all instances through the database).
 */
export async function prepareAdminPassword(platform: Platform): Promise<string> {
  if (platform.config.adminPassword) return hashPassword(platform.config.adminPassword);
  const existing = await getSetting(platform.db, ADMIN_HASH_KEY);
  if (existing !== undefined) return existing;
  const generated = crypto.randomBytes(12).toString('base64url');
  const hash = await hashPassword(generated);
  const { value, created } = await getOrCreateSetting(platform.db, ADMIN_HASH_KEY, () => hash);
  if (created) {
    platform.log.warn(
      `ADMIN_PASSWORD is not set: generated admin password "${generated}" (shown once; set ADMIN_PASSWORD to choose your own)`,
    );
  }
  return value;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** preHandler: 401 JSON unless the admin is logged in. */
    requireAdmin(request: FastifyRequest, reply: FastifyReply): Promise<void>;
    /** preHandler for admin pages: redirects to the login page unless logged in. */
    requireAdminPage(request: FastifyRequest, reply: FastifyReply): Promise<void>;
    isAdmin(request: FastifyRequest): boolean;
  }
}

export interface AdminAuthOptions {
  platform: Platform;
  passwordHash: string;
}

const SESSION_HOURS = 12;

export const adminAuthPlugin = fp<AdminAuthOptions>(async (app: FastifyInstance, opts) => {
  const { platform } = opts;
  const cookie: SessionCookieOptions = {
    name: 'quintet_admin',
    maxAgeSeconds: SESSION_HOURS * 3600,
    secure: platform.config.cookieSecure,
  };
  const isAdmin = (request: FastifyRequest) =>
    readSession(request, cookie, platform.clock.now().getTime()) === 'admin';
  app.decorate('isAdmin', isAdmin);
  app.decorate('requireAdmin', async (request: FastifyRequest, reply: FastifyReply) => {
    if (!isAdmin(request)) await reply.status(401).send({ error: 'admin login required' });
  });
  app.decorate('requireAdminPage', async (request: FastifyRequest, reply: FastifyReply) => {
    if (!isAdmin(request)) await reply.redirect(`/admin/login?next=${encodeURIComponent(request.url)}`);
  });

  app.post<{ Body: { password: string } }>(
    '/api/admin/login',
    {
      config: { rateLimit: { max: 10, timeWindow: '1 minute' } },
      schema: {
        tags: ['admin'],
        summary: 'Log in as the admin (sets a signed HttpOnly session cookie)',
        body: {
          type: 'object',
          required: ['password'],
          properties: { password: { type: 'string', minLength: 1, maxLength: 200 } },
        },
        response: {
          200: { type: 'object', properties: { admin: { type: 'boolean' } } },
          401: { type: 'object', properties: { error: { type: 'string' } } },
        },
      },
    },
    async (request, reply) => {
      if (!(await verifyPassword(request.body.password, opts.passwordHash))) {
        return reply.status(401).send({ error: 'wrong password' });
      }
      setSession(reply, cookie, 'admin', platform.clock.now().getTime());
      return { admin: true };
    },
  );

  app.post(
    '/api/admin/logout',
    {
      schema: {
        tags: ['admin'],
        summary: 'Log out',
        response: { 200: { type: 'object', properties: { admin: { type: 'boolean' } } } },
      },
    },
    async (_request, reply) => {
      clearSession(reply, cookie);
      return { admin: false };
    },
  );

  app.get(
    '/api/admin/session',
    {
      schema: {
        tags: ['admin'],
        summary: 'Whether the caller is logged in as the admin',
        response: { 200: { type: 'object', properties: { admin: { type: 'boolean' } } } },
      },
    },
    async (request) => ({ admin: isAdmin(request) }),
  );
});
