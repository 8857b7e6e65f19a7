// Input rules every route shares, checked before its schema:
// - an integer in the query string or the path is written as plain decimal digits: ajv's type
//   coercion alone reads "0x10", " 1", "1e3" as numbers and lets "Infinity" and "1e400" through
//   as Infinity, which then failed in SQL (a 500);
// - no text carries a NUL character: PostgreSQL cannot store one in text and fails the whole query
//   (a 500), and SQLite would keep it; refused on both so both behave alike.
import type {
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  HookHandlerDoneFunction,
  RouteOptions,
} from 'fastify';
import { badInput } from '../errors.js';

/** Longest integer read from a query string or path: 15 digits stay exact as a double. */
const PLAIN_INTEGER = /^-?\d{1,15}$/;
const NUL = '\u0000';
/** How deep the NUL check looks into a JSON body (our bodies are flat; deeper values stay unchecked). */
const MAX_DEPTH = 8;

type SchemaPart = { properties?: Record<string, { type?: string | readonly string[] }> } | undefined;

/** The properties of a query or params schema that are integers. */
function integerProperties(schema: unknown): string[] {
  const properties = (schema as SchemaPart)?.properties ?? {};
  return Object.entries(properties)
    .filter(([, p]) => [p.type].flat().includes('integer'))
    .map(([name]) => name);
}

function badInteger(values: unknown, names: readonly string[], part: string): Error | undefined {
  if (!names.length || typeof values !== 'object' || values === null) return undefined;
  for (const name of names) {
    const value = (values as Record<string, unknown>)[name];
    if (typeof value === 'string' && !PLAIN_INTEGER.test(value))
      return badInput(`${part}.${name} must be an integer written in decimal digits (at most 15)`);
  }
  return undefined;
}

/** The path of the first string holding a NUL character, e.g. `body.first_name`; undefined when none does. */
export function nulPath(value: unknown, where: string, depth = 0): string | undefined {
  if (typeof value === 'string') return value.includes(NUL) ? where : undefined;
  if (typeof value !== 'object' || value === null || depth > MAX_DEPTH) return undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = nulPath(value[i], `${where}[${i}]`, depth + 1);
      if (found) return found;
    }
    return undefined;
  }
  for (const key in value) {
    if (key.includes(NUL)) return `${where} (a field name)`;
    const found = nulPath((value as Record<string, unknown>)[key], `${where}.${key}`, depth + 1);
    if (found) return found;
  }
  return undefined;
}

const nulError = (path: string) =>
  badInput(`${path} contains a NUL character (\\u0000), which text cannot hold`);

/** Adds the checks to every route declared after this call (call it before any plugin that adds routes). */
export function registerInputChecks(app: FastifyInstance): void {
  app.addHook('onRoute', (route: RouteOptions) => {
    const query = integerProperties(route.schema?.querystring);
    const params = integerProperties(route.schema?.params);
    // Routes that read nothing from the request (pages, /health) skip the check entirely.
    const readsInput =
      route.schema?.querystring !== undefined ||
      route.schema?.params !== undefined ||
      route.schema?.body !== undefined ||
      route.url.includes(':') ||
      [route.method].flat().some((m) => m !== 'GET' && m !== 'HEAD');
    if (!readsInput) return;
    const check = (request: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction) => {
      const nul =
        nulPath(request.query, 'querystring') ??
        nulPath(request.params, 'params') ??
        nulPath(request.body, 'body');
      done(
        badInteger(request.query, query, 'querystring') ??
          badInteger(request.params, params, 'params') ??
          (nul === undefined ? undefined : nulError(nul)),
      );
    };
    // After the route's own preValidation (the CSRF check) and every scope's hooks (the admin check).
    route.preValidation = [...[route.preValidation ?? []].flat(), check];
  });
}
