// The S3 adapter of the ArtifactStore port (ARTIFACT_STORE=s3://bucket/prefix): job results in a
// bucket, for app instances and workers that share no volume. Written with the official AWS SDK.
// A writer still writes a local scratch file (the diff engine and the report write by path) and
// uploads it on commit; `localFile` downloads into the same scratch directory.
// Kept free of platform imports so job threads can open the same store.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ListObjectsV2CommandOutput, S3Client } from '@aws-sdk/client-s3';
import type { S3ArtifactConfig } from '../../config.js';
import {
  ArtifactNotFoundError,
  cleanProcessScratch,
  processScratchDir,
  validateArtifactKey,
  type ArtifactStore,
} from './artifact-store.js';

export interface S3StoreOptions extends S3ArtifactConfig {
  /** Local scratch space for files being written or read by path. */
  scratchDir: string;
  /** Credentials come from the usual AWS variables unless given (tests). */
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

const isMissing = (err: unknown) => {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } } | null;
  return e?.name === 'NotFound' || e?.name === 'NoSuchKey' || e?.$metadata?.httpStatusCode === 404;
};

/** The SDK, imported on first use: a process that never touches an artifact does not load it. */
const loadSdk = async () => {
  const [s3, presigner] = await Promise.all([
    import('@aws-sdk/client-s3'),
    import('@aws-sdk/s3-request-presigner'),
  ]);
  return { ...s3, getSignedUrl: presigner.getSignedUrl };
};
type Sdk = Awaited<ReturnType<typeof loadSdk>>;

