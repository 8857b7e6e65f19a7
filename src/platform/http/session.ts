import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * Minimal signed-cookie sessions: the cookie holds `<subject>.<expiresAtSeconds>`, HMAC-signed by
 * @fastify/cookie with the platform secret. Stateless, so any app instance can read it; the admin's
 * subject names a session row (admin-auth.ts), so logout can end it.
 */
export interface SessionCookieOptions {
  name: string;
  maxAgeSeconds: number;
  secure: boolean;
}

export function setSession(
  reply: FastifyReply,
  opts: SessionCookieOptions,
  subject: string,
  nowMs: number,
): void {
  const expires = Math.floor(nowMs / 1000) + opts.maxAgeSeconds;
  reply.setCookie(opts.name, `${subject}.${expires}`, {
    signed: true,
    httpOnly: true,
    sameSite: 'lax',
    secure: opts.secure,
    path: '/',
    maxAge: opts.maxAgeSeconds,
  });
}

export function clearSession(reply: FastifyReply, opts: SessionCookieOptions): void {
  reply.clearCookie(opts.name, { path: '/' });
}

/** The session's subject, or undefined when absent, tampered with or expired. */
export function readSession(
  request: FastifyRequest,
  opts: SessionCookieOptions,
  nowMs: number,
): string | undefined {
  const raw = request.cookies[opts.name];
  if (!raw) return undefined;
  const unsigned = request.unsignCookie(raw);
  if (!unsigned.valid || unsigned.value === null) return undefined;
  const dot = unsigned.value.lastIndexOf('.');
  if (dot <= 0) return undefined;
  const expires = Number(unsigned.value.slice(dot + 1));
  if (!Number.isFinite(expires) || expires * 1000 < nowMs) return undefined;
  return unsigned.value.slice(0, dot);
}
