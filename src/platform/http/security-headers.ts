import type { IncomingMessage, ServerResponse } from 'node:http';
import helmet from 'helmet';

const CSP_DIRECTIVES = [
  'defaultSrc',
  'baseUri',
  'connectSrc',
  'fontSrc',
  'formAction',
  'frameAncestors',
  'frameSrc',
  'imgSrc',
  'mediaSrc',
  'objectSrc',
  'scriptSrc',
  'styleSrc',
] as const;
const KNOWN_DIRECTIVES = new Set<string>(CSP_DIRECTIVES);

/** The Content-Security-Policy directives a route may set (helmet's camelCase names). */
export type CspDirective = (typeof CSP_DIRECTIVES)[number];

/**
 * A route's departure from the strict defaults: each directive given replaces the default one
 * (null drops it). `{ frameAncestors: ['*'] }` lets any site frame the route's page.
 */
export type SecurityProfile = Readonly<Partial<Record<CspDirective, readonly string[] | null>>>;

/** The policy every route gets unless it declares a profile: nothing framed, no inline script. */
export const STRICT_DIRECTIVES = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'", "'unsafe-inline'"],
  imgSrc: ["'self'", 'data:', 'blob:'],
  connectSrc: ["'self'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
  objectSrc: ["'none'"],
} as const satisfies SecurityProfile;

/** Named profiles a route can ask for with `config: { security: 'embeddable' }`. */
export const SECURITY_PROFILES = {
  strict: {},
  /** A page other sites embed in an iframe (a campaign's banner). */
  embeddable: { frameAncestors: ['*'] },
} as const satisfies Record<string, SecurityProfile>;

export type SecurityProfileName = keyof typeof SECURITY_PROFILES;

/** Lower-case header name to value, frozen: set as they are on every response of a route. */
export type SecurityHeaders = Readonly<Record<string, string>>;

const FRAMEABLE_BY_XFO = new Set(["'none'", "'self'"]);

/**
 * The headers helmet sends for a profile, computed once. Helmet builds them from our options, so
 * the values stay exactly helmet's; it is run here, at start, against a recording response,
 * because running it per request (as @fastify/helmet does, rebuilding the whole policy each
 * time) was ~13 % of the CPU of a /health load.
 */
export function securityHeaders(
  profile: SecurityProfileName | SecurityProfile,
  options: { hsts: boolean },
): SecurityHeaders {
  const overrides = typeof profile === 'string' ? SECURITY_PROFILES[profile] : profile;
  if (overrides === undefined) throw new Error(`unknown security profile "${String(profile)}"`);
  const directives: Record<string, readonly string[] | null> = { ...STRICT_DIRECTIVES, ...overrides };
  for (const [name, sources] of Object.entries(overrides) as [string, readonly string[] | null][]) {
    if (!KNOWN_DIRECTIVES.has(name)) throw new Error(`unknown CSP directive "${name}"`);
    if (sources !== null && sources.length === 0) throw new Error(`CSP directive "${name}" has no sources`);
  }
  // X-Frame-Options can say only DENY or SAMEORIGIN: a page that other sites may frame must not
  // send it at all (frame-ancestors then says who may; browsers that know it ignore X-Frame-Options).
  const ancestors = directives.frameAncestors;
  const xfoFits = ancestors ? ancestors.every((s) => FRAMEABLE_BY_XFO.has(s)) : false;
  const headers: Record<string, string> = {};
  const recorder = {
    setHeader(name: string, value: string) {
      headers[name.toLowerCase()] = value;
    },
    removeHeader(name: string) {
      delete headers[name.toLowerCase()];
    },
  };
  helmet({
    contentSecurityPolicy: { directives: { ...directives, upgradeInsecureRequests: null } },
    // The pages are served over plain HTTP on one machine by default.
    strictTransportSecurity: options.hsts,
    xFrameOptions: xfoFits ? undefined : false,
  })({} as IncomingMessage, recorder as unknown as ServerResponse, (err?: unknown) => {
    if (err) throw err;
  });
  return Object.freeze(headers);
}
