// Tiny JSON API client: same-origin cookies, CSRF token on every state-changing request.

/** What the server sends back on errors: a message and, for forms, one message per field. */
export interface ApiErrorBody {
  error?: string;
  fields?: Record<string, string>;
  [key: string]: unknown;
}

export type ApiResult<T> =
  { ok: true; status: number; data: T } | { ok: false; status: number; data: ApiErrorBody };

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

const UNSAFE: ReadonlySet<Method> = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
export const CSRF_HEADER = 'x-csrf-token';
export const TOO_MANY_REQUESTS = 'Too many requests, please wait a minute and try again.';
export const NETWORK_ERROR = 'Could not reach the server. Check your connection and try again.';

let csrfPromise: Promise<string | null> | null = null;

/** GET /api/csrf-token once (again when `refresh`), shared by all requests of the page. */
export function csrfToken(refresh = false): Promise<string | null> {
  if (csrfPromise === null || refresh) {
    const pending = fetch('/api/csrf-token', {
      credentials: 'same-origin',
      headers: { accept: 'application/json' },
    })
      .then(async (res) => {
        if (!res.ok) return null;
        const body = (await res.json()) as { token?: unknown };
        return typeof body.token === 'string' ? body.token : null;
      })
      .catch(() => null)
      .then((token) => {
        // Don't cache a failure: the next request tries again.
        if (token === null && csrfPromise === pending) csrfPromise = null;
        return token;
      });
    csrfPromise = pending;
  }
  return csrfPromise;
}

let onUnauthorized: ((status: number) => void) | null = null;

/** Called on every 401 answer (the admin pages send the browser to the login page). */
export function setUnauthorizedHandler(handler: ((status: number) => void) | null): void {
  onUnauthorized = handler;
}

/** A response body's JSON (null when empty); a body that is not JSON becomes `{ error: <its start> }`. */
export function parseBodyText(text: string): unknown {
  if (text === '') return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return { error: text.slice(0, 300) };
  }
}

async function parseBody(res: Response): Promise<unknown> {
  return parseBodyText(await res.text());
}

/** True when an error answer says the CSRF token was refused (then a fresh token may be tried). */
export function isCsrfError(data: unknown): boolean {
  const body = asErrorBody(data);
  const text = `${String(body['code'] ?? '')} ${String(body['message'] ?? '')} ${String(body.error ?? '')}`;
  return /csrf/i.test(text);
}

function asErrorBody(data: unknown): ApiErrorBody {
  if (data !== null && typeof data === 'object' && !Array.isArray(data)) return data as ApiErrorBody;
  return {};
}

/** The result of an answer with this status and (parsed) body. */
export function apiResult<T>(status: number, data: unknown): ApiResult<T> {
  if (status >= 200 && status < 300) return { ok: true, status, data: data as T };
  return { ok: false, status, data: asErrorBody(data) };
}

async function send(
  method: Method,
  url: string,
  body: unknown,
  { signal, headers: extra }: RequestOptions,
): Promise<Response> {
  const headers: Record<string, string> = { ...extra, accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (UNSAFE.has(method)) {
    const token = await csrfToken();
    if (token !== null) headers[CSRF_HEADER] = token;
  }
  return fetch(url, {
    method,
    headers,
    credentials: 'same-origin',
    body: body === undefined ? undefined : JSON.stringify(body),
    signal,
  });
}

export interface RequestOptions {
  signal?: AbortSignal;
  /** Extra request headers (e.g. the survey respondent's id). */
  headers?: Readonly<Record<string, string>>;
}

/**
 * Sends one JSON request and never throws (except when aborted): network failures come back as
 * `{ ok: false, status: 0 }`.
 */
export async function request<T>(
  method: Method,
  url: string,
  body?: unknown,
  options: RequestOptions = {},
): Promise<ApiResult<T>> {
  let res: Response;
  let data: unknown;
  try {
    res = await send(method, url, body, options);
    data = await parseBody(res);
    if (res.status === 403 && UNSAFE.has(method) && isCsrfError(data)) {
      // The token went stale (e.g. its cookie expired): fetch a fresh one and retry once.
      await csrfToken(true);
      res = await send(method, url, body, options);
      data = await parseBody(res);
    }
  } catch (err) {
    if (isAbort(err)) throw err;
    return { ok: false, status: 0, data: { error: NETWORK_ERROR } };
  }
  if (res.status === 401 && onUnauthorized !== null) onUnauthorized(res.status);
  return apiResult<T>(res.status, data);
}

export const api = {
  get: <T>(url: string, options?: RequestOptions) => request<T>('GET', url, undefined, options),
  post: <T>(url: string, body?: unknown, options?: RequestOptions) => request<T>('POST', url, body, options),
  put: <T>(url: string, body?: unknown, options?: RequestOptions) => request<T>('PUT', url, body, options),
  patch: <T>(url: string, body?: unknown, options?: RequestOptions) =>
    request<T>('PATCH', url, body, options),
  delete: <T>(url: string, options?: RequestOptions) => request<T>('DELETE', url, undefined, options),
};

/** A message for a failed request: rate limiting and network errors get friendly wording. */
export function errorMessage(
  result: { status: number; data: unknown },
  fallback = 'Something went wrong, please try again.',
): string {
  if (result.status === 429) return TOO_MANY_REQUESTS;
  if (result.status === 0) return NETWORK_ERROR;
  const body = asErrorBody(result.data);
  const message = body.error ?? body['message'];
  return typeof message === 'string' && message !== '' ? message : fallback;
}

/** Per-field messages from a 400 answer (empty when there are none). */
export function fieldErrors(result: { data: unknown }): Record<string, string> {
  const fields = asErrorBody(result.data).fields;
  if (fields === null || typeof fields !== 'object') return {};
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(fields)) {
    if (typeof value === 'string') out[key] = value;
  }
  return out;
}

export function isAbort(err: unknown): boolean {
  return err instanceof DOMException && err.name === 'AbortError';
}
