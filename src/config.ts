import path from 'node:path';

export const ALL_SYSTEMS = ['hiring', 'diffing', 'banners', 'uptime', 'surveys'] as const;
export type SystemName = (typeof ALL_SYSTEMS)[number];

/** Everything Quintet reads from the environment, parsed once at start. */
export interface Config {
  readonly port: number;
  readonly host: string;
  readonly dataDir: string;
  /** postgres://… switches to PostgreSQL; undefined = SQLite file in dataDir. */
  readonly databaseUrl: string | undefined;
  readonly sqlitePath: string;
  readonly systems: readonly SystemName[];
  readonly adminPassword: string | undefined;
  readonly sessionSecret: string | undefined;
  readonly cookieSecure: boolean;
  readonly trustProxy: boolean;
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  readonly bodyLimitBytes: number;
  /** Requests per minute per client address on public write routes. */
  readonly publicWriteRateLimit: number;
  readonly redisUrl: string | undefined;
  /** Prefix of Quintet's Redis keys (REDIS_PREFIX): several deployments can share one Redis. */
  readonly redisPrefix: string;
  /** Where job results are stored (ARTIFACT_DIR; a shared volume when several machines run jobs). */
  readonly artifactDir: string;
  /** Finished jobs and their artifacts are removed after this many days. */
  readonly jobRetentionDays: number;
  /** Jobs one process runs at a time (per job name with BullMQ), each in its own worker thread. */
  readonly workerConcurrency: number;
  /** Where `GET /api/diffing/new/:metric` reads `<metric>_old.csv` / `<metric>_new.csv`. */
  readonly diffingDataDir: string;
  /** Largest file accepted by the diff upload, in bytes. */
  readonly diffUploadMaxBytes: number;
  /** Memory the diff engine may use for the old file's keys before it partitions on disk. */
  readonly diffMemoryBytes: number;
}

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

function int(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw.trim())) throw new ConfigError(name, `expected a whole number, got "${raw}"`);
  const value = Number(raw);
  if (value < min || value > max)
    throw new ConfigError(name, `must be between ${min} and ${max}, got ${value}`);
  return value;
}

function bool(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name]?.trim().toLowerCase();
  if (raw === undefined || raw === '') return fallback;
  if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
  if (['0', 'false', 'no', 'off'].includes(raw)) return false;
  throw new ConfigError(name, `expected true or false, got "${env[name]}"`);
}

function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!(allowed as readonly string[]).includes(raw)) {
    throw new ConfigError(name, `expected one of ${allowed.join(', ')}, got "${raw}"`);
  }
  return raw as T;
}

function url(env: Env, name: string, protocols: readonly string[]): string | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(name, `not a valid URL: "${raw}"`);
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new ConfigError(name, `expected a ${protocols.join(' or ')} URL, got "${parsed.protocol}"`);
  }
  return raw;
}

function systems(env: Env): SystemName[] {
  const raw = env.SYSTEMS;
  if (raw === undefined || raw.trim() === '' || raw.trim() === 'all') return [...ALL_SYSTEMS];
  const names = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const n of names) {
    if (!(ALL_SYSTEMS as readonly string[]).includes(n)) {
      throw new ConfigError('SYSTEMS', `unknown system "${n}" (known: ${ALL_SYSTEMS.join(', ')})`);
    }
  }
  return [...new Set(names)] as SystemName[];
}

function redisPrefix(env: Env): string {
  const raw = env.REDIS_PREFIX;
  if (raw === undefined || raw === '') return 'quintet';
  if (!/^[A-Za-z0-9_-]{1,50}$/.test(raw))
    throw new ConfigError('REDIS_PREFIX', `use 1-50 letters, digits, _ or -, got "${raw}"`);
  return raw;
}

/** Parses the environment into a frozen config; throws ConfigError naming the variable on a bad value. */
export function loadConfig(env: Env = process.env): Config {
  const dataDir = path.resolve(env.DATA_DIR || './data');
  const password = env.ADMIN_PASSWORD;
  if (password !== undefined && password !== '' && password.length < 8) {
    throw new ConfigError('ADMIN_PASSWORD', 'must be at least 8 characters');
  }
  const secret = env.SESSION_SECRET;
  if (secret !== undefined && secret !== '' && secret.length < 32) {
    throw new ConfigError('SESSION_SECRET', 'must be at least 32 characters');
  }
  const config: Config = {
    port: int(env, 'PORT', 3000, 0, 65535),
    host: env.HOST || '127.0.0.1',
    dataDir,
    databaseUrl: url(env, 'DATABASE_URL', ['postgres:', 'postgresql:']),
    sqlitePath: path.join(dataDir, 'quintet.sqlite3'),
    systems: systems(env),
    adminPassword: password || undefined,
    sessionSecret: secret || undefined,
    cookieSecure: bool(env, 'COOKIE_SECURE', false),
    trustProxy: bool(env, 'TRUST_PROXY', false),
    logLevel: oneOf(env, 'LOG_LEVEL', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], 'info'),
    bodyLimitBytes: int(env, 'BODY_LIMIT_KB', 256, 1, 1024 * 1024) * 1024,
    publicWriteRateLimit: int(env, 'PUBLIC_WRITE_RATE_LIMIT', 60, 1, 1_000_000),
    redisUrl: url(env, 'REDIS_URL', ['redis:', 'rediss:']),
    redisPrefix: redisPrefix(env),
    artifactDir: env.ARTIFACT_DIR ? path.resolve(env.ARTIFACT_DIR) : path.join(dataDir, 'artifacts'),
    jobRetentionDays: int(env, 'JOB_RETENTION_DAYS', 7, 1, 3650),
    workerConcurrency: int(env, 'WORKER_CONCURRENCY', 1, 1, 64),
    diffingDataDir: env.DIFFING_DATA_DIR ? path.resolve(env.DIFFING_DATA_DIR) : path.join(dataDir, 'diffing'),
    diffUploadMaxBytes: int(env, 'DIFF_UPLOAD_MAX_MB', 2048, 1, 1024 * 1024) * 1024 * 1024,
    diffMemoryBytes: int(env, 'DIFF_MEMORY_MB', 256, 16, 1024 * 1024) * 1024 * 1024,
  };
  return Object.freeze(config);
}
