// An import's summary as lines of text, for the command line.
import type { QuarterSummary } from './importer.js';

/** Writes the summary; returns true when a file failed (the command then exits with 1). */
export function printSummary(summary: QuarterSummary, write: (line: string) => void): boolean {
  let failed = false;
  for (const f of summary.files) {
    const head = `quarter ${summary.quarter} ${f.kind ?? 'file'} ${f.fileName}:`;
    if (f.status === 'failed') failed = true;
    if (f.status !== 'loaded' && f.rowsRead === 0) {
      write(`${head} ${f.status}: ${f.error ?? ''}`.trimEnd());
      continue;
    }
    write(
      `${head} ${f.status}${f.error ? ` (${f.error})` : ''}: read ${f.rowsRead} rows, loaded ${f.rowsLoaded}, ` +
        `skipped ${f.rowsSkipped} already imported, rejected ${f.rowsRejected}, warnings ${f.warnings}`,
    );
    for (const r of f.rejectedExamples) write(`  rejected line ${r.line}: ${r.reason}`);
    if (f.rowsRejected > f.rejectedExamples.length)
      write(`  … and ${f.rowsRejected - f.rejectedExamples.length} more rejected rows`);
    for (const w of f.warningExamples) write(`  warning line ${w.line}: ${w.reason}`);
    if (f.warnings > f.warningExamples.length)
      write(`  … and ${f.warnings - f.warningExamples.length} more warnings`);
  }
  const c = summary.collections;
  if (c) {
    const rules = Object.entries(c.rules)
      .filter(([, n]) => n > 0)
      .map(([rule, n]) => `${rule} ${n}`)
      .join(', ');
    write(
      `quarter ${summary.quarter}: ${c.campaigns} collections rebuilt (${rules}); collections version ${c.version}`,
    );
  } else {
    write(`quarter ${summary.quarter}: nothing new, collections unchanged`);
  }
  return failed;
}
