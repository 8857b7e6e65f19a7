import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { text } from 'node:stream/consumers';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestS3 } from '../../../test/support/s3.js';
import { ArtifactKeyError, createArtifactStore, type DirectoryArtifactStore } from './artifact-store.js';
import { artifactStoreConformance } from './conformance.js';
import { createS3ArtifactStore } from './s3-artifact-store.js';

const dirs: string[] = [];
afterEach(() => {
  while (dirs.length) fs.rmSync(dirs.pop()!, { recursive: true, force: true });
});

function store(): DirectoryArtifactStore {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'quintet-store-'));
  dirs.push(dir);
  return createArtifactStore(path.join(dir, 'artifacts'));
}

artifactStoreConformance('directory', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'quintet-store-'));
  return {
    store: createArtifactStore(path.join(dir, 'artifacts')),
    dispose: async () => fs.rmSync(dir, { recursive: true, force: true }),
  };
});

// A local S3-compatible server, started by the test itself: CI needs nothing outside the machine.
artifactStoreConformance('S3', async () => {
  const s3 = await startTestS3();
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'quintet-s3-scratch-'));
  return {
    store: createS3ArtifactStore({
      bucket: s3.bucket,
      prefix: 'deploy-a',
      endpoint: s3.endpoint,
      region: 'us-east-1',
      credentials: s3.credentials,
      scratchDir: scratch,
    }),
    async dispose() {
      await s3.close();
      fs.rmSync(scratch, { recursive: true, force: true });
    },
  };
});

async function put(s: DirectoryArtifactStore, key: string, content: string): Promise<void> {
  const w = await s.writer(key);
  await fs.promises.writeFile(w.path, content);
  await w.commit();
}

describe('directory artifact store', () => {
  it('keeps each artifact at its key under the directory, and nothing there before commit', async () => {
    const s = store();
    const w = await s.writer('diffing/12/diff.csv');
    await fs.promises.writeFile(w.path, 'id,value\n1,2\n');
    expect(fs.existsSync(s.pathOf('diffing/12/diff.csv'))).toBe(false);
    await w.commit();
    expect(s.pathOf('diffing/12/diff.csv')).toBe(path.join(s.dir, 'diffing', '12', 'diff.csv'));
    expect(await text(await s.openRead('diffing/12/diff.csv'))).toBe('id,value\n1,2\n');
    const local = await s.localFile('diffing/12/diff.csv');
    expect(local.path).toBe(s.pathOf('diffing/12/diff.csv'));
    await local.release();
    expect(fs.existsSync(local.path)).toBe(true);
  });

  it('refuses a key that would leave the directory', () => {
    expect(() => store().pathOf('../escape.csv')).toThrow(ArtifactKeyError);
  });

  it('removes artifacts and abandoned temporary files older than a date, and the directories they leave empty', async () => {
    const s = store();
    const old = new Date('2026-01-01T00:00:00Z');
    await put(s, 'diffing/1/old.csv', 'old');
    await put(s, 'diffing/2/old.csv', 'old');
    await put(s, 'diffing/2/new.csv', 'new');
    const abandoned = await s.writer('diffing/3/crashed.csv');
    await fs.promises.writeFile(abandoned.path, 'partial');
    for (const p of [s.pathOf('diffing/1/old.csv'), s.pathOf('diffing/2/old.csv'), abandoned.path])
      fs.utimesSync(p, old, old);
    const removed = await s.removeOlderThan(new Date('2026-01-08T00:00:00Z'));
    expect(removed).toBe(3);
    expect(fs.existsSync(path.join(s.dir, 'diffing', '1'))).toBe(false);
    expect(await s.exists('diffing/2/old.csv')).toBe(false);
    expect(await s.exists('diffing/2/new.csv')).toBe(true);
    expect(fs.existsSync(abandoned.path)).toBe(false);
  });

  it('sweeps a store that was never written to', async () => {
    expect(await store().removeOlderThan(new Date())).toBe(0);
  });

  it("removes at start the scratch space of this host's processes that are gone, and keeps live and other hosts' scratch", async () => {
    const s = store();
    const w = await s.writer('diffing/1/diff.csv');
    await fs.promises.writeFile(w.path, 'partial');
    const own = path.dirname(w.path);
    const host = path.basename(own).replace(/\.\d+$/, '');
    expect(path.basename(own)).toBe(`${host}.${process.pid}`);
    // A process that has exited, as after kill -9: its temporary files and a diff's partitions.
    const deadPid = spawnSync(process.execPath, ['-e', 'process.pid']).pid!;
    const dead = path.join(s.dir, '.tmp', `${host}.${deadPid}`);
    fs.mkdirSync(path.join(dead, '.diff-parts-x-1'), { recursive: true });
    fs.writeFileSync(path.join(dead, '.diff-parts-x-1', 'p0.new'), 'x'.repeat(1000));
    fs.writeFileSync(path.join(dead, 'abc-diff.csv'), 'partial');
    const live = path.join(s.dir, '.tmp', `${host}.${process.ppid}`);
    const otherHost = path.join(s.dir, '.tmp', `elsewhere.${deadPid}`);
    for (const d of [live, otherHost]) fs.mkdirSync(d, { recursive: true });

    expect(await s.cleanScratch()).toBe(2); // the dead process's and this (starting) process's own
    expect(fs.existsSync(dead)).toBe(false);
    expect(fs.existsSync(own)).toBe(false);
    expect(fs.existsSync(live)).toBe(true);
    expect(fs.existsSync(otherHost)).toBe(true);
    // Writing goes on afterwards.
    await put(s, 'diffing/2/diff.csv', 'done');
    expect(await s.exists('diffing/2/diff.csv')).toBe(true);
  });

  it('cleans the scratch space of a store that was never written to', async () => {
    expect(await store().cleanScratch()).toBe(0);
  });
});
