import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config.js';
import { migrateScope } from '../db/migrator.js';
import { platformMigrations } from '../migrations/index.js';
import { createPlatform, type Platform } from '../platform.js';
import { recordingJob, waitFor } from './testing/recorder.js';

const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const childScript = fileURLToPath(new URL('./testing/restart-child.ts', import.meta.url));

describe('in-process job queue across a restart', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    while (cleanups.length) await cleanups.pop()!();
  });

  function platformIn(dataDir: string): Platform {
    const platform = createPlatform(loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent' }, []));
    cleanups.push(() => platform.close());
    return platform;
  }

  it('retries a job whose process was killed mid-job when the next process starts its workers', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'quintet-restart-'));
    cleanups.push(() => fs.rmSync(dataDir, { recursive: true, force: true }));
    const first = platformIn(dataDir);
    await migrateScope(first.db, 'platform', platformMigrations);
    await first.jobs.enqueue('test.job', { kind: 'hang-on-first-attempt' }, { key: 'restart-me' });

    const child = spawn(process.execPath, ['--import', tsx, childScript], {
      env: { ...process.env, DATA_DIR: dataDir },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    cleanups.push(() => void child.kill('SIGKILL'));
    const exited = new Promise((resolve) => child.once('exit', resolve));
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await waitFor(() => output.includes('started 1'), 'the child to start the job', 20_000);
    const running = await first.db.selectFrom('platform_jobs').selectAll().executeTakeFirstOrThrow();
    expect(running).toMatchObject({ status: 'running', attempts: 1 });
    expect(running.locked_by).toContain(`:${child.pid}:`);

    child.kill('SIGKILL');
    await exited;

    const second = platformIn(dataDir);
    const job = recordingJob();
    await second.jobs.startWorkers([job.definition]);
    await waitFor(() => job.of('completed').length === 1, 'the retried job to complete');
    expect(job.of('completed')[0]).toMatchObject({
      result: { value: 'recovered', attempt: 2 },
      info: { attempt: 2 },
    });
    await waitFor(
      async () =>
        (await second.db.selectFrom('platform_jobs').select('status').executeTakeFirst())?.status === 'done',
      'the row to be done',
    );
    const row = await second.db.selectFrom('platform_jobs').selectAll().executeTakeFirstOrThrow();
    expect(row).toMatchObject({
      status: 'done',
      attempts: 2,
      progress: 100,
      last_error: null,
      locked_by: null,
    });
  });
});
