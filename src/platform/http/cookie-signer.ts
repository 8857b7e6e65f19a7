// @fastify/cookie's signer (signer.js: `value.` + HMAC-SHA256 of value in base64 without padding,
// checked in constant time), byte for byte, on one-shot hashes. Hand-written because it is on a
// measured hot path (the campaign page verifies and signs a cookie per request, bench:banners):
// createHmac builds a key and an Hmac object per call, ~3.3 µs a MAC on this machine, where two
// crypto.hash calls over pads computed once cost ~1 µs. The platform hands it to @fastify/cookie
// as its signer, so every signed cookie (CSRF included) goes through it and stays what it was.
// MACs are also remembered per value (bounded): the campaign page re-verifies cookies it signed
// itself a moment before, and signs the same few states for many visitors (new visitors of a
// campaign start from one of a handful). Measured by bench:banners: a remembered MAC costs a Map
// lookup (~0.1 µs) where computing one costs ~1 µs. Only values we signed or found validly signed
// are remembered, so forged cookies cannot crowd them out; the check itself stays constant-time.
import crypto from 'node:crypto';
import type { UnsignResult } from '@fastify/cookie';

/** What @fastify/cookie takes as `secret` in place of a string: its Signer's two methods. */
export interface CookieSigner {
  sign(value: string): string;
  unsign(signed: string): UnsignResult;
}

const BLOCK = 64; // SHA-256's block size: HMAC's key pads are one block
/** MACs remembered per generation (two generations: at most twice this many, ~150 bytes each). */
const REMEMBERED = 32_768;
/** Longer values are not remembered (a rotation state is ~20 characters, a CSRF token ~40). */
const REMEMBERED_LENGTH = 128;
/** The length of a MAC as written: 32 bytes in base64 without its padding. */
const MAC_LENGTH = 43;

/** Whether two strings are equal, in time that depends on their length only (a MAC is not secret in length). */
function sameText(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

/** A signer with one secret, giving what `new Signer(secret)` of @fastify/cookie gives. */
export function cookieSigner(secret: string): CookieSigner {
  if (typeof secret !== 'string' || secret.length === 0) throw new TypeError('the cookie secret is empty');
  let key = Buffer.from(secret, 'utf8');
  if (key.length > BLOCK) key = crypto.createHash('sha256').update(key).digest();
  const inner = Buffer.alloc(BLOCK, 0x36);
  // The outer hash's input: the outer pad, then the inner hash (written per call).
  const outer = Buffer.alloc(BLOCK + 32, 0x5c);
  for (let i = 0; i < key.length; i++) {
    inner[i]! ^= key[i]!;
    outer[i]! ^= key[i]!;
  }
  let scratch = Buffer.allocUnsafe(BLOCK + 256);
  inner.copy(scratch);

  /** HMAC-SHA256 of value, base64 without its one '=' of padding (32 bytes: 43 characters). */
  const mac = (value: string): string => {
    const length = Buffer.byteLength(value, 'utf8');
    if (BLOCK + length > scratch.length) {
      scratch = Buffer.allocUnsafe(BLOCK + length * 2);
      inner.copy(scratch);
    }
    scratch.write(value, BLOCK, 'utf8');
    crypto.hash('sha256', scratch.subarray(0, BLOCK + length), 'buffer').copy(outer, BLOCK);
    return crypto.hash('sha256', outer, 'base64').slice(0, MAC_LENGTH);
  };

  // value -> its MAC, in two generations: a full one becomes the old one (and the older is dropped).
  let recent = new Map<string, string>();
  let older = new Map<string, string>();
  const remembered = (value: string): string | undefined => {
    const known = recent.get(value);
    if (known !== undefined) return known;
    const old = older.get(value);
    if (old !== undefined) remember(value, old);
    return old;
  };
  const remember = (value: string, signature: string) => {
    if (value.length > REMEMBERED_LENGTH) return;
    if (recent.size >= REMEMBERED) {
      older = recent;
      recent = new Map();
    }
    recent.set(value, signature);
  };

  return {
    sign(value: string): string {
      if (typeof value !== 'string') throw new TypeError('Cookie value must be provided as a string.');
      let signature = remembered(value);
      if (signature === undefined) remember(value, (signature = mac(value)));
      return `${value}.${signature}`;
    },
    unsign(signed: string): UnsignResult {
      if (typeof signed !== 'string') throw new TypeError('Signed cookie string must be provided.');
      // As signer.js: the value is what precedes the last '.', the signature what follows it.
      const dot = signed.lastIndexOf('.');
      const value = signed.slice(0, dot);
      const actual = signed.slice(dot + 1);
      // A signature of another length is refused before any MAC is computed or remembered.
      if (actual.length !== MAC_LENGTH) return { valid: false, renew: false, value: null };
      const known = remembered(value);
      const expected = known ?? mac(value);
      if (!sameText(expected, actual)) return { valid: false, renew: false, value: null };
      if (known === undefined) remember(value, expected);
      return { valid: true, renew: false, value };
    },
  };
}
