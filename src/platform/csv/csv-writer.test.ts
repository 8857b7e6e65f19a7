import { Readable, Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { CsvWriter, csvField, csvLine } from './csv-writer.js';
import { readCsvRecords } from './records.js';

describe('csvField / csvLine', () => {
  it('quotes a value only when it holds a comma, a quote or a line break, doubling its quotes', () => {
    expect(csvField('plain text')).toBe('plain text');
    expect(csvField('')).toBe('');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField('cr\ronly')).toBe('"cr\ronly"');
    expect(csvLine(['a', 'b,c', ''])).toBe('a,"b,c",\n');
  });

  it('writes records that read back as the same fields', async () => {
    const rows = [
      ['id', 'note'],
      ['1', 'Paris, "Île-de-France"'],
      ['2', 'line\r\nbreak'],
      ['3', ''],
    ];
    const got: string[][] = [];
    for await (const r of readCsvRecords(Readable.from([rows.map(csvLine).join('')]))) got.push(r.fields);
    expect(got).toEqual(rows);
  });
});

describe('CsvWriter', () => {
  it('waits for the stream to drain when it is full and ends it once everything is written', async () => {
    const written: string[] = [];
    let drains = 0;
    const out = new Writable({
      highWaterMark: 8,
      write(chunk: Buffer, _enc, done) {
        written.push(chunk.toString());
        setImmediate(done);
      },
    });
    out.on('drain', () => drains++);
    const w = new CsvWriter(out);
    for (let i = 0; i < 20; i++) await w.write([String(i), 'x,y']);
    await w.end();
    expect(written.join('')).toBe(Array.from({ length: 20 }, (_, i) => `${i},"x,y"\n`).join(''));
    expect(drains).toBeGreaterThan(0);
    expect(out.writableFinished).toBe(true);
  });
});
