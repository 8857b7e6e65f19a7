import path from 'node:path';

export type Env = Record<string, string | undefined>;

/** What config parsing needs to know of a system: its name and how it reads its own variables. */
export interface SystemSettingsSource {
  readonly name: string;
  settings?(env: Env, platform: PlatformConfig): unknown;
}

/** The platform's own part of the config, which a system's settings may build on (e.g. dataDir). */
export type PlatformConfig = Omit<Config, 'systems' | 'settings'>;

/** Everything Quintet reads from the environment, parsed once at start. */
export interface Config {
  readonly port: number;
  readonly host: string;
  readonly dataDir: string;
  /** postgres://… switches to PostgreSQL; undefined = SQLite file in dataDir. */
  readonly databaseUrl: string | undefined;
  readonly sqlitePath: string;
  /** The enabled systems (SYSTEMS), in the order they were built. */
  readonly systems: readonly string[];
  /** Each built system's own settings, by system name (parsed by the system from its variables). */
  readonly settings: Readonly<Record<string, unknown>>;
  readonly adminPassword: string | undefined;
  readonly sessionSecret: string | undefined;
  readonly cookieSecure: boolean;
  readonly trustProxy: boolean;
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  readonly bodyLimitBytes: number;
  /** How long a request may take to arrive (headers and body); its headers at most 60 s of it. */
  readonly requestTimeoutMs: number;
  /** Requests per minute per client address on public write routes. */
  readonly publicWriteRateLimit: number;
  readonly redisUrl: string | undefined;
  /** Prefix of Quintet's Redis keys (REDIS_PREFIX): several deployments can share one Redis. */
  readonly redisPrefix: string;
  /**
   * Where job results are stored: ARTIFACT_DIR (a shared volume when several machines run jobs),
   * or with ARTIFACT_STORE=s3://bucket/prefix an S3 bucket, ARTIFACT_DIR then being local scratch space.
   */
  readonly artifactDir: string;
  readonly artifactS3: S3ArtifactConfig | undefined;
  /** Finished jobs and their artifacts are removed after this many days. */
  readonly jobRetentionDays: number;
  /** Jobs one process runs at a time (per job name with BullMQ), each in its own worker thread. */
  readonly workerConcurrency: number;
  /** With Redis: how long a job's lock lives unrenewed, so how soon a dead worker's job is run again. */
  readonly jobLockSeconds: number;
  /** How long a stopping process lets its running jobs finish before it hands them back to the queue. */
  readonly jobStopGraceSeconds: number;
}

/** ARTIFACT_STORE=s3://bucket/prefix, with S3_ENDPOINT and the usual AWS region variables. */
export interface S3ArtifactConfig {
  readonly bucket: string;
  /** Key prefix without a trailing slash ('' for the bucket's root). */
  readonly prefix: string;
  /** An S3-compatible endpoint (path-style requests); AWS itself when undefined. */
  readonly endpoint: string | undefined;
  readonly region: string;
}

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable} ${message}`);
    this.name = 'ConfigError';
  }
}

/** A whole number variable within [min, max]; `fallback` when unset or empty. */
export function intVar(
  env: Env,
  name: string,
  fallback: number,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw.trim());
  if (!/^\d+$/.test(raw.trim()) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `of at least ${min}` : `from ${min} to ${max}`;
    throw new ConfigError(name, `must be a whole number ${range}, got "${raw}"`);
  }
  return value;
}

/** A boolean variable (1/0, true/false, yes/no, on/off). */
export function boolVar(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name]?.trim().toLowerCase();
  if (raw === undefined || raw === '') return fallback;
  if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
  if (['0', 'false', 'no', 'off'].includes(raw)) return false;
  throw new ConfigError(name, `must be true or false, got "${env[name]}"`);
}

/** One of a fixed set of strings. */
export function oneOfVar<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!(allowed as readonly string[]).includes(raw)) {
    throw new ConfigError(name, `must be one of ${allowed.join(', ')}, got "${raw}"`);
  }
  return raw as T;
}

/** A URL with one of the given protocols (`postgres:`), or undefined when unset. */
export function urlVar(env: Env, name: string, protocols: readonly string[]): string | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(name, `is not a valid URL: "${raw}"`);
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new ConfigError(name, `must be a ${protocols.join(' or ')} URL, got "${parsed.protocol}"`);
  }
  return raw;
}

/** ARTIFACT_STORE: unset or `dir` for the directory store, or s3://bucket/prefix. */
function artifactS3Var(env: Env): S3ArtifactConfig | undefined {
  const raw = env.ARTIFACT_STORE?.trim();
  if (!raw || raw === 'dir') return undefined;
  const m = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/.exec(raw);
  if (!m) {
    throw new ConfigError(
      'ARTIFACT_STORE',
      `must be "dir" or s3://bucket/prefix (bucket: 3-63 lowercase letters, digits, dots, hyphens), got "${raw}"`,
    );
  }
  const prefix = (m[2] ?? '').replace(/\/+$/, '');
  if (prefix && !prefix.split('/').every((seg) => /^[A-Za-z0-9_][A-Za-z0-9._-]*$/.test(seg))) {
    throw new ConfigError(
      'ARTIFACT_STORE',
      `has an invalid key prefix "${prefix}" (use letters, digits, ., _, -)`,
    );
  }
  return {
    bucket: m[1]!,
    prefix,
    endpoint: urlVar(env, 'S3_ENDPOINT', ['http:', 'https:']),
    region: env.AWS_REGION || env.AWS_DEFAULT_REGION || 'us-east-1',
  };
}

