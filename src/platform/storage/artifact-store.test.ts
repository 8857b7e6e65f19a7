import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { text } from 'node:stream/consumers';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ArtifactKeyError,
  ArtifactNotFoundError,
  createArtifactStore,
  type ArtifactStore,
} from './artifact-store.js';

const dirs: string[] = [];
afterEach(() => {
  while (dirs.length) fs.rmSync(dirs.pop()!, { recursive: true, force: true });
});

function store(): ArtifactStore {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'quintet-store-'));
  dirs.push(dir);
  return createArtifactStore(path.join(dir, 'artifacts'));
}

async function put(s: ArtifactStore, key: string, content: string): Promise<void> {
  const w = await s.writer(key);
  await fs.promises.writeFile(w.path, content);
  await w.commit();
}

describe('artifact store', () => {
  it('publishes a file only on commit, then reads, sizes and streams it', async () => {
    const s = store();
    const w = await s.writer('diffing/12/diff.csv');
    await fs.promises.writeFile(w.path, 'id,value\n1,2\n');
    expect(await s.exists('diffing/12/diff.csv')).toBe(false);
    expect(fs.existsSync(s.pathOf('diffing/12/diff.csv'))).toBe(false);
    await w.commit();
    expect(await s.exists('diffing/12/diff.csv')).toBe(true);
    expect(await s.size('diffing/12/diff.csv')).toBe(13);
    expect(await text(await s.openRead('diffing/12/diff.csv'))).toBe('id,value\n1,2\n');
    expect(s.pathOf('diffing/12/diff.csv')).toBe(path.join(s.dir, 'diffing', '12', 'diff.csv'));
    await expect(w.commit()).rejects.toThrow(/already committed/);
  });

  it('replaces an artifact atomically when a retried job commits it again', async () => {
    const s = store();
    await put(s, 'uptime/report.csv', 'first');
    const w = await s.writer('uptime/report.csv');
    await fs.promises.writeFile(w.path, 'second, longer');
    expect(await text(await s.openRead('uptime/report.csv'))).toBe('first');
    await w.commit();
    expect(await text(await s.openRead('uptime/report.csv'))).toBe('second, longer');
  });

  it('leaves nothing behind when a write is aborted', async () => {
    const s = store();
    const w = await s.writer('diffing/1/diff.csv');
    await fs.promises.writeFile(w.path, 'half a fi');
    await w.abort();
    await w.abort();
    expect(fs.existsSync(w.path)).toBe(false);
    expect(await s.exists('diffing/1/diff.csv')).toBe(false);
  });

  it('reports a missing artifact with ArtifactNotFoundError', async () => {
    const s = store();
    await expect(s.openRead('nope.csv')).rejects.toBeInstanceOf(ArtifactNotFoundError);
    await expect(s.size('nope.csv')).rejects.toBeInstanceOf(ArtifactNotFoundError);
    await put(s, 'dir/file.csv', 'x');
    await expect(s.size('dir')).rejects.toBeInstanceOf(ArtifactNotFoundError);
    expect(await s.exists('dir')).toBe(false);
  });

  it.each([
    '../escape.csv',
    'a/../../b',
    '/etc/passwd',
    'a//b',
    'a/./b',
    '.tmp/x',
    'a\\b',
    '',
    'a/',
    'a/.hidden',
  ])('rejects the key %j', async (key) => {
    const s = store();
    expect(() => s.pathOf(key)).toThrow(ArtifactKeyError);
    await expect(s.writer(key)).rejects.toThrow(ArtifactKeyError);
    await expect(s.remove(key)).rejects.toThrow(ArtifactKeyError);
  });

  it('removes one artifact or everything under a prefix', async () => {
    const s = store();
    await put(s, 'diffing/1/a.csv', 'a');
    await put(s, 'diffing/1/b.csv', 'b');
    await put(s, 'diffing/2/a.csv', 'c');
    await s.remove('diffing/1/a.csv');
    expect(await s.exists('diffing/1/a.csv')).toBe(false);
    expect(await s.exists('diffing/1/b.csv')).toBe(true);
    await s.remove('diffing/1');
    expect(await s.exists('diffing/1/b.csv')).toBe(false);
    expect(await s.exists('diffing/2/a.csv')).toBe(true);
    await s.remove('never/written'); // nothing to do
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
