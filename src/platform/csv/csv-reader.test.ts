import fc from 'fast-check';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BufferedWriter } from './buffered-writer.js';
import { CsvReader, CsvSyntaxError, NEED_MORE, RECORD } from './csv-reader.js';
import { splitRecord, unquoteInto } from './fields.js';
import { parseCsvReference } from './testing/reference-parser.js';
import { closeSync, openSync, readFileSync } from 'node:fs';

const dir = mkdtempSync(join(tmpdir(), 'csv-scan-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let fileNo = 0;

interface Rec {
  line: number;
  fields: string[];
  raw: string;
  offset: number;
}

async function scanAll(
  content: string | Buffer,
  chunkSize: number,
  opts: { readAhead?: boolean; peek?: boolean } = {},
): Promise<{ bom: boolean; records: Rec[] }> {
  const path = join(dir, `f${fileNo++}.csv`);
  writeFileSync(path, content);
  const peek = opts.peek ?? false;
  const rd = await CsvReader.open(path, chunkSize, opts.readAhead ?? false);
  const records: Rec[] = [];
  try {
    for (;;) {
      const r = rd.next();
      if (r === RECORD) {
        records.push({
          line: rd.line,
          fields: rd.fieldValues(),
          raw: rd.buf.toString('utf8', rd.recStart, rd.recEnd),
          offset: rd.recordOffset,
        });
      } else if (r === NEED_MORE) {
        await rd.fill();
        if (peek) {
          // Look ahead through the buffered records and rewind, as the engine's sampling does.
          const snap = rd.snapshot();
          try {
            while (rd.next() === RECORD);
          } catch {
            // reported by the real scan
          }
          rd.restore(snap);
        }
      } else {
        break;
      }
    }
  } finally {
    await rd.close();
  }
  return { bom: rd.bom, records };
}

describe('CsvReader', () => {
  it('splits plain LF records into fields with 1-based line numbers and file offsets', async () => {
    const { records } = await scanAll('a,b,c\n1,2,3\n', 1 << 20);
    expect(records.map((r) => r.fields)).toEqual([
      ['a', 'b', 'c'],
      ['1', '2', '3'],
    ]);
    expect(records.map((r) => r.line)).toEqual([1, 2]);
    expect(records.map((r) => r.offset)).toEqual([0, 6]);
  });

  it('handles quoted commas, doubled quotes and newlines inside quotes, counting physical lines', async () => {
    const text = 'k,v\n"a,b","say ""hi"""\n"multi\nline\r\nfield",x\nlast,1\n';
    const { records } = await scanAll(text, 1 << 20);
    expect(records.map((r) => r.fields)).toEqual([
      ['k', 'v'],
      ['a,b', 'say "hi"'],
      ['multi\nline\r\nfield', 'x'],
      ['last', '1'],
    ]);
    expect(records.map((r) => r.line)).toEqual([1, 2, 3, 6]);
    expect(records[1]?.raw).toBe('"a,b","say ""hi"""');
  });

  it('accepts CRLF, a BOM and a missing final newline', async () => {
    const { bom, records } = await scanAll('\uFEFFk,v\r\na,1\r\nb,2', 1 << 20);
    expect(bom).toBe(true);
    expect(records.map((r) => r.fields)).toEqual([
      ['k', 'v'],
      ['a', '1'],
      ['b', '2'],
    ]);
    expect(records[0]?.offset).toBe(3);
  });

  it('reports a blank trailing line as one empty record (callers skip it)', async () => {
    const { records } = await scanAll('k,v\na,1\n\n', 1 << 20);
    expect(records.map((r) => r.fields)).toEqual([['k', 'v'], ['a', '1'], ['']]);
  });

  it('treats a quote that does not start a field as data, like Python csv', async () => {
    const { records } = await scanAll('a"b,"x"y,"z"""\n', 1 << 20);
    expect(records[0]?.fields).toEqual(['a"b', 'xy', 'z"']);
  });

  it('throws CsvSyntaxError with the starting line for an unterminated quote at end of file', async () => {
    await expect(scanAll('k,v\na,1\nb,"open\nstill open\n', 1 << 20)).rejects.toMatchObject({
      line: 3,
      reason: expect.stringContaining('unterminated'),
    });
    await expect(scanAll('k,v\n"x', 64)).rejects.toBeInstanceOf(CsvSyntaxError);
  });

  it('grows its buffer for a record longer than the chunk size', async () => {
    const long = 'x'.repeat(1000);
    const { records } = await scanAll(`k,v\n${long},"${long}\n${long}"\nz,1\n`, 64);
    expect(records.map((r) => r.fields[0]?.length)).toEqual([1, 1000, 1]);
    expect(records[1]?.fields[1]).toBe(`${long}\n${long}`);
    expect(records[2]?.line).toBe(4);
  });

  it('matches the reference parser on random CSV text for any chunk size, with read-ahead and look-ahead/rewind (property)', async () => {
    const field = fc.oneof(
      fc.constantFrom('', 'a', 'é', ' ', 'x y'),
      fc
        .string({ unit: fc.constantFrom('a', ',', '"', '\n', '\r', 'b', ' '), maxLength: 6 })
        .map((s) => `"${s.replace(/"/g, '""')}"`),
      fc
        .string({ unit: fc.constantFrom('a', 'b', '1', '"', ' '), maxLength: 5 })
        .filter((s) => !s.startsWith('"')),
    );
    const record = fc.array(field, { minLength: 1, maxLength: 4 }).map((fs) => fs.join(','));
    const text = fc
      .tuple(
        fc.boolean(),
        fc.array(fc.tuple(record, fc.constantFrom('\n', '\r\n', '\r')), { minLength: 1, maxLength: 20 }),
        fc.boolean(),
      )
      .map(([bom, recs, finalNl]) => {
        let t = bom ? '\uFEFF' : '';
        recs.forEach(([r, term], i) => {
          t += r + (i < recs.length - 1 || finalNl ? term : '');
        });
        return t;
      });
    await fc.assert(
      fc.asyncProperty(
        text,
        fc.integer({ min: 1, max: 80 }),
        fc.boolean(),
        fc.boolean(),
        async (t, chunk, readAhead, peek) => {
          const ref = parseCsvReference(t);
          const got = await scanAll(t, chunk, { readAhead, peek });
          expect(got.bom).toBe(ref.bom);
          expect(got.records.map((r) => ({ fields: r.fields, line: r.line, raw: r.raw }))).toEqual(
            ref.records.map((r) => ({ fields: r.fields, line: r.line, raw: r.raw })),
          );
        },
      ),
      { numRuns: 500 },
    );
  });

  it('matches the reference parser on long records with many fields and quoted fields (property)', async () => {
    // Long fields exercise the word-at-a-time skipping at every alignment; quoted fields (with "",
    // data after the closing quote, and sometimes a newline) the single-line quoted fast path and
    // its fallback to the byte state machine.
    const plain = fc.string({
      unit: fc.constantFrom('a', 'Z', '0', '9', '-', '.', ' ', 'é', '_', '"'),
      maxLength: 14,
    });
    const field = fc.oneof(
      plain.filter((x) => !x.startsWith('"')),
      fc
        .tuple(
          fc.string({ unit: fc.constantFrom('a', ',', '"', ' ', 'é', '1', '\n'), maxLength: 12 }),
          fc.constantFrom('', 'x', 'x"y'),
        )
        .map(([q, after]) => `"${q.replace(/"/g, '""')}"${after}`),
    );
    const record = fc.array(field, { minLength: 1, maxLength: 12 }).map((fs) => fs.join(','));
    const text = fc
      .array(fc.tuple(record, fc.constantFrom('\n', '\r\n')), { minLength: 1, maxLength: 30 })
      .map((recs) => recs.map(([r, term]) => r + term).join(''));
    await fc.assert(
      fc.asyncProperty(text, fc.integer({ min: 64, max: 600 }), async (t, chunk) => {
        const ref = parseCsvReference(t);
        const got = await scanAll(t, chunk);
        expect(got.records.map((r) => ({ fields: r.fields, line: r.line, raw: r.raw }))).toEqual(
          ref.records.map((r) => ({ fields: r.fields, line: r.line, raw: r.raw })),
        );
      }),
      { numRuns: 300 },
    );
  });

  it('seek() positions on a record boundary for reading rows back', async () => {
    const path = join(dir, 'seek.csv');
    writeFileSync(path, 'h\nr1\nr2,"x\ny"\nr3\n');
    const rd = await CsvReader.open(path, 64);
    const read = async (off: number): Promise<string> => {
      rd.seek(off);
      let r = rd.next();
      while (r === NEED_MORE) {
        await rd.fill();
        r = rd.next();
      }
      return rd.buf.toString('utf8', rd.recStart, rd.recEnd);
    };
    expect(await read(5)).toBe('r2,"x\ny"');
    expect(await read(14)).toBe('r3');
    await rd.close();
  });
});

describe('splitRecord', () => {
  it('splits a record whose bytes are known into the fields CsvReader finds, at any alignment (property)', async () => {
    const field = fc.oneof(
      fc.constantFrom('', 'a', 'é', ' ', 'x y', '2024-01-01', 'c-revenue-pc', '!#$%&()*+'),
      fc
        .string({ unit: fc.constantFrom('a', ',', '"', '\n', '\r', 'b', ' ', 'é'), maxLength: 9 })
        .map((s) => `"${s.replace(/"/g, '""')}"`),
      fc.constantFrom('"quoted"tail', '"a,b"c'),
    );
    const record = fc.array(field, { minLength: 1, maxLength: 8 }).map((fs) => fs.join(','));
    await fc.assert(
      fc.asyncProperty(fc.array(record, { minLength: 1, maxLength: 5 }), fc.nat(7), async (recs, pad) => {
        const got = await scanAll(recs.join('\n') + '\n', 64);
        for (const rec of got.records) {
          const b = Buffer.concat([Buffer.alloc(pad, 120), Buffer.from(rec.raw), Buffer.alloc(3, 120)]);
          const v = new DataView(b.buffer, b.byteOffset, b.length);
          const fS = new Int32Array(16);
          const fE = new Int32Array(16);
          const fQ = new Uint8Array(16);
          const end = pad + Buffer.byteLength(rec.raw);
          const n = splitRecord(b, v, pad, end, fS, fE, fQ);
          const fields = Array.from({ length: n }, (_, f) => {
            if (fQ[f] === 0) return b.toString('utf8', fS[f], fE[f]);
            const tmp = Buffer.alloc(b.length);
            return tmp.toString('utf8', 0, unquoteInto(b, fS[f]!, fE[f]!, tmp, 0));
          });
          expect(fields).toEqual(rec.fields);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('BufferedWriter', () => {
  it('writes small and large pieces in order, across flushes', () => {
    const path = join(dir, 'w.bin');
    const fd = openSync(path, 'w');
    const w = new BufferedWriter(fd, 16);
    const parts = ['abc', 'x'.repeat(40), 'defghijklmnop', '', 'q'.repeat(15)];
    for (const p of parts) {
      const b = Buffer.from(`__${p}__`);
      w.write(b, 2, b.length - 2);
    }
    w.flush();
    closeSync(fd);
    expect(readFileSync(path, 'utf8')).toBe(parts.join(''));
    expect(w.written).toBe(parts.join('').length);
  });

  it('truncates what is still buffered or already in the file, and goes on writing from there', () => {
    const path = join(dir, 't.bin');
    const fd = openSync(path, 'w');
    const w = new BufferedWriter(fd, 8);
    const put = (text: string): void => w.write(Buffer.from(text), 0, text.length);
    put('head');
    put('-abcdefghij'); // flushed: beyond the 8-byte buffer
    w.truncate(4);
    put('+12');
    put('3'); // still buffered
    w.truncate(7);
    put('!');
    w.flush();
    closeSync(fd);
    expect(readFileSync(path, 'utf8')).toBe('head+12!');
    expect(w.written).toBe(8);
  });
});

describe('CsvReader.consumeEqual', () => {
  it('consumes a record equal to the given bytes only when a terminator (or the end) follows', async () => {
    const path = join(dir, 'eq.csv');
    writeFileSync(path, 'abcdef\r\nabcdef,x\nabcdef');
    const rd = await CsvReader.open(path, 64);
    await rd.fill();
    const want = Buffer.from('..abcdef');
    const view = new DataView(want.buffer, want.byteOffset, want.length);
    expect(rd.consumeEqual(want, view, 2, 6)).toBe(true);
    expect([rd.recStart, rd.recEnd, rd.line]).toEqual([0, 6, 1]);
    expect(rd.consumeEqual(want, view, 2, 6)).toBe(false); // followed by ','
    expect(rd.next()).toBe(RECORD);
    expect(rd.fieldValues()).toEqual(['abcdef', 'x']);
    expect(rd.consumeEqual(want, view, 2, 6)).toBe(true); // at the end of the file
    expect(rd.line).toBe(3);
    await rd.close();
  });
});
