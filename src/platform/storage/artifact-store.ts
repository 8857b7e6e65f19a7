// Job results: the ArtifactStore port, and its directory adapter (a directory under DATA_DIR by
// default, a shared volume via ARTIFACT_DIR). The S3 adapter is s3-artifact-store.ts.
// Kept free of platform imports so job code in worker threads can open the same store.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';

/** A file being written: write to `path`, then `commit()` to publish it, or `abort()` to drop it. */
export interface ArtifactWriter {
  readonly key: string;
  /** A temporary file on the same volume; nothing at `key` changes until commit. */
  readonly path: string;
  /** Atomically moves the file into place (replacing an earlier version). */
  commit(): Promise<void>;
  /** Removes the temporary file; safe to call after commit (does nothing then). */
  abort(): Promise<void>;
}

/** A committed artifact as a file on this machine, for code that reads by path (the diff engine). */
export interface LocalArtifact {
  readonly path: string;
  /** Done with the file: removes a downloaded copy (the directory store's own file stays). */
  release(): Promise<void>;
}

export interface ArtifactStore {
  /** Where the artifacts are, for logs and /health: a directory or s3://bucket/prefix. */
  readonly location: string;
  writer(key: string): Promise<ArtifactWriter>;
  exists(key: string): Promise<boolean>;
  /** Opens a committed artifact; rejects with ArtifactNotFoundError when there is none. */
  openRead(key: string): Promise<Readable>;
  /** Size in bytes; rejects with ArtifactNotFoundError when there is none. */
  size(key: string): Promise<number>;
  /** The artifact as a local file; rejects with ArtifactNotFoundError when there is none. */
  localFile(key: string): Promise<LocalArtifact>;
  /**
   * A URL a client can download the artifact from without this process (a presigned S3 URL), or
   * undefined when the app streams it itself (the directory store).
   */
  downloadUrl(
    key: string,
    options: { fileName: string; expiresInSeconds: number },
  ): Promise<string | undefined>;
  /** Removes one artifact, or every artifact under a prefix such as `diffing/12`. */
  remove(keyOrPrefix: string): Promise<void>;
  /** Removes artifacts (and abandoned temporary files) last written before `date`; returns how many files. */
  removeOlderThan(date: Date): Promise<number>;
  /**
   * Removes the scratch space (temporary files, a diff's partitions) of processes of this host
   * that are gone, such as one killed with -9, and this process's own; returns how many
   * directories. Run at start, before workers start. Other hosts' scratch (a shared volume) is
   * left to the retention sweep.
   */
  cleanScratch(): Promise<number>;
}

/** The directory adapter, which can also name a committed artifact's own path. */
export interface DirectoryArtifactStore extends ArtifactStore {
  readonly dir: string;
  /** The absolute path of a committed artifact (whether or not it exists). */
  pathOf(key: string): string;
}

export class ArtifactKeyError extends Error {
  override name = 'ArtifactKeyError';
}

export class ArtifactNotFoundError extends Error {
  override name = 'ArtifactNotFoundError';
  constructor(readonly key: string) {
    super(`no artifact "${key}"`);
  }
}

const TMP = '.tmp';
/** This host's part of a scratch directory's name: `<host>.<pid>`. */
const HOST =
  os
    .hostname()
    .replace(/[^A-Za-z0-9_-]/g, '_')
    .slice(0, 64) || 'host';

/** Whether a process of this host is running (EPERM: it is, under another user). */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
/** The scratch directory of this process under `tmpDir`: `<host>.<pid>`. */
export function processScratchDir(tmpDir: string): string {
  return path.join(tmpDir, `${HOST}.${process.pid}`);
}

/**
 * Removes, under `tmpDir`, the scratch directories of this host's processes that are gone and this
 * process's own; returns how many. Other hosts' (a shared volume) are left alone.
 */
export async function cleanProcessScratch(tmpDir: string): Promise<number> {
  let entries: fs.Dirent[];
  try {
    entries = await fs.promises.readdir(tmpDir, { withFileTypes: true });
  } catch (err) {
    if (isNotFound(err)) return 0;
    throw err;
  }
  let removed = 0;
  for (const entry of entries) {
    const match = /^(.+)\.(\d+)$/.exec(entry.name);
    if (!entry.isDirectory() || !match || match[1] !== HOST) continue;
    const pid = Number(match[2]);
    if (pid !== process.pid && isRunning(pid)) continue;
    await fs.promises.rm(path.join(tmpDir, entry.name), { recursive: true, force: true });
    removed++;
  }
  return removed;
}

const SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9._-]*$/;

