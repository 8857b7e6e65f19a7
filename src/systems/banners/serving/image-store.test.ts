import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { placeholderSvg } from '../images.js';
import { createImageStore, MISS_RESCAN_MS } from './image-store.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function imagesDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'banners-image-store-'));
  dirs.push(dir);
  return dir;
}

describe('image store', () => {
  it('serves an image copied in after the last listing, once MISS_RESCAN_MS has passed since it', async () => {
    const dir = imagesDir();
    let now = 10_000;
    const store = createImageStore(dir, pino({ level: 'silent' }), () => now);
    await store.rescan();
    fs.writeFileSync(path.join(dir, 'image_7.svg'), placeholderSvg(7));
    now += MISS_RESCAN_MS - 1;
    expect(await store.get(7), 'within the interval a miss does not list the folder').toBeUndefined();
    now += 1;
    expect(await store.get(7)).toMatchObject({ contentType: 'image/svg+xml' });
    expect(await store.get(8), 'an id with no file stays a miss').toBeUndefined();
  });

  it('a rescan asked for while a listing runs lists the folder again after it', async () => {
    const dir = imagesDir();
    const store = createImageStore(dir, pino({ level: 'silent' }));
    const first = store.rescan();
    fs.writeFileSync(path.join(dir, 'image_9.svg'), placeholderSvg(9));
    await Promise.all([first, store.rescan()]);
    expect(await store.get(9)).toMatchObject({ contentType: 'image/svg+xml' });
  });
});
