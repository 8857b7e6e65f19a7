// Banner images on disk: `image_<banner_id>.<ext>` in the images folder (BANNER_IMAGES_DIR). The
// import copies them in; the demo writes SVG placeholders showing the banner id.
import fs from 'node:fs/promises';
import path from 'node:path';
import { badInput } from '../../platform/errors.js';

/** An image file of a banner, any of the types a browser shows. */
export const IMAGE_NAME = /^image_(\d{1,15})\.(png|jpe?g|gif|webp|svg)$/i;

export interface ImageCopy {
  readonly copied: number;
  /** Files in the folder that are not banner images (by name). */
  readonly ignored: number;
}

/**
 * Copies every `image_<id>.<ext>` of `fromDir` into `toDir` (written under a temporary name and
 * renamed, so a server never sends half a file). A banner's images of other types are removed, so
 * each banner has one image file.
 */
export async function copyImages(fromDir: string, toDir: string): Promise<ImageCopy> {
  let entries: string[];
  try {
    entries = await fs.readdir(fromDir);
  } catch {
    throw badInput(`the images folder ${fromDir} cannot be read`);
  }
  await fs.mkdir(toDir, { recursive: true });
  const existing = await fs.readdir(toDir);
  let copied = 0;
  let ignored = 0;
  for (const name of entries.sort()) {
    const m = IMAGE_NAME.exec(name);
    if (!m || !(await fs.stat(path.join(fromDir, name))).isFile()) {
      ignored++;
      continue;
    }
    if (path.resolve(fromDir) !== path.resolve(toDir)) {
      const tmp = path.join(toDir, `.${name}.${process.pid}.tmp`);
      await fs.copyFile(path.join(fromDir, name), tmp);
      await fs.rename(tmp, path.join(toDir, name));
      for (const other of existing) {
        const o = IMAGE_NAME.exec(other);
        if (o && o[1] === m[1] && other !== name) await fs.rm(path.join(toDir, other), { force: true });
      }
    }
    copied++;
  }
  return { copied, ignored };
}

const PALETTE = ['#0b6b3a', '#1d4ed8', '#9333ea', '#b45309', '#be123c', '#0f766e', '#4338ca', '#a16207'];

/** A 300×250 SVG placeholder showing the banner id (and its campaign). */
export function placeholderSvg(bannerId: number, campaignId?: number): string {
  const color = PALETTE[bannerId % PALETTE.length]!;
  const caption = campaignId === undefined ? 'Quintet demo banner' : `Demo banner · campaign ${campaignId}`;
  return [
    '<svg xmlns="http://www.w3.org/2000/svg" width="300" height="250" viewBox="0 0 300 250">',
    `<rect width="300" height="250" fill="${color}"/>`,
    '<rect x="10" y="10" width="280" height="230" fill="none" stroke="#ffffff" stroke-opacity="0.5" stroke-width="2"/>',
    `<text x="150" y="125" fill="#ffffff" font-family="sans-serif" font-size="56" font-weight="700" text-anchor="middle">${bannerId}</text>`,
    `<text x="150" y="170" fill="#ffffff" font-family="sans-serif" font-size="16" text-anchor="middle">${caption}</text>`,
    '</svg>',
    '',
  ].join('\n');
}

/** Writes `image_<id>.svg` placeholders for banners that have no image yet; returns how many were written. */
export async function writePlaceholderImages(
  dir: string,
  banners: readonly { bannerId: number; campaignId?: number }[],
): Promise<number> {
  await fs.mkdir(dir, { recursive: true });
  const have = new Set(
    (await fs.readdir(dir)).map((n) => IMAGE_NAME.exec(n)?.[1]).filter((id) => id !== undefined),
  );
  let written = 0;
  for (const { bannerId, campaignId } of banners) {
    if (have.has(String(bannerId))) continue;
    await fs.writeFile(path.join(dir, `image_${bannerId}.svg`), placeholderSvg(bannerId, campaignId));
    have.add(String(bannerId));
    written++;
  }
  return written;
}
