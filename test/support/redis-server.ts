// A private redis-server for fault tests: one they may stop and restart without disturbing the
// machine's shared Redis (other tests use it meanwhile). Append-only file on, as production should
// run it: a restart keeps what was written before it; `{ persistent: false }` is a Redis that keeps
// nothing on disk (as this machine's), so a restart comes back empty.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { freePort, GiveUp, until } from './cluster.js';

export const REDIS_SERVER = process.env.REDIS_SERVER_PATH || '/usr/bin/redis-server';
export const hasRedisServer = () => fs.existsSync(REDIS_SERVER);

export interface TestRedis {
  url: string;
  /**
   * Stops the server (SIGTERM: what `systemctl restart` sends; it flushes the append-only file),
   * calls `whileDown` while nothing listens on the port, then starts it again on the same port
   * and data directory and waits until it answers.
   */
  restart(whileDown?: () => Promise<void>): Promise<void>;
  stop(): Promise<void>;
}

export async function startTestRedis({ persistent = true } = {}): Promise<TestRedis> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'quintet-redis-'));
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  let child: ChildProcess | undefined;
  let log = '';

  const start = async () => {
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', ''];
    if (persistent) args.push('--appendonly', 'yes', '--appendfsync', 'always');
    else args.push('--appendonly', 'no');
    const started = spawn(REDIS_SERVER, args, { stdio: 'pipe' });
    child = started;
    started.stdout?.on('data', (d: Buffer) => (log += d.toString()));
    started.stderr?.on('data', (d: Buffer) => (log += d.toString()));
    await until('redis-server to answer', async () => {
      if (started.exitCode !== null) throw new GiveUp(`redis-server exited:\n${log}`);
      const client = new Redis(url, {
        lazyConnect: true,
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
      });
      client.on('error', () => undefined); // refused until it listens: "not yet"
      try {
        await client.connect();
        return (await client.ping()) === 'PONG' ? true : undefined;
      } finally {
        client.disconnect();
      }
    });
  };
  const halt = async () => {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    const exited = new Promise((r) => running.once('exit', r));
    running.kill('SIGTERM');
    await exited;
  };

  await start();
  return {
    url,
    async restart(whileDown) {
      await halt();
      await whileDown?.();
      await start();
    },
    async stop() {
      await halt();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
