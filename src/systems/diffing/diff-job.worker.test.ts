// The diff job's thread entry, called directly: a preview that cannot be made never costs the diff.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { text } from 'node:stream/consumers';
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import { REVENUE_HEADER, csvText, writeCsv } from '../../../test/support/diffing.js';
import type { JobContext } from '../../platform/jobs/job-queue.js';
import { createArtifactStore, type DirectoryArtifactStore } from '../../platform/storage/artifact-store.js';
import { deletedArtifactKey, diffArtifactKey, previewArtifactKey } from './artifact-keys.js';
import type { DiffJobPayload } from './diff-job.js';
import run from './diff-job.worker.js';

const preview = vi.hoisted(() => ({ fail: false }));
vi.mock('./preview.js', async (original) => {
  const actual = await original<typeof import('./preview.js')>();
  return {
    ...actual,
    buildPreview: async (...args: Parameters<typeof actual.buildPreview>) => {
      if (preview.fail) throw new Error('preview broke');
      return actual.buildPreview(...args);
    },
  };
});

let dir: string;
let store: DirectoryArtifactStore;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'quintet-diff-job-'));
  store = createArtifactStore(path.join(dir, 'artifacts'));
  preview.fail = false;
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const OLD = [REVENUE_HEADER, '2020-01-01,,,,,revenue,1', '2020-01-02,,,,,revenue,2'];
const NEW = [REVENUE_HEADER, '2020-01-01,,,,,revenue,5', '2020-01-03,,,,,revenue,3'];

async function runJob() {
  const errors: unknown[] = [];
  const payload: DiffJobPayload = {
    jobId: 7,
    oldInput: writeCsv(dir, 'old.csv', OLD),
    newInput: writeCsv(dir, 'new.csv', NEW),
    inputsAreArtifacts: false,
    keys: ['date', 'segment_field', 'segment_value_id', 'stat'],
    value: 'value',
    memoryBudgetBytes: 16 * 2 ** 20,
  };
  const ctx = {
    progress: () => undefined,
    artifacts: store,
    log: { error: (...args: unknown[]) => errors.push(args) },
  } as unknown as JobContext;
  return { result: await run(payload, ctx), errors };
}

it('commits the diff, the deleted rows and the preview', async () => {
  const { result, errors } = await runJob();
  expect(result).toMatchObject({ stats: { added: 1, changed: 1, deleted: 1 } });
  expect(errors).toEqual([]);
  expect(await text(await store.openRead(diffArtifactKey(7)))).toBe(csvText([NEW[0]!, NEW[1]!, NEW[2]!]));
  expect(await store.exists(deletedArtifactKey(7))).toBe(true);
  expect(await store.exists(previewArtifactKey(7))).toBe(true);
});

it('keeps the diff and logs the error when the preview cannot be made', async () => {
  preview.fail = true;
  const { result, errors } = await runJob();
  expect(result).toMatchObject({ stats: { added: 1, changed: 1, deleted: 1 } });
  expect(await text(await store.openRead(diffArtifactKey(7)))).toBe(csvText([NEW[0]!, NEW[1]!, NEW[2]!]));
  expect(await store.exists(deletedArtifactKey(7))).toBe(true);
  expect(await store.exists(previewArtifactKey(7))).toBe(false);
  expect(errors).toHaveLength(1);
  expect(JSON.stringify(errors[0])).toMatch(/diff preview failed/);
  // Nothing of the preview is left in the scratch space.
  const scratch = path.join(store.dir, '.tmp');
  const left = fs.existsSync(scratch)
    ? fs.readdirSync(scratch, { recursive: true, withFileTypes: true })
    : [];
  expect(left.filter((e) => e.isFile())).toEqual([]);
});