/** SYSTEMS: a comma-separated subset of the built systems (all when unset or `all`), in build order. */
function enabledSystems(env: Env, built: readonly string[]): string[] {
  const raw = env.SYSTEMS;
  if (raw === undefined || raw.trim() === '' || raw.trim() === 'all') return [...built];
  const names = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const n of names) {
    if (!built.includes(n)) {
      throw new ConfigError(
        'SYSTEMS',
        `names "${n}", which is not a system of this build (built: ${built.join(', ') || 'none'})`,
      );
    }
  }
  return built.filter((b) => names.includes(b));
}

function redisPrefix(env: Env): string {
  const raw = env.REDIS_PREFIX;
  if (raw === undefined || raw === '') return 'quintet';
  if (!/^[A-Za-z0-9_-]{1,50}$/.test(raw))
    throw new ConfigError('REDIS_PREFIX', `must be 1-50 letters, digits, _ or -, got "${raw}"`);
  return raw;
}

/**
 * Parses the environment into a frozen config, the platform's variables and every built system's
 * own (each system parses its part); throws ConfigError naming the variable on a bad value.
 */
export function loadConfig(env: Env, systems: readonly SystemSettingsSource[]): Config {
  const dataDir = path.resolve(env.DATA_DIR || './data');
  const password = env.ADMIN_PASSWORD;
  if (password !== undefined && password !== '' && password.length < 8) {
    throw new ConfigError('ADMIN_PASSWORD', 'must be at least 8 characters');
  }
  const secret = env.SESSION_SECRET;
  if (secret !== undefined && secret !== '' && secret.length < 32) {
    throw new ConfigError('SESSION_SECRET', 'must be at least 32 characters');
  }
  const platform: PlatformConfig = {
    port: intVar(env, 'PORT', 3000, 0, 65535),
    host: env.HOST || '127.0.0.1',
    dataDir,
    databaseUrl: urlVar(env, 'DATABASE_URL', ['postgres:', 'postgresql:']),
    sqlitePath: path.join(dataDir, 'quintet.sqlite3'),
    adminPassword: password || undefined,
    sessionSecret: secret || undefined,
    cookieSecure: boolVar(env, 'COOKIE_SECURE', false),
    trustProxy: boolVar(env, 'TRUST_PROXY', false),
    logLevel: oneOfVar(
      env,
      'LOG_LEVEL',
      ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'],
      'info',
    ),
    bodyLimitBytes: intVar(env, 'BODY_LIMIT_KB', 256, 1, 1024 * 1024) * 1024,
    requestTimeoutMs: intVar(env, 'REQUEST_TIMEOUT_SECONDS', 300, 1, 3600) * 1000,
    publicWriteRateLimit: intVar(env, 'PUBLIC_WRITE_RATE_LIMIT', 60, 1, 1_000_000),
    redisUrl: urlVar(env, 'REDIS_URL', ['redis:', 'rediss:']),
    redisPrefix: redisPrefix(env),
    artifactDir: env.ARTIFACT_DIR ? path.resolve(env.ARTIFACT_DIR) : path.join(dataDir, 'artifacts'),
    artifactS3: artifactS3Var(env),
    jobRetentionDays: intVar(env, 'JOB_RETENTION_DAYS', 7, 1, 3650),
    workerConcurrency: intVar(env, 'WORKER_CONCURRENCY', 1, 1, 64),
    jobLockSeconds: intVar(env, 'JOB_LOCK_SECONDS', 30, 2, 3600),
    // At most 8: a stopping process exits within 10 s (serve forces it then).
    jobStopGraceSeconds: intVar(env, 'JOB_STOP_GRACE_SECONDS', 5, 0, 8),
  };
  const settings = systems.map((s) => [s.name, Object.freeze(s.settings?.(env, platform))] as const);
  return Object.freeze({
    ...platform,
    systems: enabledSystems(
      env,
      systems.map((s) => s.name),
    ),
    settings: Object.freeze(Object.fromEntries(settings)),
  });
}
