// The hand-written signer against @fastify/cookie's own: the same signatures, the same verdicts.
import { signerFactory } from '@fastify/cookie';
import { expect, it } from 'vitest';
import { seededRandom } from '../random.js';
import { cookieSigner } from './cookie-signer.js';
import { randomSecret } from './security.js';

const SECRETS = [
  randomSecret(),
  'a-test-secret-of-at-least-32-characters',
  'x',
  'é'.repeat(40), // 80 bytes: longer than a block, so HMAC hashes the key first
  'k'.repeat(64),
];

function values(): string[] {
  const random = seededRandom(3);
  const out = ['', '.', 'a.b.c', '3.1otsmtn.2.w', 'ünïcødé ✓', 'x'.repeat(300), 'y'.repeat(2000)];
  for (let i = 0; i < 200; i++) {
    const n = Math.floor(random() * 120);
    out.push(Array.from({ length: n }, () => String.fromCharCode(32 + Math.floor(random() * 95))).join(''));
  }
  return out;
}

it('signs every value exactly as @fastify/cookie does, for any secret', () => {
  for (const secret of SECRETS) {
    const ours = cookieSigner(secret);
    const theirs = signerFactory(secret);
    for (const value of values()) expect(ours.sign(value)).toBe(theirs.sign(value));
  }
});

it('accepts what either signs and refuses what either refuses', () => {
  const secret = SECRETS[0]!;
  const ours = cookieSigner(secret);
  const theirs = signerFactory(secret);
  const other = cookieSigner(SECRETS[1]!);
  for (const value of values().slice(0, 60)) {
    const signed = theirs.sign(value);
    expect(ours.unsign(signed)).toEqual({ valid: true, renew: false, value });
    for (const forged of [
      other.sign(value),
      `${signed.slice(0, -1)}${signed.endsWith('A') ? 'B' : 'A'}`,
      `${value}x.${signed.slice(signed.lastIndexOf('.') + 1)}`,
      signed.slice(0, -1),
      value,
      `${signed}=`,
    ]) {
      expect(ours.unsign(forged)).toEqual(theirs.unsign(forged));
      expect(ours.unsign(forged).valid).toBe(false);
    }
  }
  expect(() => ours.sign(undefined as unknown as string)).toThrow(TypeError);
});

it('gives the same verdicts with MACs remembered, forgotten and remembered again', () => {
  const secret = SECRETS[1]!;
  const ours = cookieSigner(secret);
  const theirs = signerFactory(secret);
  // More values than two generations hold: the first ones are forgotten, then computed again.
  const many = Array.from({ length: 70_000 }, (_, i) => `${i.toString(36)}.state`);
  const signed = many.map((v) => ours.sign(v));
  for (const i of [0, 1, 40_000, 69_999, 0]) {
    expect(signed[i]).toBe(theirs.sign(many[i]!));
    expect(ours.unsign(signed[i]!)).toEqual({ valid: true, renew: false, value: many[i] });
    const forged = `${signed[i]!.slice(0, -1)}${signed[i]!.endsWith('A') ? 'B' : 'A'}`;
    expect(ours.unsign(forged)).toEqual({ valid: false, renew: false, value: null });
  }
  // A value seen only with a forged signature is not taken as signed later either.
  const fresh = 'never.signed.by.us';
  expect(ours.unsign(`${fresh}.${'A'.repeat(43)}`).valid).toBe(false);
  expect(ours.unsign(theirs.sign(fresh))).toEqual({ valid: true, renew: false, value: fresh });
  expect(ours.unsign(`${fresh}.${'A'.repeat(43)}`).valid).toBe(false);
});
