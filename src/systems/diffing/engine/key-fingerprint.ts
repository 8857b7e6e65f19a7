/**
 * 62-bit fingerprints of a row's key for the diff engine's keyless table (fp-table.ts FpTable).
 *
 * Hand-written hot path (one call per row of both files): two independent 32-bit hashes (murmur3-style
 * rounds with different constants, each finished by its own avalanche) over the key fields'
 * unquoted bytes, each field preceded by its length, so the fingerprint depends only on the field
 * values (`"a"` and `a` are the same key; `ab`,`c` and `a`,`bc` differ). Equal keys always have equal
 * fingerprints; different keys share one with probability about 2⁻⁶², and the table verifies every
 * match against the row's bytes anyway, so a collision costs time, never a wrong result.
 */
import { ViewedBuffer } from '../../../platform/csv/bytes.js';
import { unquoteInto } from '../../../platform/csv/fields.js';

export class KeyFingerprint {
  /** Fingerprint of the last `of()` call. */
  h1 = 0;
  h2 = 0;
  /** Unquoted bytes of a quoted key field. */
  private readonly tmp = new ViewedBuffer(256);

  /** `mask`: bits kept of h1 and h2 (tests weaken the fingerprint to force collisions). */
  constructor(private readonly mask: readonly [number, number] = [-1, -1]) {}

  /**
   * Fingerprints the fields `cols` of a record split into fStart/fEnd/fQuoted over `b` (`v`: a
   * DataView of b's bytes, for 4-byte loads).
   */
  of(
    b: Uint8Array,
    v: DataView,
    fStart: Int32Array,
    fEnd: Int32Array,
    fQuoted: Uint8Array,
    cols: Int32Array,
  ): void {
    let h1 = 0x9747b28c | 0;
    let h2 = 0x5bd1e995 | 0;
    let total = 0;
    for (let k = 0; k < cols.length; k++) {
      const c = cols[k] as number;
      let src = b;
      let sv = v;
      let s = fStart[c] as number;
      let e = fEnd[c] as number;
      if (fQuoted[c] === 1) {
        this.tmp.reserve(e - s);
        e = unquoteInto(b, s, e, this.tmp.bytes, 0);
        s = 0;
        src = this.tmp.bytes;
        sv = this.tmp.view;
      }
      const len = e - s;
      total += len;
      let w = len;
      let i = s;
      const end4 = s + (len & ~3);
      for (;;) {
        // round 1: murmur3 x86_32 body
        let k1 = Math.imul(w, 0xcc9e2d51);
        k1 = (k1 << 15) | (k1 >>> 17);
        k1 = Math.imul(k1, 0x1b873593);
        h1 ^= k1;
        h1 = (h1 << 13) | (h1 >>> 19);
        h1 = (Math.imul(h1, 5) + 0xe6546b64) | 0;
        // round 2: other constants and rotations
        let k2 = Math.imul(w, 0x85ebca6b);
        k2 = (k2 << 17) | (k2 >>> 15);
        k2 = Math.imul(k2, 0xc2b2ae35);
        h2 ^= k2;
        h2 = (h2 << 11) | (h2 >>> 21);
        h2 = (Math.imul(h2, 9) + 0x7f4a7c15) | 0;
        if (i < end4) {
          w = sv.getInt32(i, true);
          i += 4;
        } else if (i < e) {
          // the 1-3 tail bytes (the field's length, mixed first, tells them from a word)
          w = 1 << 24;
          for (let sh = 0; i < e; sh += 8) w |= (src[i++] as number) << sh;
        } else {
          break;
        }
      }
    }
    h1 ^= total;
    h1 ^= h1 >>> 16;
    h1 = Math.imul(h1, 0x85ebca6b);
    h1 ^= h1 >>> 13;
    h1 = Math.imul(h1, 0xc2b2ae35);
    h1 ^= h1 >>> 16;
    h2 ^= cols.length + total * 31;
    h2 ^= h2 >>> 15;
    h2 = Math.imul(h2, 0x2c1b3c6d);
    h2 ^= h2 >>> 12;
    h2 = Math.imul(h2, 0x297a2d39);
    h2 ^= h2 >>> 15;
    this.h1 = h1 & (this.mask[0] as number);
    this.h2 = h2 & (this.mask[1] as number);
  }
}
