// Errors a service throws when a request cannot be carried out: plain errors with a kind, so
// services never import the HTTP layer. One error handler (http/errors.ts) maps kinds to statuses;
// the CLI prints the message as one line.

/** What went wrong, as the caller can act on it. */
export type ErrorKind =
  | 'bad_input'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'too_large'
  | 'rate_limited'
  | 'unavailable';

export class DomainError extends Error {
  override name = 'DomainError';
  constructor(
    readonly kind: ErrorKind,
    message: string,
    /** Extra fields of the answer beside `error`, e.g. `{ fields: {...} }`. */
    readonly details: Readonly<Record<string, unknown>> = {},
  ) {
    super(message);
  }
}

export const badInput = (message: string, details?: Record<string, unknown>) =>
  new DomainError('bad_input', message, details);
export const notFound = (message = 'not found', details?: Record<string, unknown>) =>
  new DomainError('not_found', message, details);
export const conflict = (message: string, details?: Record<string, unknown>) =>
  new DomainError('conflict', message, details);
export const tooLarge = (message: string, details?: Record<string, unknown>) =>
  new DomainError('too_large', message, details);

/** Too many requests: answered 429 with `Retry-After: retryAfterSeconds` (set by the security plugin). */
export class RateLimitedError extends DomainError {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super('rate_limited', message, { retry_after_seconds: retryAfterSeconds });
  }
}
