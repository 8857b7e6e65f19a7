// The production topology end to end: two app instances behind nginx (deploy/nginx/quintet.conf)
// and a worker process, on PostgreSQL, Redis and an S3 stand-in for job results. Whatever one
// instance starts or stores, the other serves.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDiffPair } from '../../src/systems/diffing/generate.js';
import { HttpSession, hasNginx, startCluster, until, type Cluster } from '../support/cluster.js';
import { application } from '../support/hiring.js';
import { hasPostgres, hasRedis } from '../support/platform.js';

describe.skipIf(!hasPostgres() || !hasRedis() || !hasNginx())(
  'scale-out: two app instances behind nginx and a worker on PostgreSQL + Redis + S3',
  () => {
    let cluster: Cluster;
    let expected: { added: number; changed: number; deleted: number };
    let a: string;
    let b: string;

    beforeAll(async () => {
      cluster = await startCluster({ systems: 'hiring,diffing' });
      [a, b] = cluster.instances as [string, string];
      const pair = await generateDiffPair({
        metric: 'revenue',
        rows: 2000,
        outDir: path.join(cluster.env.DATA_DIR!, 'diffing'),
        seed: 7,
      });
      expected = pair.expected;
    }, 120_000);

    afterAll(async () => {
      await cluster?.stop();
    });

    it('starts a diff on one instance, runs it on the worker, keeps the result in the bucket and serves it from the other', async () => {
      const session = new HttpSession();
      const created = await session.post(a, '/api/diffing/new/revenue');
      expect(created.status).toBe(200);
      const { job_id } = (await created.json()) as { job_id: number };

      const status = await until('the job to finish', async () => {
        const body = (await (await session.get(b, `/api/diffing/job/${job_id}/status`)).json()) as {
          status: string;
        };
        return body.status === 'done' || body.status === 'failed' ? body : undefined;
      });
      expect(status).toMatchObject({
        status: 'done',
        new: expected.added,
        changed: expected.changed,
        deleted: expected.deleted,
      });

      const diff = await session.get(b, `/api/diffing/job/${job_id}`);
      expect(diff.status).toBe(200);
      expect(diff.headers.get('content-disposition')).toMatch(/^attachment/);
      const lines = (await diff.text()).split('\n').filter((l) => l !== '');
      expect(lines.length).toBe(1 + expected.added + expected.changed);
      // The result lives in the bucket, not on any machine's disk.
      const artifactsOnDisk = path.join(cluster.env.DATA_DIR!, 'artifacts', 'diffing');
      expect(fs.existsSync(artifactsOnDisk) ? fs.readdirSync(artifactsOnDisk) : []).toEqual([]);
      expect(cluster.output()).not.toMatch(/"level":50/); // no error logged by any process
    }, 120_000);

    it('keeps an admin session made on one instance valid on the other and through the load balancer', async () => {
      const admin = new HttpSession();
      expect((await admin.post(a, '/api/admin/login', { password: 'cluster-password' })).status).toBe(200);
      for (const base of [b, cluster.lb]) {
        const res = await admin.get(base, '/api/admin/session');
        expect(await res.json()).toMatchObject({ admin: true });
      }
      const stranger = new HttpSession();
      expect(await (await stranger.get(b, '/api/admin/session')).json()).toMatchObject({ admin: false });
    });

    it("counts an application made on one instance in the other instance's funnel at once", async () => {
      const today = new Date().toISOString().slice(0, 10);
      const funnel = async () => {
        const res = await fetch(`${b}/hiring/funnel.json?start_date=${today}&end_date=${today}`);
        const weeks = Object.values((await res.json()) as Record<string, { applied: number }>);
        return weeks.reduce((sum, w) => sum + w.applied, 0);
      };
      const before = await funnel();
      const applicant = new HttpSession();
      const applied = await applicant.post(a, '/hiring/api/applications', {
        ...application(1),
        background_check_consent: true,
      });
      expect(applied.status).toBe(201);
      expect(await funnel()).toBe(before + 1);
    });

    it('answers through nginx with the client address and scheme it forwards', async () => {
      const res = await fetch(`${cluster.lb}/health`);
      expect(res.status).toBe(200);
      const page = await fetch(`${cluster.lb}/no/such/page`);
      expect(page.status).toBe(404);
    });
  },
);
