// Demo data and retention on both databases.
import { afterEach, expect, it } from 'vitest';
import { filesUnder } from '../../../test/support/diffing.js';
import {
  createTestPlatform,
  describeEachDb,
  type DbKind,
  type TestPlatform,
} from '../../../test/support/platform.js';
import { fixedClock } from '../../platform/clock.js';
import type { JobContext } from '../../platform/jobs/job-queue.js';
import { systemJobs } from '../../platform/system-runtime.js';
import { reportCsvKey } from './artifact-keys.js';
import { DEMO_STORES, loadDemoData } from './demo.js';
import { insertReport } from './repository.js';
import { reportJobDefinition } from './report-job.js';
import { retentionJobDefinition } from './retention-job.js';
import runRetention from './retention-job.worker.js';
import { runReport } from './report-run.js';
import { createUptimeService, type UptimeService } from './service.js';
import { uptimeSystem } from './system.js';
import type { UptimeDb } from './tables.js';
import { waitFor } from '../../../test/support/uptime.js';

const NOW = '2026-03-10T12:00:00.000Z';
const DAY_MS = 86_400_000;
const platforms: TestPlatform[] = [];
afterEach(async () => {
  while (platforms.length) await platforms.pop()!.dispose();
});

async function setup(kind: DbKind, env: Record<string, string> = {}) {
  const clock = fixedClock(NOW);
  const platform = await createTestPlatform(kind, { clock, env, systems: [uptimeSystem] });
  platforms.push(platform);
  return { platform, clock, db: platform.db as UptimeDb, service: createUptimeService(platform) };
}

async function finished(service: UptimeService, id: string) {
  await waitFor(
    async () => ['complete', 'failed'].includes((await service.report(id))!.status),
    `report ${id}`,
    30_000,
  );
  return (await service.report(id))!;
}

describeEachDb('uptime demo data and retention', (kind) => {
  it('loads demo stores and a week of polls up to now into an empty system, once', async () => {
    const { platform, db } = await setup(kind);
    expect(await loadDemoData(platform)).toBe(true);
    expect(await loadDemoData(platform)).toBe(false);
    let csv = '';
    const result = await runReport(db, platform.database.native, { write: (c) => void (csv += c) });
    expect(result.stores).toBe(DEMO_STORES);
    expect(result.now).toBeLessThanOrEqual(Date.parse(NOW));
    expect(result.now).toBeGreaterThan(Date.parse(NOW) - 3_600_000);
    const rows = csv
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => l.split(','));
    // Every shape is there: some stores were down for part of the week, some up all of it.
    expect(rows.some((r) => Number(r[6]) > 0)).toBe(true);
    expect(rows.some((r) => Number(r[6]) === 0 && Number(r[3]) > 0)).toBe(true);
  });

  it('names the reports still owed to a queue that lost its jobs, as they were enqueued', async () => {
    const { platform, service } = await setup(kind);
    await loadDemoData(platform);
    const definition = reportJobDefinition(platform);
    const latest = await service.createReport();
    const pinned = await service.createReport('2026-03-09 12:00:00 UTC');
    const byKey = (a: { key: string }, b: { key: string }) => a.key.localeCompare(b.key);
    expect((await definition.unfinished!()).sort(byKey)).toEqual(
      [
        { key: `uptime-report-${latest.id}`, payload: { reportId: latest.id, now: null } },
        {
          key: `uptime-report-${pinned.id}`,
          payload: { reportId: pinned.id, now: Date.parse('2026-03-09T12:00:00Z') },
        },
      ].sort(byKey),
    );
    // A report whose row is gone (its enqueue undone though the queue kept it) is skipped at start.
    const info = { attempt: 1, maxAttempts: 3 };
    expect(await definition.onStart!({ reportId: 'f'.repeat(32), now: null }, info)).toBe('gone');
    await platform.jobs.startWorkers(await systemJobs(platform, [uptimeSystem]));
    await finished(service, latest.id);
    await finished(service, pinned.id);
    expect(await definition.unfinished!()).toEqual([]);
  });

  it('removes reports finished past JOB_RETENTION_DAYS with their CSVs, keeping recent and unfinished ones', async () => {
    const { platform, clock, db, service } = await setup(kind, { JOB_RETENTION_DAYS: '2' });
    await loadDemoData(platform);
    await platform.jobs.startWorkers(await systemJobs(platform, [uptimeSystem]));
    const old = await service.createReport();
    expect((await finished(service, old.id)).status).toBe('complete');
    clock.set(new Date(Date.parse(NOW) + DAY_MS));
    const recent = await service.createReport();
    expect((await finished(service, recent.id)).status).toBe('complete');
    const stuck = '0123456789abcdef0123456789abcdef';
    await insertReport(db, {
      id: stuck,
      status: 'queued',
      progress: 0,
      attempts: 0,
      created_at: '2020-01-01T00:00:00.000Z',
    });

    clock.set(new Date(Date.parse(NOW) + 2 * DAY_MS + 1));
    const ctx = {
      db,
      artifacts: platform.artifacts,
      config: platform.config,
      now: () => clock.now(),
    } as JobContext;
    const result = await runRetention(null, ctx);
    expect(result.ids).toEqual([old.id]);
    await retentionJobDefinition(platform).onCompleted!(null, result, { attempt: 1, maxAttempts: 2 });
    expect(await service.report(old.id)).toBeUndefined();
    expect((await service.recent()).map((r) => r.id).sort()).toEqual([recent.id, stuck].sort());
    expect(filesUnder(platform.config.artifactDir)).toEqual([reportCsvKey(recent.id)]);
    expect((await runRetention(null, ctx)).ids).toEqual([]);
  });
});
