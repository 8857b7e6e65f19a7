/**
 * Diff engine of the "diffing" system: compares a new CSV export of a metric with the previous one
 * and writes only the rows that are new or whose value changed (plus, separately, the rows that
 * disappeared).
 *
 * PERFORMANCE NOTE — this folder is hand-written on purpose. Inputs are 10⁶–10⁷ rows (0.1–1 GB);
 * the targets are ~1 s and < 200 MB RSS for 1.1M rows (and faster than DuckDB), bounded memory
 * (< 400 MB) at any size. Therefore: no CSV library and no per-row strings on the hot path. Files
 * are read in chunks of 1 MiB (at the default budget) and scanned byte by byte (platform/csv/csv-reader.ts); only key and value
 * fields are touched; values are compared as bytes first and parsed only when the bytes differ
 * (compare.ts).
 * In memory the old file's keys are not stored (fp-table.ts, "keyless"): each old row leaves a 62-bit
 * fingerprint of its key (key-fingerprint.ts), its offset and its length; a fingerprint match is
 * checked by reading the row again (row-window.ts, row-check.ts; keyless-steps.ts), and anything
 * that cannot be settled that way (a collision, a new file in another order) redoes the diff with
 * the KeyTable, which stores the keys (dictionary-encoded) and values in an arena (key-table.ts,
 * keys-in-memory.ts).
 * Re-exports mostly repeat the old rows byte for byte, in the same order: when both files have the
 * same header, a new row is first compared with the raw bytes of the old row the table predicts
 * (the entry after the last one matched), read from the old file a second time; equal bytes mean
 * the same key and value, so the row is unchanged without being parsed further, hashed or looked up
 * (fast-path.ts). Added and changed rows are written as the new file is scanned; deleted rows are
 * copied from the old file at the end.
 * The keyless table's old-file scan, index inserts and fast path run in a native kernel when it was
 * built (native/diff-kernel.cc via native-kernel.ts; it leaves every record that is not a plain
 * one-line row to CsvReader), else in the TypeScript code next to each call.
 * When neither table fits memoryBudgetBytes (by estimate: plan.ts) both files are first split into N
 * partitions, each partition pair is diffed on its own (two at a time with a second thread), and
 * the per-partition sorted offset lists are k-way merged so the output keeps the input order. By
 * default the partitions are keyless (keyless-partitioned.ts): split by fingerprint, the old file's
 * rows leave only their print records (the keyless table's arrays) and are read again from the old
 * file itself, the new file's rows are copied into partition CSV files, and each pair goes through
 * the same keyless steps as the in-memory path. If a partition's keyless table cannot go on, the
 * diff is redone with KeyTable partitions (keys-partitioned.ts: keys and values split by key hash
 * into partition files, partition-files.ts). Both run two partitions at a time with a second thread
 * (partitions.ts, thread-protocol.ts, diff-thread.worker.ts).
 * Measure (npm run bench:diffing; bench/diff-engine-quick.ts) before changing anything here.
 *
 * SEMANTICS
 *  - Output (outPath): the new file's header line (bytes as in the file, including a UTF-8 BOM if
 *    the new file has one), then each new-file row whose key is absent from the old file or whose
 *    value differs, in the new file's order. Row bytes are copied untouched (quoting, number
 *    formatting, embedded newlines); the row TERMINATOR is normalised to the terminator of the new
 *    file's header line ('\r\n' or '\n'; '\n' when the header has none), and the last row always
 *    gets one. deletedPath: the same for rows of the old file whose key is absent from the new file
 *    (old header, old terminator style, old file order).
 *  - Keys compare as exact byte strings after CSV unquoting ("a" ≡ a; empty ≡ empty).
 *  - Values: see compare.ts (identical strings equal — so 'nan' vs 'nan' is unchanged —, else
 *    Python float() + math.isclose(rel_tol=1e-9); anything non-numeric is compared as a string).
 *  - Duplicate keys within one file: the last occurrence wins. For the new file the row is output
 *    (if new/changed) at the position of its LAST occurrence; earlier occurrences are never output.
 *    duplicateKeysOld/New count superseded rows (rows whose key occurs again later), so
 *    rowsNew = added + changed + unchanged + duplicateKeysNew and
 *    rowsOld = changed + unchanged + deleted + duplicateKeysOld. A warning names the first line at
 *    which a key repeats and that key's first line ("first at line 3, repeated at line 8").
 *  - Empty lines anywhere are skipped (they are not rows). Column order may differ between files:
 *    columns are found by name in each file's own header.
 *  - Errors in the input throw DiffInputError (file, path, 1-based physical line where the record
 *    starts, reason); line 0 means "not about a line" (e.g. file missing). Outputs are written to
 *    temp files in tmpDir and renamed into place only on success; on failure they are removed.
 *  - Memory: the in-memory path is used when the keyless table's estimated size (~23 bytes an old
 *    row, 21 a key only in the new file) or the KeyTable's (max of the two files' estimated row
 *    counts × estimated bytes per key) is ≤ memoryBudgetBytes. When only the keyless table fits, it
 *    may grow to 1.15× the budget (estimates are from a sample); beyond that, or when it cannot go
 *    on (see above), the diff is redone partitioned rather than with the KeyTable.
 *
 * No global state: everything lives in the objects created by one runDiff call (safe in workers).
 *
 * LAYOUT: each file imports only files listed before it here (leaves first):
 *   types, tally, progress, bytes, compare, key-fingerprint, native-kernel, key-table, key-encoder,
 *   input, sample, row-window, row-prints, fp-table, row-check, fast-path, keys-in-memory,
 *   keyless-steps, keyless-in-memory, partition-files, offset-files, thread-protocol, partitions,
 *   keys-partitioned, row-scatter, keyless-partitioned, thread-tasks, diff-thread.worker, plan,
 *   run-diff, and this entry.
 */
export { isClose, valuesEqual } from './compare.js';
export { runDiff, runDiffTuned } from './run-diff.js';
export {
  DEFAULT_MEMORY_BUDGET,
  DiffInputError,
  type DiffOptions,
  type DiffSpec,
  type DiffStats,
  type Tuning,
} from './types.js';
