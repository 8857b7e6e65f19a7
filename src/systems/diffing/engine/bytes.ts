// Byte helpers of the diff engine's tables and partition files: a 32-bit hash of key bytes and
// LEB128 varints. Hand-written hot paths (one hash per row).

/** murmur3-style 32-bit hash of b[start, start+len). */
export function hashBytes(b: Uint8Array, start: number, len: number): number {
  let h = 0x9747b28c;
  let i = start;
  const end4 = start + (len & ~3);
  while (i < end4) {
    let k =
      (b[i] as number) |
      ((b[i + 1] as number) << 8) |
      ((b[i + 2] as number) << 16) |
      ((b[i + 3] as number) << 24);
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
    i += 4;
  }
  const rem = len & 3;
  if (rem !== 0) {
    let k = b[i] as number;
    if (rem > 1) k ^= (b[i + 1] as number) << 8;
    if (rem > 2) k ^= (b[i + 2] as number) << 16;
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
  }
  h ^= len;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h;
}

/** Number of bytes of the varint encoding of n (n ≥ 0, < 2^31). */
export function varintSize(n: number): number {
  return n < 0x80 ? 1 : n < 0x4000 ? 2 : n < 0x200000 ? 3 : n < 0x10000000 ? 4 : 5;
}

/** Writes n (≥ 0, < 2^31) as LEB128 at b[p]; returns the position after it. */
export function writeVarint(b: Uint8Array, p: number, n: number): number {
  while (n >= 0x80) {
    b[p++] = (n & 0x7f) | 0x80;
    n >>>= 7;
  }
  b[p++] = n;
  return p;
}
