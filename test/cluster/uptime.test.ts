// An uptime report across the cluster: triggered on one instance, computed by the worker, its CSV
// kept in the bucket and downloaded through the other instance, by a presigned S3 link or inline.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasNginx, startCluster, until, type Cluster } from '../support/cluster.js';
import { hasPostgres, hasRedis } from '../support/platform.js';

const DATA = '/work/shared/data/uptime/v2_2024';
const STORES = 150;

describe.skipIf(!hasPostgres() || !hasRedis() || !hasNginx() || !fs.existsSync(DATA))(
  'cluster: an uptime report triggered on one instance is downloaded from the other',
  () => {
    let cluster: Cluster;
    let a: string;
    let b: string;

    beforeAll(async () => {
      cluster = await startCluster({ systems: 'hiring,diffing,uptime,banners,surveys' });
      [a, b] = cluster.instances as [string, string];
      // Polls generated for real stores (their hours and timezones), then all three files imported.
      const polls = path.join(cluster.env.DATA_DIR!, 'seed', 'polls.csv');
      fs.mkdirSync(path.dirname(polls), { recursive: true });
      const hours = path.join(DATA, 'menu_hours.csv');
      const timezones = path.join(DATA, 'timezones.csv');
      const seeded = await cluster.run(
        ['seed', 'uptime', '--hours', hours, '--timezones', timezones, '--days', '8'].concat([
          '--max-stores',
          String(STORES),
          '--seed',
          '3',
          '--out',
          polls,
        ]),
      );
      expect(seeded.code, seeded.output).toBe(0);
      const imported = await cluster.run([
        'import',
        'uptime',
        '--status',
        polls,
        '--hours',
        hours,
        '--timezones',
        timezones,
      ]);
      expect(imported.code, imported.output).toBe(0);
    }, 120_000);

    afterAll(async () => {
      await cluster?.stop();
    });

    it('answers Complete on B with a presigned bucket URL that downloads the CSV, and the same bytes for Accept: text/csv', async () => {
      const triggered = await fetch(`${a}/trigger_report`, { method: 'POST' });
      expect(triggered.status).toBe(200);
      const { report_id } = (await triggered.json()) as { report_id: string };

      const done = await until(
        'the report to finish',
        async () => {
          const res = await fetch(`${b}/get_report?report_id=${report_id}`);
          const body = (await res.json()) as { status: string; url?: string; error?: string };
          return body.status === 'Running' ? undefined : body;
        },
        60_000,
      );
      expect(done.status, done.error).toBe('Complete');

      // A presigned link straight to the bucket, not a route of ours.
      const url = new URL(done.url!);
      expect(url.origin).toBe(cluster.s3.endpoint);
      expect(url.pathname).toContain(`/${cluster.s3.bucket}/`);
      expect(url.searchParams.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
      expect(url.searchParams.get('X-Amz-Expires')).toBe('3600');
      const fromBucket = await fetch(url);
      expect(fromBucket.status).toBe(200);
      expect(fromBucket.headers.get('content-disposition')).toBe(
        `attachment; filename="uptime-report-${report_id}.csv"`,
      );
      const csv = Buffer.from(await fromBucket.arrayBuffer());
      const lines = csv.toString('utf8').trim().split(/\r?\n/);
      expect(lines[0]).toBe(
        'store_id,uptime_last_hour,uptime_last_day,uptime_last_week,downtime_last_hour,downtime_last_day,downtime_last_week',
      );
      expect(lines.length - 1).toBe(STORES);

      const inline = await fetch(`${b}/get_report?report_id=${report_id}`, {
        headers: { accept: 'text/csv' },
      });
      expect(inline.status).toBe(200);
      expect(inline.headers.get('content-type')).toMatch(/^text\/csv/);
      expect(Buffer.from(await inline.arrayBuffer()).equals(csv)).toBe(true);

      // Kept in the bucket only: no instance or worker wrote the report to its disk.
      const onDisk = path.join(cluster.env.DATA_DIR!, 'artifacts', 'uptime');
      expect(fs.existsSync(onDisk) ? fs.readdirSync(onDisk) : []).toEqual([]);
      expect(cluster.output()).not.toMatch(/"level":50/);
    }, 90_000);
  },
);
