// A report whose process dies mid-report is retried by the next process and completes.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterEach, expect, it } from 'vitest';
import { describeEachDb, freshPostgresDatabase } from '../../../test/support/platform.js';
import { V1, waitFor } from '../../../test/support/uptime.js';
import { loadConfig } from '../../config.js';
import { createPlatform, type Platform } from '../../platform/platform.js';
import { migrateAll, systemJobs } from '../../platform/system-runtime.js';
import { reportCsvKey } from './artifact-keys.js';
import { importUptimeFiles } from './import.js';
import { findReport } from './repository.js';
import { createUptimeService } from './service.js';
import { uptimeSystem } from './system.js';
import { parseTimestamp } from './timestamps.js';
import type { UptimeDb } from './tables.js';

const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const childScript = fileURLToPath(new URL('./testing/restart-child.ts', import.meta.url));

describeEachDb('uptime report across a restart', (kind) => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    while (cleanups.length) await cleanups.pop()!();
  });

  function platformIn(env: Record<string, string>): Platform {
    const platform = createPlatform(loadConfig({ ...env, LOG_LEVEL: 'silent' }, [uptimeSystem]));
    cleanups.push(() => platform.close());
    return platform;
  }

  it('completes a report whose process was killed mid-report, in the next process', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'quintet-uptime-restart-'));
    cleanups.push(() => fs.rmSync(dataDir, { recursive: true, force: true }));
    const env: Record<string, string> = { DATA_DIR: dataDir };
    if (kind === 'postgres') {
      const pg = await freshPostgresDatabase();
      cleanups.push(pg.drop);
      env.DATABASE_URL = pg.url;
    }
    const first = platformIn(env);
    await migrateAll(first, [uptimeSystem]);
    await importUptimeFiles(first.database, {
      status: { path: path.join(V1, 'store_status_first10k_rows.csv') },
      timezones: { path: path.join(V1, 'timezones.csv') },
    });
    const report = await createUptimeService(first).createReport();

    const child = spawn(process.execPath, ['--import', tsx, childScript], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    cleanups.push(() => void child.kill('SIGKILL'));
    const exited = new Promise((resolve) => child.once('exit', resolve));
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await waitFor(() => output.includes('started 1'), 'the child to start the report', 20_000);
    const db = first.db as UptimeDb;
    expect(await findReport(db, report.id)).toMatchObject({ status: 'running', attempts: 1 });
    child.kill('SIGKILL');
    await exited;

    const second = platformIn(env);
    await second.jobs.startWorkers(await systemJobs(second, [uptimeSystem]));
    await waitFor(
      async () => (await findReport(second.db as UptimeDb, report.id))?.status === 'complete',
      'the retried report to complete',
      30_000,
    );
    const row = await findReport(second.db as UptimeDb, report.id);
    expect(row).toMatchObject({ status: 'complete', attempts: 2, progress: 100, stores: 6424, error: null });
    // "now" is the latest poll of the file
    const latest = Math.max(
      ...fs
        .readFileSync(path.join(V1, 'store_status_first10k_rows.csv'), 'utf8')
        .trim()
        .split('\n')
        .slice(1)
        .map((l) => parseTimestamp(l.split(',')[2]!)),
    );
    expect(Number(row!.now_ms)).toBe(latest);
    const local = await second.artifacts.localFile(reportCsvKey(report.id));
    const csv = fs.readFileSync(local.path, 'utf8');
    await local.release();
    expect(csv.trim().split('\n')).toHaveLength(1 + 6424);
  });
});
