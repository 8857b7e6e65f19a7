// One suite for every ArtifactStore adapter (directory, S3): what systems rely on.
import fs from 'node:fs';
import { text } from 'node:stream/consumers';
import { afterEach, describe, expect, it } from 'vitest';
import { ArtifactKeyError, ArtifactNotFoundError, type ArtifactStore } from './artifact-store.js';

export interface StoreUnderTest {
  store: ArtifactStore;
  dispose(): Promise<void>;
}

async function put(s: ArtifactStore, key: string, content: string): Promise<void> {
  const w = await s.writer(key);
  await fs.promises.writeFile(w.path, content);
  await w.commit();
}

export function artifactStoreConformance(name: string, open: () => Promise<StoreUnderTest>): void {
  describe(`artifact store conformance: ${name}`, () => {
    const opened: StoreUnderTest[] = [];
    afterEach(async () => {
      while (opened.length) await opened.pop()!.dispose();
    });
    const store = async () => {
      const s = await open();
      opened.push(s);
      return s.store;
    };

    it('publishes a file only on commit, then reads, sizes and streams it', async () => {
      const s = await store();
      const w = await s.writer('diffing/12/diff.csv');
      await fs.promises.writeFile(w.path, 'id,value\n1,2\n');
      expect(await s.exists('diffing/12/diff.csv')).toBe(false);
      await w.commit();
      expect(await s.exists('diffing/12/diff.csv')).toBe(true);
      expect(await s.size('diffing/12/diff.csv')).toBe(13);
      expect(await text(await s.openRead('diffing/12/diff.csv'))).toBe('id,value\n1,2\n');
      await expect(w.commit()).rejects.toThrow(/already committed/);
    });

    it('replaces an artifact whole when a retried job commits it again', async () => {
      const s = await store();
      await put(s, 'uptime/report.csv', 'first');
      const w = await s.writer('uptime/report.csv');
      await fs.promises.writeFile(w.path, 'second, longer');
      expect(await text(await s.openRead('uptime/report.csv'))).toBe('first');
      await w.commit();
      expect(await text(await s.openRead('uptime/report.csv'))).toBe('second, longer');
    });

    it('leaves nothing behind when a write is aborted', async () => {
      const s = await store();
      const w = await s.writer('diffing/1/diff.csv');
      await fs.promises.writeFile(w.path, 'half a fi');
      await w.abort();
      await w.abort();
      expect(fs.existsSync(w.path)).toBe(false);
      expect(await s.exists('diffing/1/diff.csv')).toBe(false);
    });

    it('reports a missing artifact with ArtifactNotFoundError, a prefix being no artifact', async () => {
      const s = await store();
      await expect(s.openRead('nope.csv')).rejects.toBeInstanceOf(ArtifactNotFoundError);
      await expect(s.size('nope.csv')).rejects.toBeInstanceOf(ArtifactNotFoundError);
      await expect(s.localFile('nope.csv')).rejects.toBeInstanceOf(ArtifactNotFoundError);
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
      const s = await store();
      await expect(s.writer(key)).rejects.toThrow(ArtifactKeyError);
      await expect(s.remove(key)).rejects.toThrow(ArtifactKeyError);
      await expect(s.openRead(key)).rejects.toThrow(ArtifactKeyError);
    });

    it('removes one artifact or everything under a prefix (whole segments only)', async () => {
      const s = await store();
      await put(s, 'diffing/1/a.csv', 'a');
      await put(s, 'diffing/1/b.csv', 'b');
      await put(s, 'diffing/10/a.csv', 'c');
      await s.remove('diffing/1/a.csv');
      expect(await s.exists('diffing/1/a.csv')).toBe(false);
      expect(await s.exists('diffing/1/b.csv')).toBe(true);
      await s.remove('diffing/1');
      expect(await s.exists('diffing/1/b.csv')).toBe(false);
      expect(await s.exists('diffing/10/a.csv')).toBe(true);
      await s.remove('never/written'); // nothing to do
    });

    it('removes what was written before a date, and nothing written after it', async () => {
      const s = await store();
      expect(await s.removeOlderThan(new Date())).toBe(0); // never written to
      await put(s, 'diffing/1/a.csv', 'a');
      await put(s, 'diffing/2/b.csv', 'b');
      const abandoned = await s.writer('diffing/3/crashed.csv');
      await fs.promises.writeFile(abandoned.path, 'partial');
      expect(await s.removeOlderThan(new Date(Date.now() - 3_600_000))).toBe(0);
      expect(await s.exists('diffing/1/a.csv')).toBe(true);
      expect(await s.removeOlderThan(new Date(Date.now() + 3_600_000))).toBe(3);
      expect(await s.exists('diffing/1/a.csv')).toBe(false);
      expect(await s.exists('diffing/2/b.csv')).toBe(false);
      expect(fs.existsSync(abandoned.path)).toBe(false);
    });

    it("cleans, at start, the scratch files this process's writers left", async () => {
      const s = await store();
      const w = await s.writer('diffing/4/diff.csv');
      await fs.promises.writeFile(w.path, 'partial');
      expect(await s.cleanScratch()).toBeGreaterThanOrEqual(1);
      expect(fs.existsSync(w.path)).toBe(false);
      await put(s, 'diffing/5/diff.csv', 'after');
      expect(await s.exists('diffing/5/diff.csv')).toBe(true);
    });

    it('hands out a committed artifact as a local file until released', async () => {
      const s = await store();
      await put(s, 'uptime/7/report.csv', 'store_id\n1\n');
      const local = await s.localFile('uptime/7/report.csv');
      expect(await fs.promises.readFile(local.path, 'utf8')).toBe('store_id\n1\n');
      await local.release();
      expect(await s.exists('uptime/7/report.csv')).toBe(true);
    });

    it('gives a download URL that serves the bytes as an attachment, or none when the app streams them', async () => {
      const s = await store();
      await put(s, 'uptime/8/report.csv', 'a,b\n');
      const url = await s.downloadUrl('uptime/8/report.csv', {
        fileName: 'report.csv',
        expiresInSeconds: 60,
      });
      if (url === undefined) return; // the directory store: the routes stream the file
      const res = await fetch(url);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-disposition')).toContain('report.csv');
      expect(await res.text()).toBe('a,b\n');
    });
  });
}
