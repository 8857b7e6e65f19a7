// The preview with the S3 artifact store (an s3rver stand-in): built in the job's thread, read by
// the route. A file of its own: the AWS SDK in the job threads reads its credentials from the
// environment the threads start with, so it is set before any thread of this process starts.
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { TestClient } from '../../../test/support/client.js';
import { REVENUE_HEADER, csvText, multipart, waitForJob } from '../../../test/support/diffing.js';
import { startTestS3, type TestS3 } from '../../../test/support/s3.js';
import { createTestPlatform, type TestPlatform } from '../../../test/support/platform.js';
import { buildApp } from '../../app.js';
import { systemJobs } from '../../platform/system-runtime.js';
import { diffingSystem } from './system.js';

let s3: TestS3;
let platform: TestPlatform;
let app: FastifyInstance;
const saved = { ...process.env };

beforeAll(async () => {
  s3 = await startTestS3();
  const env = s3.env('preview-test');
  process.env.AWS_ACCESS_KEY_ID = env.AWS_ACCESS_KEY_ID;
  process.env.AWS_SECRET_ACCESS_KEY = env.AWS_SECRET_ACCESS_KEY;
  platform = await createTestPlatform('sqlite', { env, systems: [diffingSystem] });
  app = await buildApp(platform);
  await platform.jobs.startWorkers(await systemJobs(platform, [diffingSystem]));
});

afterAll(async () => {
  await app?.close();
  await platform?.dispose();
  await s3?.close();
  process.env = saved;
});

it('builds and serves the preview with the S3 artifact store', async () => {
  expect(platform.artifacts.location).toMatch(/^s3:\/\//);
  const client = new TestClient(app);
  const { body, headers } = await multipart({
    keys: 'date,segment_field,segment_value_id,stat',
    value: 'value',
    old: {
      filename: 'o.csv',
      content: csvText([REVENUE_HEADER, '2020-01-01,,,,,revenue,1', '2020-01-02,,,,,revenue,2']),
    },
    new: {
      filename: 'n.csv',
      content: csvText([REVENUE_HEADER, '2020-01-01,,,,,revenue,1.5', '2020-01-03,,,,,revenue,3']),
    },
  });
  const created = await client.post('/api/diffing/jobs', body, { headers });
  expect(created.statusCode, created.body).toBe(201);
  const { job_id } = created.json<{ job_id: number }>();
  const done = await waitForJob(client, job_id);
  expect(done.status, done.error ?? '').toBe('done');
  const preview = await client.get(`/api/diffing/job/${job_id}/preview?limit=5`);
  expect(preview.statusCode).toBe(200);
  expect(preview.json()).toEqual({
    job_id,
    limit: 5,
    columns: ['date', 'segment_field', 'segment_value_id', 'stat', 'value'],
    searched: 2,
    new: { total: 1, rows: [['2020-01-03', '', '', 'revenue', '3']] },
    changed: { total: 1, rows: [{ values: ['2020-01-01', '', '', 'revenue', '1.5'], old_value: '1' }] },
    deleted: { total: 1, rows: [['2020-01-02', '', '', 'revenue', '2']] },
  });
});
