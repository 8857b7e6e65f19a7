// Scale-out mode end to end: two app instances and a worker process on one PostgreSQL and one Redis.
// A diff is started on one instance, run by the worker, and polled and downloaded from the other.
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDiffPair } from '../../src/systems/diffing/generate.js';
import { freshPostgresDatabase, hasPostgres, hasRedis } from '../support/platform.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.skipIf(!hasPostgres() || !hasRedis())(
  'scale-out: two app instances and a worker on PostgreSQL + Redis',
  () => {
    const processes: ChildProcess[] = [];
    const output: string[] = [];
    let dataDir: string;
    let dropDatabase: () => Promise<void>;
    let env: NodeJS.ProcessEnv;
    let expected: { added: number; changed: number; deleted: number };

    const quintet = (args: string[], extraEnv: Record<string, string> = {}) => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', ...args], {
        cwd: ROOT,
        env: { ...env, ...extraEnv },
      });
      child.stdout?.on('data', (d: Buffer) => output.push(d.toString()));
      child.stderr?.on('data', (d: Buffer) => output.push(d.toString()));
      return child;
    };

    beforeAll(async () => {
      const database = await freshPostgresDatabase();
      dropDatabase = database.drop;
      dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'quintet-cluster-'));
      const pair = await generateDiffPair({
        metric: 'revenue',
        rows: 2000,
        outDir: path.join(dataDir, 'diffing'),
        seed: 7,
      });
      expected = pair.expected;
      env = {
        ...process.env,
        DATABASE_URL: database.url,
        REDIS_URL: process.env.TEST_REDIS_URL,
        REDIS_PREFIX: `quintet-test-${crypto.randomBytes(4).toString('hex')}`,
        DATA_DIR: dataDir,
        ADMIN_PASSWORD: 'cluster-password',
        LOG_LEVEL: 'warn',
        SYSTEMS: 'hiring,diffing',
      };
      const migrate = quintet(['migrate']);
      const code = await new Promise<number | null>((resolve) => migrate.on('exit', resolve));
      if (code !== 0) throw new Error(`quintet migrate failed:\n${output.join('')}`);
    }, 60_000);

    afterAll(async () => {
      for (const child of processes) child.kill('SIGTERM');
      await Promise.all(
        processes.map((child) =>
          child.exitCode === null ? new Promise((r) => child.on('exit', r)) : undefined,
        ),
      );
      await dropDatabase?.();
      // Leave nothing in Redis: this run's keys all start with its own prefix.
      const redis = new Redis(process.env.TEST_REDIS_URL!);
      const keys = await redis.keys(`${env.REDIS_PREFIX}:*`);
      if (keys.length) await redis.del(...keys);
      await redis.quit();
      if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
    });

    it('starts a diff on one instance, runs it on the worker, and serves status and result from the other', async () => {
      const [portA, portB] = [await freePort(), await freePort()];
      processes.push(
        quintet(['serve'], { PORT: String(portA) }),
        quintet(['serve'], { PORT: String(portB) }),
        quintet(['worker']),
      );
      const a = `http://127.0.0.1:${portA}`;
      const b = `http://127.0.0.1:${portB}`;
      for (const base of [a, b])
        await until(
          `${base}/health`,
          async () => ((await fetch(`${base}/health`)).ok ? true : undefined),
          60_000,
        );

      const created = await fetch(`${a}/api/diffing/new/revenue`, { method: 'POST' });
      expect(created.status).toBe(200);
      const { job_id } = (await created.json()) as { job_id: number };

      const status = await until('the job to finish', async () => {
        const body = (await (await fetch(`${b}/api/diffing/job/${job_id}/status`)).json()) as {
          status: string;
          new: number;
          changed: number;
          deleted: number;
        };
        return body.status === 'done' || body.status === 'failed' ? body : undefined;
      });
      expect(status).toMatchObject({
        status: 'done',
        new: expected.added,
        changed: expected.changed,
        deleted: expected.deleted,
      });

      const diff = await fetch(`${b}/api/diffing/job/${job_id}`);
      expect(diff.status).toBe(200);
      expect(diff.headers.get('content-disposition')).toMatch(/^attachment/);
      const lines = (await diff.text()).split('\n').filter((l) => l !== '');
      // The header plus one line per new or changed row (the generated values hold no line breaks).
      expect(lines.length).toBe(1 + expected.added + expected.changed);
      expect(output.join('')).not.toMatch(/"level":50/); // no error logged by any process
    }, 120_000);
  },
);