export function createS3ArtifactStore(options: S3StoreOptions): ArtifactStore {
  const { bucket, prefix, scratchDir } = options;
  let ready: Promise<{ sdk: Sdk; client: S3Client }> | undefined;
  const connect = () =>
    (ready ??= loadSdk().then((sdk) => ({
      sdk,
      client: new sdk.S3Client({
        region: options.region,
        ...(options.endpoint ? { endpoint: options.endpoint, forcePathStyle: true } : {}),
        ...(options.credentials ? { credentials: options.credentials } : {}),
        // Checksums only where S3 requires them: S3-compatible servers do not all take the SDK's
        // default streaming CRC trailers.
        requestChecksumCalculation: 'WHEN_REQUIRED',
        responseChecksumValidation: 'WHEN_REQUIRED',
      }),
    })));
  const objectKey = (key: string) =>
    prefix ? `${prefix}/${validateArtifactKey(key)}` : validateArtifactKey(key);

  // Per process (`<host>.<pid>`), like the directory store's, so a start can clean what a killed one left.
  const ownScratch = processScratchDir(scratchDir);
  async function scratchFile(key: string): Promise<string> {
    await fs.promises.mkdir(ownScratch, { recursive: true });
    return path.join(ownScratch, `${crypto.randomUUID()}-${path.basename(key)}`);
  }

  async function head(key: string): Promise<{ size: number } | undefined> {
    try {
      const { sdk, client } = await connect();
      const out = await client.send(new sdk.HeadObjectCommand({ Bucket: bucket, Key: objectKey(key) }));
      return { size: out.ContentLength ?? 0 };
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw err;
    }
  }

  async function openRead(key: string): Promise<Readable> {
    try {
      const { sdk, client } = await connect();
      const out = await client.send(new sdk.GetObjectCommand({ Bucket: bucket, Key: objectKey(key) }));
      return out.Body as Readable;
    } catch (err) {
      if (isMissing(err)) throw new ArtifactNotFoundError(key);
      throw err;
    }
  }

  /** Every object under a key prefix (whole segments only), page by page. */
  async function* listed(keyPrefix: string): AsyncIterable<{ key: string; modified: Date }> {
    const { sdk, client } = await connect();
    let token: string | undefined;
    do {
      const page: ListObjectsV2CommandOutput = await client.send(
        new sdk.ListObjectsV2Command({ Bucket: bucket, Prefix: keyPrefix, ContinuationToken: token }),
      );
      for (const o of page.Contents ?? [])
        if (o.Key) yield { key: o.Key, modified: o.LastModified ?? new Date(0) };
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  async function deleteAll(keys: string[]): Promise<void> {
    const { sdk, client } = await connect();
    for (let i = 0; i < keys.length; i += 1000) {
      const chunk = keys.slice(i, i + 1000);
      await client.send(
        new sdk.DeleteObjectsCommand({
          Bucket: bucket,
          Delete: { Objects: chunk.map((Key) => ({ Key })), Quiet: true },
        }),
      );
    }
  }

  /** Scratch files older than the cutoff (abandoned by a crashed writer), in every process's directory. */
  async function sweepScratch(dir: string, cutoffMs: number): Promise<number> {
    let entries: fs.Dirent[];
    try {
      entries = await fs.promises.readdir(dir, { withFileTypes: true });
    } catch {
      return 0;
    }
    let removed = 0;
    for (const entry of entries) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        removed += await sweepScratch(full, cutoffMs);
        continue;
      }
      const s = await fs.promises.stat(full).catch(() => undefined);
      if (s?.isFile() && s.mtimeMs < cutoffMs) {
        await fs.promises.rm(full, { force: true });
        removed++;
      }
    }
    return removed;
  }

  return {
    location: `s3://${bucket}${prefix ? `/${prefix}` : ''}`,

    async writer(key) {
      const target = objectKey(key);
      const tmp = await scratchFile(key);
      let done = false;
      return {
        key,
        path: tmp,
        async commit() {
          if (done) throw new Error(`artifact "${key}" was already committed or aborted`);
          const { size } = await fs.promises.stat(tmp);
          const { sdk, client } = await connect();
          // One PUT replaces the object atomically: readers see the old bytes or the new, never part.
          await client.send(
            new sdk.PutObjectCommand({
              Bucket: bucket,
              Key: target,
              Body: fs.createReadStream(tmp),
              ContentLength: size,
            }),
          );
          done = true;
          await fs.promises.rm(tmp, { force: true });
        },
        async abort() {
          if (done) return;
          done = true;
          await fs.promises.rm(tmp, { force: true });
        },
      };
    },

    async exists(key) {
      return (await head(key)) !== undefined;
    },

    openRead,

    async size(key) {
      const found = await head(key);
      if (!found) throw new ArtifactNotFoundError(key);
      return found.size;
    },

    async localFile(key) {
      const body = await openRead(key);
      const file = await scratchFile(key);
      try {
        await pipeline(body, fs.createWriteStream(file));
      } catch (err) {
        await fs.promises.rm(file, { force: true });
        throw err;
      }
      return { path: file, release: () => fs.promises.rm(file, { force: true }) };
    },

    async downloadUrl(key, { fileName, expiresInSeconds }) {
      const { sdk, client } = await connect();
      const command = new sdk.GetObjectCommand({
        Bucket: bucket,
        Key: objectKey(key),
        ResponseContentDisposition: `attachment; filename="${fileName.replace(/["\\\r\n]/g, '_')}"`,
      });
      return sdk.getSignedUrl(client, command, { expiresIn: expiresInSeconds });
    },

    async remove(keyOrPrefix) {
      const exact = objectKey(keyOrPrefix);
      const keys = [exact];
      for await (const o of listed(`${exact}/`)) keys.push(o.key);
      await deleteAll(keys);
    },

    cleanScratch: () => cleanProcessScratch(scratchDir),

    async removeOlderThan(date) {
      const cutoff = date.getTime();
      const old: string[] = [];
      for await (const o of listed(prefix ? `${prefix}/` : ''))
        if (o.modified.getTime() < cutoff) old.push(o.key);
      await deleteAll(old);
      return old.length + (await sweepScratch(scratchDir, cutoff));
    },
  };
}
