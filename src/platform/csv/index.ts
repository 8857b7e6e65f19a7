/**
 * Streaming CSV for every system. One dialect throughout (Python's csv module with its defaults:
 * ',' between fields, '\n', '\r\n' or '\r' after a record, a field that starts with '"' is quoted,
 * a UTF-8 BOM skipped), and nothing held whole in memory.
 *
 * Reading records as strings (imports, uploads):
 *   for await (const { line, fields } of readCsvRecords(pathOrStream)) ...
 * Headers: readCsvHeader(path) reads a file's first record, parseFirstRecord(text) one already in
 * memory (pure, for pages too: header-line.ts), matchColumns(header, names) finds columns by name
 * and names the missing or repeated ones.
 * Writing: csvField / csvLine quote a value / a record, CsvWriter writes records to a stream.
 *
 * Hot paths (millions of rows, no string per row) use CsvReader itself: field boundaries into its
 * chunk (see csv-reader.ts), with BufferedWriter, splitRecord and unquoteInto beside it.
 */
export { fileSource, streamSource, type ByteSource } from './byte-source.js';
export { BufferedWriter } from './buffered-writer.js';
export {
  CsvReader,
  CsvSyntaxError,
  DEFAULT_CHUNK,
  END,
  NEED_MORE,
  RECORD,
  type ScanResult,
} from './csv-reader.js';
export { CsvWriter, csvField, csvLine } from './csv-writer.js';
export { splitRecord, unquoteInto } from './fields.js';
export { HEADER_BYTES, matchColumns, parseFirstRecord, type ColumnMatch } from './header-line.js';
export { readCsvHeader } from './read-csv-header.js';
export { readCsvRecords, type CsvRecord, type ReadCsvOptions } from './records.js';
