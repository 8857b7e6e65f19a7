// The production topology end to end, for every check that does not fault it: two app instances
// behind nginx (deploy/nginx/quintet.conf) and a worker process, on PostgreSQL, Redis and an S3
// stand-in for job results, started once for the blocks below (sharedCluster). Whatever one
// instance starts or stores, the other serves.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDiffPair } from '../../src/systems/diffing/generate.js';
import { writeDataset, type DatasetLines } from '../support/banners.js';
import {
  clusterDiffs,
  HttpSession,
  hasNginx,
  sharedCluster,
  until,
  type Cluster,
} from '../support/cluster.js';
import { application } from '../support/hiring.js';
import { hasPostgres, hasRedis } from '../support/platform.js';
import { openSse, type SseFrame, type SseReader } from '../support/sse.js';

// The uptime block: real stores' hours and timezones, polls generated for STORES of them.
const DATA = '/work/shared/data/uptime/v2_2024';
const STORES = 150;

// The banners block.
const CAMPAIGN = 7;
const QUARTERS = [1, 2, 3, 4] as const;

/**
 * One quarter's dataset for CAMPAIGN: ten converting banners (so its collection is exactly those
 * ten, `revenue_top10`) and two that were only shown. Ids differ per quarter, so no two files
 * have the same bytes (a repeated file is refused as a duplicate).
 */
function dataset(quarter: number, converting: readonly number[], shownOnly: readonly number[]): DatasetLines {
  const base = quarter * 100_000 + converting[0]! * 100;
  return {
    impressions: [...converting, ...shownOnly].map((b) => `${b},${CAMPAIGN}`),
    clicks: converting.map((b, i) => `${base + i},${b},${CAMPAIGN}`),
    conversions: converting.map((_b, i) => `${base + i},${base + i},${(10 + i).toFixed(2)}`),
  };
}

const FIRST = Array.from({ length: 10 }, (_, i) => 101 + i);
const SECOND = Array.from({ length: 10 }, (_, i) => 201 + i);

const bannerOf = (html: string) => Number(/\/banners\/image_(\d+)\.png/.exec(html)?.[1]);

// The live surveys block.
/** Well under the stream's 15 s heartbeat, whose check would also find a missed event in the buffer. */
const LIVE_MS = 3000;

