import fc from 'fast-check';
import { mkdtempSync, rmSync, writeFileSync, createReadStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { CsvReader, CsvSyntaxError, NEED_MORE, RECORD } from './csv-reader.js';
import { readCsvRecords, type CsvRecord } from './records.js';
import { parseCsvReference } from './testing/reference-parser.js';

const dir = mkdtempSync(join(tmpdir(), 'csv-records-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let fileNo = 0;

function file(content: string | Buffer): string {
  const path = join(dir, `f${fileNo++}.csv`);
  writeFileSync(path, content);
  return path;
}

/** A stream that hands out `text` in pieces of `piece` bytes (an upload arriving in small parts). */
function pieces(text: string | Buffer, piece: number): Readable {
  const bytes = Buffer.from(text);
  const parts: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += piece) parts.push(bytes.subarray(i, i + piece));
  return Readable.from(parts, { objectMode: false });
}

async function all(source: Parameters<typeof readCsvRecords>[0], chunkSize?: number): Promise<CsvRecord[]> {
  const out: CsvRecord[] = [];
  for await (const r of readCsvRecords(source, chunkSize === undefined ? {} : { chunkSize })) out.push(r);
  return out;
}

const TEXT = '\uFEFFname,note\r\nann,"two\nlines"\r\n\r\nbob,"say ""hi"""\r\ncat,';

describe('readCsvRecords', () => {
  it('gives each record of a file with the line it starts on, skipping blank lines and the BOM', async () => {
    expect(await all(file(TEXT))).toEqual([
      { line: 1, fields: ['name', 'note'] },
      { line: 2, fields: ['ann', 'two\nlines'] },
      { line: 5, fields: ['bob', 'say "hi"'] },
      { line: 6, fields: ['cat', ''] },
    ]);
  });

  it('reads a stream arriving in pieces of any size exactly as the same bytes in a file', async () => {
    const expected = await all(file(TEXT));
    for (const piece of [1, 2, 3, 7, 64]) {
      for (const chunk of [64, 1 << 20]) expect(await all(pieces(TEXT, piece), chunk)).toEqual(expected);
    }
    expect(await all(createReadStream(file(TEXT)))).toEqual(expected);
  });

  it('keeps blank lines as one empty field when asked to', async () => {
    const got: CsvRecord[] = [];
    for await (const r of readCsvRecords(pieces('a\n\nb\n', 2), { skipBlankLines: false })) got.push(r);
    expect(got).toEqual([
      { line: 1, fields: ['a'] },
      { line: 2, fields: [''] },
      { line: 3, fields: ['b'] },
    ]);
  });

  it('throws CsvSyntaxError naming the line where an unterminated quoted field starts, from a stream too', async () => {
    const text = 'a,b\n1,2\n3,"open\nstill open\n';
    for (const source of [file(text), pieces(text, 3)]) {
      const err = await all(source).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CsvSyntaxError);
      expect((err as CsvSyntaxError).line).toBe(3);
    }
  });

  it('throws as fs does for a missing file', async () => {
    await expect(all(join(dir, 'missing.csv'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('destroys the stream when the loop is left early', async () => {
    const stream = pieces(`a\n${'b\n'.repeat(1000)}`, 1); // far more than one 64-byte read
    for await (const r of readCsvRecords(stream, { chunkSize: 64 })) {
      expect(r.fields).toEqual(['a']);
      break;
    }
    expect(stream.destroyed).toBe(true);
  });

  it('agrees with the reference parser on random CSV text streamed in random pieces (property)', async () => {
    const field = fc.oneof(
      fc
        .string({ unit: fc.constantFrom('a', '1', ' ', 'é', '"'), maxLength: 4 })
        .filter((s) => !s.startsWith('"')),
      fc
        .string({ unit: fc.constantFrom('a', ',', '"', '\n', '\r'), maxLength: 4 })
        .map((s) => `"${s.replace(/"/g, '""')}"`),
    );
    const record = fc.array(field, { minLength: 1, maxLength: 4 }).map((fs) => fs.join(','));
    const text = fc
      .array(fc.tuple(record, fc.constantFrom('\n', '\r\n', '\r')), { minLength: 1, maxLength: 12 })
      .map((recs) => recs.map(([r, t]) => r + t).join(''));
    await fc.assert(
      fc.asyncProperty(
        text,
        fc.integer({ min: 1, max: 9 }),
        fc.integer({ min: 64, max: 200 }),
        async (t, piece, chunk) => {
          const ref = parseCsvReference(t).records.filter((r) => !(r.fields.length === 1 && r.raw === ''));
          expect(await all(pieces(t, piece), chunk)).toEqual(
            ref.map((r) => ({ line: r.line, fields: r.fields })),
          );
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('CsvReader.fromStream', () => {
  it('seeks within the bytes still buffered, and refuses to read a stream again from an earlier place', async () => {
    const rd = CsvReader.fromStream(pieces('a,1\nb,2\n', 3), 64);
    try {
      let r = rd.next();
      while (r === NEED_MORE) {
        await rd.fill();
        r = rd.next();
      }
      expect(r).toBe(RECORD);
      expect(rd.fieldValues()).toEqual(['a', '1']);
      const first = rd.recordOffset;
      expect(rd.next()).toBe(RECORD);
      rd.seek(first); // still in the buffer
      expect(rd.next()).toBe(RECORD);
      expect(rd.fieldValues()).toEqual(['a', '1']);
      expect(rd.size).toBe(Infinity);
    } finally {
      await rd.close();
    }
    const again = CsvReader.fromStream(pieces('x\n'.repeat(100), 50), 64);
    try {
      while (!again.eof) {
        while (again.next() === RECORD);
        await again.fill();
      }
      again.seek(0); // long gone from the buffer
      await expect(again.fill()).rejects.toThrow('a CSV stream is read in order only');
    } finally {
      await again.close();
    }
  });
});
