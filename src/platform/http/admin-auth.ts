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
    /** Whether the request carries a live admin session (one primary-key read, once per request). */
    isAdmin(request: FastifyRequest): Promise<boolean>;
  }
}

export interface AdminAuthOptions {
  platform: Platform;
  passwordHash: string;
}

const SESSION_HOURS = 12;
const SUBJECT_PREFIX = 'admin:';

/** The database keeps only a hash of the token the cookie carries. */
const sessionId = (token: string) => crypto.createHash('sha256').update(token).digest('hex');

/**
 * Admin sessions are revocable: the signed cookie carries a random token, and a session is live
 * only while `platform_admin_sessions` holds its hash with an expiry ahead, so logout (which
 * deletes the row) ends it on every instance at once, and a copied cookie stops working.
 */
export const adminAuthPlugin = fp<AdminAuthOptions>(async (app: FastifyInstance, opts) => {
  const { platform } = opts;
  const db = platform.db;
  const cookie: SessionCookieOptions = {
    name: 'quintet_admin',
    maxAgeSeconds: SESSION_HOURS * 3600,
    secure: platform.config.cookieSecure,
  };
  const nowMs = () => platform.clock.now().getTime();
  /** The session token of the request's signed, unexpired cookie, if any. */
  const tokenOf = (request: FastifyRequest): string | undefined => {
    const subject = readSession(request, cookie, nowMs());
    return subject?.startsWith(SUBJECT_PREFIX) ? subject.slice(SUBJECT_PREFIX.length) : undefined;
  };
  const checked = new WeakMap<FastifyRequest, Promise<boolean>>();
  const lookUp = async (request: FastifyRequest): Promise<boolean> => {
    const token = tokenOf(request);
    if (!token) return false;
    const row = await db
      .selectFrom('platform_admin_sessions')
      .select('id')
      .where('id', '=', sessionId(token))
      .where('expires_at', '>', platform.clock.now().toISOString())
      .executeTakeFirst();
    return row !== undefined;
  };
  const isAdmin = (request: FastifyRequest): Promise<boolean> => {
    let answer = checked.get(request);
    if (!answer) checked.set(request, (answer = lookUp(request)));
    return answer;
  };
  app.decorate('isAdmin', isAdmin);
  app.decorate('requireAdmin', async (request: FastifyRequest, reply: FastifyReply) => {
    if (!(await isAdmin(request))) await reply.status(401).send({ error: 'admin login required' });
  });
  app.decorate('requireAdminPage', async (request: FastifyRequest, reply: FastifyReply) => {
    if (!(await isAdmin(request)))
      await reply.redirect(`/admin/login?next=${encodeURIComponent(request.url)}`);
  });

  app.post<{ Body: { password: string } }>(
    '/api/admin/login',
    {
      config: { rateLimit: { max: 10, timeWindow: '1 minute' } },
      schema: {
        tags: ['admin'],
        summary:
          'Log in as the admin (sets a signed HttpOnly session cookie and a new CSRF secret: fetch a new token)',
        body: {
          type: 'object',
          required: ['password'],
          properties: { password: { type: 'string', minLength: 1, maxLength: 200 } },
        },
        response: {
          200: {
            type: 'object',
            properties: { admin: { type: 'boolean' }, csrf_token: { type: 'string' } },
          },
          401: { type: 'object', properties: { error: { type: 'string' } } },
        },
      },
    },
    async (request, reply) => {
      if (!(await verifyPassword(request.body.password, opts.passwordHash))) {
        return reply.status(401).send({ error: 'wrong password' });
      }
      const now = platform.clock.now();
      const token = crypto.randomBytes(32).toString('base64url');
      await db.deleteFrom('platform_admin_sessions').where('expires_at', '<=', now.toISOString()).execute();
      await db
        .insertInto('platform_admin_sessions')
        .values({
          id: sessionId(token),
          created_at: now.toISOString(),
          expires_at: new Date(now.getTime() + cookie.maxAgeSeconds * 1000).toISOString(),
        })
        .execute();
      setSession(reply, cookie, `${SUBJECT_PREFIX}${token}`, now.getTime());
      // A CSRF secret planted or read before the login is worth nothing after it.
      return { admin: true, csrf_token: reply.rotateCsrf() };
    },
  );

  app.post(
    '/api/admin/logout',
    {
      schema: {
        tags: ['admin'],
        summary: 'Log out: ends the session on every instance (a copy of the cookie stops working too)',
        response: { 200: { type: 'object', properties: { admin: { type: 'boolean' } } } },
      },
    },
    async (request, reply) => {
      const token = tokenOf(request);
      if (token) await db.deleteFrom('platform_admin_sessions').where('id', '=', sessionId(token)).execute();
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
    async (request) => ({ admin: await isAdmin(request) }),
  );
});