describe.skipIf(!hasPostgres() || !hasRedis() || !hasNginx())(
  'cluster: two app instances behind nginx and a worker on PostgreSQL + Redis + S3',
  () => {
    const shared = sharedCluster({ systems: 'hiring,diffing,uptime,banners,surveys' });

    describe('scale-out: what one instance starts or stores, the other serves', () => {
      let cluster: Cluster;
      let expected: { added: number; changed: number; deleted: number };
      let a: string;
      let b: string;

      beforeAll(async () => {
        cluster = shared();
        [a, b] = cluster.instances as [string, string];
        const pair = await generateDiffPair({
          metric: 'revenue',
          rows: 2000,
          outDir: path.join(cluster.env.DATA_DIR!, 'diffing'),
          seed: 7,
        });
        expected = pair.expected;
      }, 120_000);

      it('starts a diff on one instance, runs it on the worker, keeps the result in the bucket and serves it from the other', async () => {
        const session = new HttpSession();
        const diffs = clusterDiffs(session, a, b);
        const job_id = await diffs.start();
        const status = await diffs.finished(job_id);
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
    });

    // An uptime report across the cluster: triggered on one instance, computed by the worker, its CSV
    // kept in the bucket and downloaded through the other instance, by a presigned S3 link or inline.
    describe.skipIf(!fs.existsSync(DATA))(
      'an uptime report triggered on one instance is downloaded from the other',
      () => {
        let cluster: Cluster;
        let a: string;
        let b: string;

        beforeAll(async () => {
          cluster = shared();
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

    // Campaign banners across the cluster: a re-import on one instance changes what the other serves
    // within a second (each instance polls the collections version), and a visitor's rotation (a
    // signed cookie) holds when its requests alternate between the instances.
    describe('banners served by every instance after a re-import on one, rotation across instances', () => {
      let cluster: Cluster;
      let a: string;
      let b: string;
      let dir: string;

      beforeAll(async () => {
        cluster = shared();
        [a, b] = cluster.instances as [string, string];
        dir = path.join(cluster.env.DATA_DIR!, 'banners-test');
        for (const q of QUARTERS)
          writeDataset(path.join(dir, 'first', String(q)), q, dataset(q, FIRST, [111, 112]));
        const imported = await cluster.run(['import', 'banners', path.join(dir, 'first')]);
        expect(imported.code, imported.output).toBe(0);
      }, 120_000);

      /** The banner a new visitor (no cookie) is shown on `base`. */
      const served = async (base: string) => {
        const res = await fetch(`${base}/campaigns/${CAMPAIGN}`);
        if (res.status !== 200) throw new Error(`${base}/campaigns/${CAMPAIGN}: ${res.status}`);
        return bannerOf(await res.text());
      };

      it('serves a re-import made on A from B within a second', async () => {
        // Both instances serve the first collection (loaded at start or by the version poll).
        for (const base of [a, b]) {
          const deadline = Date.now() + 5000;
          while (!FIRST.includes(await served(base).catch(() => NaN))) {
            if (Date.now() > deadline) throw new Error(`${base} never served the first import`);
            await new Promise((r) => setTimeout(r, 50));
          }
        }

        const admin = new HttpSession();
        expect((await admin.post(a, '/api/admin/login', { password: 'cluster-password' })).status).toBe(200);
        // The current quarter last, so that its import is the one B has to catch up with.
        const current = Math.floor(new Date().getUTCMinutes() / 15) + 1;
        const order = [...QUARTERS.filter((q) => q !== current), current];
        let importedAt = 0;
        for (const q of order) {
          const files = writeDataset(path.join(dir, 'second', String(q)), q, dataset(q, SECOND, []));
          const form = new FormData();
          form.set('quarter', String(q));
          form.set('replace', 'true');
          for (const file of files) {
            const kind = path.basename(file).split('_')[0]!;
            form.set(kind, new Blob([fs.readFileSync(file)], { type: 'text/csv' }), path.basename(file));
          }
          const res = await admin.post(a, '/api/banners/import', form);
          expect(res.status, await res.clone().text()).toBe(200);
          importedAt = Date.now();
        }

        let seenAt: number | undefined;
        while (seenAt === undefined && Date.now() - importedAt < 3000) {
          const banner = await served(b);
          if (SECOND.includes(banner)) seenAt = Date.now();
          else expect(FIRST).toContain(banner); // the old index or the new one, never anything else
        }
        expect(seenAt, 'B never served the re-import').toBeDefined();
        const lagMs = seenAt! - importedAt;
        expect(lagMs).toBeLessThan(1000);
        // From then on B serves only the new collection; A, polling on its own, within a second too.
        const fromB: number[] = [];
        for (let i = 0; i < 20; i++) fromB.push(await served(b));
        expect(fromB.filter((x) => !SECOND.includes(x))).toEqual([]);
        let aAt: number | undefined;
        while (aAt === undefined && Date.now() - importedAt < 3000)
          if (SECOND.includes(await served(a))) aAt = Date.now();
        expect(aAt! - importedAt, 'A never served its own re-import').toBeLessThan(1000);
        const collection = (await (
          await fetch(`${b}/api/banners/campaigns/${CAMPAIGN}/collection`)
        ).json()) as {
          rule: string;
          banners: { banner_id: number }[];
        };
        expect(collection.rule).toBe('revenue_top10');
        expect(collection.banners.map((x) => x.banner_id).sort()).toEqual(SECOND);
        console.log(
          `banners re-import on A served by B after ${lagMs} ms, by A after ${aAt! - importedAt} ms`,
        );
      });

      it("keeps a visitor's rotation when its requests alternate between A and B", async () => {
        const visitor = new HttpSession();
        const shown: number[] = [];
        for (let i = 0; i < 2 * SECOND.length; i++) {
          const res = await visitor.get(i % 2 ? b : a, `/campaigns/${CAMPAIGN}`);
          expect(res.status).toBe(200);
          shown.push(bannerOf(await res.text()));
        }
        // Rounds without replacement: the first ten requests show all ten banners, the next ten
        // again, and never one banner twice in a row (across the round's end too). Without the
        // cookie honoured by both instances, ten draws of ten would repeat almost surely.
        expect([...shown.slice(0, 10)].sort()).toEqual(SECOND);
        expect([...shown.slice(10)].sort()).toEqual(SECOND);
        for (let i = 1; i < shown.length; i++) expect(shown[i]).not.toBe(shown[i - 1]);
        expect(cluster.output()).not.toMatch(/"level":50/);
      });
    });

    // Live surveys across the cluster: an answer saved on one instance reaches a dashboard's event
    // stream opened on the other (Redis pub/sub), and the stream passes through nginx unbuffered.
    describe('survey answers reach dashboards on every instance and through nginx', () => {
      let cluster: Cluster;
      let a: string;
      let b: string;
      const admin = new HttpSession();
      const streams: SseReader[] = [];

      beforeAll(async () => {
        cluster = shared();
        [a, b] = cluster.instances as [string, string];
        expect((await admin.post(a, '/api/admin/login', { password: 'cluster-password' })).status).toBe(200);
      }, 120_000);

      afterAll(async () => {
        for (const s of streams) await s.close();
      });

      /** A dashboard's stream on `base`, resuming after the newest event (so nothing is missed). */
      async function dashboard(base: string): Promise<SseReader> {
        const summary = (await (await admin.get(base, '/api/surveys/summary')).json()) as { eventId: number };
        const stream = await openSse(`${base}/api/surveys/events`, {
          ...admin.cookieHeader(),
          'last-event-id': String(summary.eventId),
        });
        streams.push(stream);
        return stream;
      }

      const about = (id: string, field: string, value: unknown) => (f: SseFrame) =>
        f.event === 'response' &&
        (JSON.parse(f.data) as { id: string; answers?: Record<string, unknown> }).id === id &&
        (JSON.parse(f.data) as { answers: Record<string, unknown> }).answers[field] === value;

      it("delivers an answer saved on A to a dashboard's stream on B within seconds", async () => {
        const stream = await dashboard(b);
        const respondent = new HttpSession();
        const created = await respondent.post(a, '/api/surveys/responses', { answers: { name: 'Ada' } });
        expect(created.status).toBe(201);
        const { id } = (await created.json()) as { id: string };
        // The first event may come from the replay buffer if it beat the subscription; once it is
        // here the stream is live, so the next one can only come over the bus in this time.
        const first = await stream.next(about(id, 'name', 'Ada'), LIVE_MS);

        const saved = await respondent.patch(a, `/api/surveys/responses/${id}`, {
          answers: { book: 'Middlemarch' },
          step: 2,
        });
        expect(saved.status).toBe(200);
        const second = await stream.next(about(id, 'book', 'Middlemarch'), LIVE_MS);
        expect(Number(second.id)).toBe(Number(first.id) + 1);
        // Each change's summary frame follows with the same id.
        const summary = await stream.next((f) => f.event === 'summary' && f.id === second.id, LIVE_MS);
        expect(JSON.parse(summary.data)).toMatchObject({ inProgress: expect.any(Number) });
      });

      it('passes the stream through nginx unbuffered: each event arrives while the stream stays open', async () => {
        const stream = await dashboard(cluster.lb);
        expect(stream.response.headers.get('content-type')).toMatch(/^text\/event-stream/);
        const respondent = new HttpSession();
        const created = await respondent.post(cluster.lb, '/api/surveys/responses', {
          answers: { name: 'Grace' },
        });
        expect(created.status).toBe(201);
        const { id } = (await created.json()) as { id: string };
        await stream.next(about(id, 'name', 'Grace'), LIVE_MS);
        for (const book of ['Emma', 'Persuasion']) {
          const from = stream.frames.length;
          const saved = await respondent.patch(cluster.lb, `/api/surveys/responses/${id}`, {
            answers: { book },
          });
          expect(saved.status).toBe(200);
          await stream.next(about(id, 'book', book), LIVE_MS, from);
        }
        expect(cluster.output()).not.toMatch(/"level":50/);
      });
    });
  },
);
