// Writing CSV: a value quoted only when it must be (RFC 4180, the dialect csv-reader.ts reads), a
// record as a line, and a writer over a stream that waits when the stream is full.
import { once } from 'node:events';
import type { Writable } from 'node:stream';

/** A field as CSV: quoted (with doubled quotes) when it holds a comma, a quote or a line break. */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** A record as one CSV line, '\n' included. */
export function csvLine(fields: readonly string[]): string {
  return `${fields.map(csvField).join(',')}\n`;
}

/** Writes records to a stream, one line each, waiting for 'drain' when the stream asks to. */
export class CsvWriter {
  constructor(private readonly out: Writable) {}

  async write(fields: readonly string[]): Promise<void> {
    if (!this.out.write(csvLine(fields))) await once(this.out, 'drain');
  }

  /** Ends the stream and waits until everything is written. */
  async end(): Promise<void> {
    this.out.end();
    if (!this.out.writableFinished) await once(this.out, 'finish');
  }
}
