// Test platforms on SQLite (always) and PostgreSQL (when TEST_DATABASE_URL is set by global setup).
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { describe } from 'vitest';
import { loadConfig } from '../../src/config.js';
import type { Clock } from '../../src/platform/clock.js';
import { createPlatform, type Platform } from '../../src/platform/platform.js';
import { migrateAll } from '../../src/platform/system-runtime.js';
import type { AnySystemModule } from '../../src/platform/system.js';

export type DbKind = 'sqlite' | 'postgres';

export const ADMIN_PASSWORD = 'test-admin-password';

/**
 * Runs a suite once per database: SQLite always, PostgreSQL when reachable (reported as skipped
 * otherwise, so CI can insist that nothing was skipped).
 */
export function describeEachDb(name: string, fn: (kind: DbKind) => void): void {
  for (const kind of ['sqlite', 'postgres'] as const) {
    describe.skipIf(kind === 'postgres' && !hasPostgres())(`${name} on ${kind}`, () => fn(kind));
  }
}

export const hasPostgres = () => Boolean(process.env.TEST_DATABASE_URL);
export const hasRedis = () => Boolean(process.env.TEST_REDIS_URL);

/** A fresh, empty PostgreSQL database; returns its URL and a function that drops it. */
export async function freshPostgresDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const adminUrl = process.env.TEST_DATABASE_URL;
  if (!adminUrl) throw new Error('TEST_DATABASE_URL is not set');
  const name = `quintet_test_${crypto.randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}

export interface TestPlatform extends Platform {
  dataDir: string;
  /** Closes the platform and removes its database and files. */
  dispose(): Promise<void>;
}

export interface TestPlatformOptions {
  clock?: Clock;
  env?: Record<string, string>;
  migrate?: boolean;
  /** The systems built into this platform (their settings parsed, their tables migrated); none by default. */
  systems?: readonly AnySystemModule[];
}

/** A migrated platform on a new, empty database of the given kind, with only the systems asked for. */
export async function createTestPlatform(
  kind: DbKind = 'sqlite',
  options: TestPlatformOptions = {},
): Promise<TestPlatform> {
  const systems = options.systems ?? [];
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'quintet-test-'));
  const pgDb = kind === 'postgres' ? await freshPostgresDatabase() : undefined;
  const config = loadConfig(
    {
      DATA_DIR: dataDir,
      ADMIN_PASSWORD,
      LOG_LEVEL: 'silent',
      PUBLIC_WRITE_RATE_LIMIT: '10000',
      ...(pgDb ? { DATABASE_URL: pgDb.url } : {}),
      ...options.env,
    },
    systems,
  );
  const platform = createPlatform(config, { clock: options.clock });
  if (options.migrate !== false) await migrateAll(platform, systems);
  return {
    ...platform,
    dataDir,
    async dispose() {
      await platform.close();
      await pgDb?.drop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
