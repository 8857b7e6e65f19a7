// An inject-based HTTP client with a cookie jar and CSRF handling, like a browser session.
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { ADMIN_PASSWORD } from './platform.js';

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export class TestClient {
  private readonly cookies = new Map<string, string>();
  private csrfToken: string | undefined;

  constructor(private readonly app: FastifyInstance) {}

  cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  hasCookie(name: string): boolean {
    return this.cookies.has(name);
  }

  private remember(response: LightMyRequestResponse): void {
    for (const c of response.cookies as { name: string; value: string; maxAge?: number; expires?: Date }[]) {
      const expired =
        c.value === '' || c.maxAge === 0 || (c.expires !== undefined && c.expires.getTime() < Date.now());
      if (expired) this.cookies.delete(c.name);
      else this.cookies.set(c.name, c.value);
      // A new CSRF secret (the admin login rotates it) makes the cached token worthless.
      if (c.name === 'quintet_csrf') this.csrfToken = undefined;
    }
  }

  async request(
    method: Method,
    url: string,
    options: { body?: unknown; headers?: Record<string, string>; csrf?: boolean } = {},
  ): Promise<LightMyRequestResponse> {
    const headers: Record<string, string> = { ...options.headers };
    const unsafe = method !== 'GET';
    if (unsafe && options.csrf !== false) headers['x-csrf-token'] = await this.token();
    if (this.cookies.size) headers.cookie = this.cookieHeader();
    const inject: InjectOptions = { method, url, headers };
    if (options.body !== undefined) inject.payload = options.body as InjectOptions['payload'];
    const response = await this.app.inject(inject);
    this.remember(response);
    return response;
  }

  get(url: string, headers?: Record<string, string>) {
    return this.request('GET', url, { headers });
  }
  post(url: string, body?: unknown, options: { csrf?: boolean; headers?: Record<string, string> } = {}) {
    return this.request('POST', url, { body: body ?? {}, ...options });
  }
  put(url: string, body?: unknown) {
    return this.request('PUT', url, { body: body ?? {} });
  }

  async token(): Promise<string> {
    if (!this.csrfToken) {
      const response = await this.get('/api/csrf-token');
      this.csrfToken = response.json<{ token: string }>().token;
    }
    return this.csrfToken;
  }

  async loginAsAdmin(password = ADMIN_PASSWORD): Promise<LightMyRequestResponse> {
    return this.post('/api/admin/login', { password });
  }
}
