// A record's key as one byte string for the KeyTable and the KeyTable partitions.
import { CsvReader } from '../../../platform/csv/csv-reader.js';
import { unquoteInto } from '../../../platform/csv/fields.js';
import { writeVarint } from './bytes.js';
import { InternTable } from './key-table.js';

/**
 * Builds the key byte string of the current CSV record: per key column either the dictionary id
 * (varint) or, for raw columns, varint length + unquoted bytes. Unambiguous by construction.
 * Old and new file must be encoded by the same KeyEncoder instance.
 */
export class KeyEncoder {
  kb: Buffer = Buffer.allocUnsafe(1024);
  private tmp: Buffer = Buffer.allocUnsafe(1024);

  constructor(private readonly dicts: (InternTable | null)[]) {}

  /** Encodes into this.kb at 0; returns the key length. */
  encode(rd: CsvReader, cols: Int32Array): number {
    const need = rd.recEnd - rd.recStart + 5 * cols.length;
    if (this.kb.length < need) this.kb = Buffer.allocUnsafe(need * 2);
    return this.encodeInto(rd, cols, this.kb, 0);
  }

  /** Encodes into dst at `at`; returns the end position. dst needs recLen + 5·cols bytes of room. */
  encodeInto(rd: CsvReader, cols: Int32Array, kb: Uint8Array, at: number): number {
    const b = rd.buf;
    const fS = rd.fStart;
    const fE = rd.fEnd;
    const fQ = rd.fQuoted;
    const dicts = this.dicts;
    let p = at;
    for (let k = 0; k < cols.length; k++) {
      const c = cols[k] as number;
      let src: Uint8Array = b;
      let s = fS[c] as number;
      let e = fE[c] as number;
      if (fQ[c] === 1) {
        if (this.tmp.length < e - s) this.tmp = Buffer.allocUnsafe((e - s) * 2);
        e = unquoteInto(b, s, e, this.tmp, 0);
        s = 0;
        src = this.tmp;
      }
      const d = dicts[k];
      if (d) {
        const id = d.intern(src, s, e - s);
        if (id < 0x80) kb[p++] = id;
        else p = writeVarint(kb, p, id);
      } else {
        const len = e - s;
        if (len < 0x80) kb[p++] = len;
        else p = writeVarint(kb, p, len);
        for (let j = s; j < e; j++) kb[p++] = src[j] as number;
      }
    }
    return p;
  }
}
