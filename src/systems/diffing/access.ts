// Who is calling the diffing API: an API token (Authorization: Bearer), the admin, and the
// browser's own diffing session (a signed cookie), which together decide what a caller may read,
// and which client a new job counts against.
import crypto from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { JobOrigin, JobReader } from './service.js';

export interface Caller extends JobReader {
  /** The API token's label (`token:<hash>`), when a valid one was sent. */
  token?: string;
  /** The browser's diffing session label (`session:<hash>`), when it has one. */
  session?: string;
  /** What rate limits count against: the token, else the client address. */
  client: string;
}

const SESSION_COOKIE = 'quintet_diffing';
const label = (kind: string, secret: string) =>
  `${kind}:${crypto.createHash('sha256').update(secret).digest('hex').slice(0, 32)}`;

export class DiffingAccess {
  /** Token label by the SHA-256 of the token: a lookup that leaks nothing about the tokens by its timing. */
  private readonly tokens: Map<string, string>;
  private readonly callers = new WeakMap<FastifyRequest, Promise<Caller>>();

  constructor(
    private readonly app: FastifyInstance,
    apiTokens: readonly string[],
    private readonly cookie: { secure: boolean; maxAgeSeconds: number },
  ) {
    this.tokens = new Map(apiTokens.map((t) => [label('sha', t), label('token', t)]));
  }

  get tokensRequired(): boolean {
    return this.tokens.size > 0;
  }

  /**
   * The Bearer token's label; null for a Bearer token that is not one of API_TOKENS; undefined
   * without one, or when API_TOKENS is unset (other schemes, e.g. a proxy's Basic auth, are not ours).
   */
  private tokenOf(request: FastifyRequest): string | null | undefined {
    const header = request.headers.authorization;
    if (header === undefined || this.tokens.size === 0) return undefined;
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match) return undefined;
    return this.tokens.get(label('sha', match[1]!)) ?? null;
  }

  private sessionOf(request: FastifyRequest): string | undefined {
    const raw = request.cookies[SESSION_COOKIE];
    if (!raw) return undefined;
    const unsigned = request.unsignCookie(raw);
    return unsigned.valid && unsigned.value ? label('session', unsigned.value) : undefined;
  }

  caller(request: FastifyRequest): Promise<Caller> {
    let caller = this.callers.get(request);
    if (!caller) this.callers.set(request, (caller = this.identify(request)));
    return caller;
  }

  private async identify(request: FastifyRequest): Promise<Caller> {
    const token = this.tokenOf(request) ?? undefined;
    const session = this.sessionOf(request);
    const admin = await this.app.isAdmin(request);
    const owners = [token, session].filter((o): o is string => o !== undefined);
    return { admin, owners, token, session, client: token ?? `address:${request.ip}` };
  }

  /**
   * preHandler of every job API: 401 for an Authorization header with an unknown token, and,
   * when API_TOKENS is set, for a caller with neither a token nor the admin session.
   */
  readonly guard = async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    if (this.tokenOf(request) === null) {
      await reply.status(401).send({ error: 'unknown API token (Authorization: Bearer <token>)' });
      return;
    }
    const caller = await this.caller(request);
    if (this.tokensRequired && !caller.token && !caller.admin) {
      await reply.status(401).send({
        error: 'this API needs an API token: send Authorization: Bearer <token> (one of API_TOKENS)',
      });
    }
  };

  /** preValidation of the POST routes: a request with a valid API token carries no cookie to forge; others need the CSRF token. */
  readonly csrfUnlessToken = (request: FastifyRequest, reply: FastifyReply, done: (err?: Error) => void) => {
    if (this.tokenOf(request)) return done();
    this.app.csrfProtection(request, reply, done);
  };

  /** Who a new upload belongs to: its token, else the browser's diffing session (started now if need be). */
  uploadOrigin(request: FastifyRequest, reply: FastifyReply, caller: Caller): JobOrigin {
    if (caller.token) return { client: caller.client, owner: caller.token };
    if (caller.session) return { client: caller.client, owner: caller.session };
    const id = crypto.randomBytes(24).toString('base64url');
    reply.setCookie(SESSION_COOKIE, id, {
      signed: true,
      httpOnly: true,
      sameSite: 'lax',
      secure: this.cookie.secure,
      path: '/',
      maxAge: this.cookie.maxAgeSeconds,
    });
    return { client: caller.client, owner: label('session', id) };
  }
}