/** Checks a key such as `diffing/12/diff.csv`: relative, `/`-separated, no `.`/`..` or hidden segments. */
export function validateArtifactKey(key: string): string {
  if (typeof key !== 'string' || key === '') throw new ArtifactKeyError('artifact key is empty');
  if (key.length > 500) throw new ArtifactKeyError('artifact key is longer than 500 characters');
  if (key.startsWith('/') || key.includes('\\') || path.isAbsolute(key)) {
    throw new ArtifactKeyError(`artifact key must be a relative path, got "${key}"`);
  }
  for (const segment of key.split('/')) {
    if (!SEGMENT.test(segment) || segment === '..' || segment === '.') {
      throw new ArtifactKeyError(
        `artifact key "${key}" has an invalid segment "${segment}" (use letters, digits, ., _, -)`,
      );
    }
  }
  return key;
}

function isNotFound(err: unknown): boolean {
  return (err as NodeJS.ErrnoException | null)?.code === 'ENOENT';
}

export function createArtifactStore(dir: string): DirectoryArtifactStore {
  const root = path.resolve(dir);
  const tmpDir = path.join(root, TMP);
  // Each process writes its temporary files in a directory of its own, so what a killed process
  // leaves can be told from what a live one is writing, even on a volume several machines share.
  const scratchDir = processScratchDir(tmpDir);

  function pathOf(key: string): string {
    const full = path.join(root, validateArtifactKey(key));
    // Belt and braces: the key rules already keep paths inside the root.
    if (!full.startsWith(root + path.sep))
      throw new ArtifactKeyError(`artifact key "${key}" escapes the store`);
    return full;
  }

  async function stat(key: string): Promise<fs.Stats> {
    try {
      const s = await fs.promises.stat(pathOf(key));
      if (!s.isFile()) throw new ArtifactNotFoundError(key);
      return s;
    } catch (err) {
      if (isNotFound(err)) throw new ArtifactNotFoundError(key);
      throw err;
    }
  }

  /** Removes files older than the cutoff below `dir`, then the directories this leaves empty. */
  async function sweep(dir: string, cutoffMs: number): Promise<number> {
    let removed = 0;
    let entries: fs.Dirent[];
    try {
      entries = await fs.promises.readdir(dir, { withFileTypes: true });
    } catch (err) {
      if (isNotFound(err)) return 0;
      throw err;
    }
    for (const entry of entries) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        removed += await sweep(full, cutoffMs);
        // A process's scratch directory goes only once it has been idle past the cutoff.
        const idle =
          dir !== tmpDir || ((await fs.promises.stat(full).catch(() => undefined))?.mtimeMs ?? 0) < cutoffMs;
        if (full !== tmpDir && idle) await fs.promises.rmdir(full).catch(() => undefined); // fails while not empty
      } else {
        const s = await fs.promises.stat(full).catch(() => undefined);
        if (s && s.mtimeMs < cutoffMs) {
          await fs.promises.rm(full, { force: true });
          removed++;
        }
      }
    }
    return removed;
  }

  return {
    location: root,
    dir: root,
    pathOf,

    async writer(key) {
      const target = pathOf(key);
      await fs.promises.mkdir(scratchDir, { recursive: true });
      const tmp = path.join(scratchDir, `${crypto.randomUUID()}-${path.basename(target)}`);
      let done = false;
      return {
        key,
        path: tmp,
        async commit() {
          if (done) throw new Error(`artifact "${key}" was already committed or aborted`);
          await fs.promises.mkdir(path.dirname(target), { recursive: true });
          await fs.promises.rename(tmp, target);
          done = true;
        },
        async abort() {
          if (done) return;
          done = true;
          await fs.promises.rm(tmp, { force: true });
        },
      };
    },

    async exists(key) {
      try {
        return (await fs.promises.stat(pathOf(key))).isFile();
      } catch (err) {
        if (isNotFound(err)) return false;
        throw err;
      }
    },

    async openRead(key) {
      let handle: fs.promises.FileHandle;
      try {
        handle = await fs.promises.open(pathOf(key), 'r');
      } catch (err) {
        if (isNotFound(err)) throw new ArtifactNotFoundError(key);
        throw err;
      }
      return handle.createReadStream();
    },

    async size(key) {
      return (await stat(key)).size;
    },

    async localFile(key) {
      await stat(key);
      return { path: pathOf(key), release: async () => undefined };
    },

    async downloadUrl() {
      return undefined;
    },

    async remove(keyOrPrefix) {
      await fs.promises.rm(pathOf(keyOrPrefix), { recursive: true, force: true });
    },

    removeOlderThan(date) {
      return sweep(root, date.getTime());
    },

    cleanScratch: () => cleanProcessScratch(tmpDir),
  };
}
