// Banner images from a folder: image_<id>.png (whose bytes may be JPEG: the type sent is that of
// the bytes; .jpg, .jpeg, .gif and .webp too) or a placeholder image_<id>.svg. Each file is read once and kept with its type and
// ETag; the folder is listed at start, after each index swap (an import may add images), and on a
// request for an image it does not list (images copied in on their own, or after the data), at
// most once per MISS_RESCAN_MS.
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';

export interface BannerImage {
  readonly bytes: Buffer;
  readonly contentType: string;
  readonly etag: string;
}

/** The image type of these bytes by their magic numbers, or undefined when they are no image we serve. */
export function sniffImageType(bytes: Uint8Array): string | undefined {
  const starts = (...sig: number[]) => sig.every((b, i) => bytes[i] === b);
  if (starts(0xff, 0xd8, 0xff)) return 'image/jpeg';
  if (starts(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) return 'image/png';
  if (starts(0x47, 0x49, 0x46, 0x38)) return 'image/gif';
  if (starts(0x52, 0x49, 0x46, 0x46) && Buffer.from(bytes.subarray(8, 12)).toString('latin1') === 'WEBP') {
    return 'image/webp';
  }
  // SVG is text: an optional BOM, whitespace, an XML declaration or comments, then <svg.
  const head = Buffer.from(bytes.subarray(0, 512))
    .toString('utf8')
    .replace(/^\uFEFF/, '')
    .replace(/^(\s|<\?xml[^>]*\?>|<!--[\s\S]*?-->|<!DOCTYPE[^>]*>)*/i, '');
  if (/^<svg[\s>]/i.test(head)) return 'image/svg+xml';
  return undefined;
}

const FILE = /^image_([1-9]\d{0,14})\.(png|jpe?g|gif|webp|svg)$/i;

export interface ImageStore {
  /** The image of a banner, or undefined when there is none. */
  get(bannerId: number): Promise<BannerImage | undefined>;
  /** Lists the folder again and forgets what was read. */
  rescan(): Promise<void>;
}

/** A request for an image the listing lacks lists the folder again, at most this often. */
export const MISS_RESCAN_MS = 1000;

export function createImageStore(
  dir: string | undefined,
  log: Logger,
  now: () => number = Date.now,
): ImageStore {
  let files = new Map<number, string>();
  let cache = new Map<number, Promise<BannerImage | undefined>>();
  let listedAt = -Infinity;
  let listing: Promise<void> | undefined;

  const read = async (file: string): Promise<BannerImage | undefined> => {
    const bytes = await fs.readFile(file).catch(() => undefined);
    if (!bytes) return undefined;
    const contentType = sniffImageType(bytes);
    if (!contentType) {
      log.warn({ file }, 'banners: this image file holds no JPEG, PNG, GIF, WebP or SVG; not served');
      return undefined;
    }
    const etag = `"${crypto.createHash('sha256').update(bytes).digest('base64url').slice(0, 22)}"`;
    return { bytes, contentType, etag };
  };

  const list = async () => {
    listedAt = now();
    const next = new Map<number, string>();
    if (dir) {
      const names = await fs.readdir(dir).catch((err: NodeJS.ErrnoException) => {
        log.warn({ err, dir }, 'banners: cannot list the images folder; no images are served');
        return [] as string[];
      });
      const placeholders = new Map<number, string>();
      for (const name of names.sort()) {
        const m = FILE.exec(name);
        if (!m) continue;
        const id = Number(m[1]);
        // A real image wins over a placeholder .svg of the same banner.
        if (m[2]!.toLowerCase() === 'svg') placeholders.set(id, path.join(dir, name));
        else if (!next.has(id)) next.set(id, path.join(dir, name));
      }
      for (const [id, file] of placeholders) if (!next.has(id)) next.set(id, file);
    }
    files = next;
    cache = new Map();
  };
  // One listing at a time; a rescan asked for while one runs lists again after it (the files it
  // is told about may have come after that listing read the folder).
  const rescan = (): Promise<void> => {
    const run: Promise<void> = (listing ?? Promise.resolve()).then(list, list).finally(() => {
      if (listing === run) listing = undefined;
    });
    return (listing = run);
  };

  const lookup = (bannerId: number): Promise<BannerImage | undefined> | undefined => {
    let image = cache.get(bannerId);
    if (!image) {
      const file = files.get(bannerId);
      if (!file) return undefined;
      cache.set(bannerId, (image = read(file)));
    }
    return image;
  };

  return {
    get: async (bannerId) => {
      const found = lookup(bannerId);
      if (found || !dir) return found;
      if (listing) await listing;
      else if (now() - listedAt >= MISS_RESCAN_MS) await rescan();
      else return undefined;
      return lookup(bannerId);
    },
    rescan,
  };
}
