// Display helpers for job numbers.

import { formatCount } from '../ui/format.js';

export { formatCount, formatDuration } from '../ui/format.js';

/** "1 row", "2 rows", "— rows": a count with its noun in the right number. */
export function countOf(n: number | null | undefined, singular: string, plural = `${singular}s`): string {
  return `${formatCount(n)} ${n === 1 ? singular : plural}`;
}

/** "Showing 20 of 1,234 changed rows.", "1 new row.", "No deleted rows." */
export function previewCount(shown: number, total: number, noun: string): string {
  if (total === 0) return `No ${noun}s.`;
  if (shown >= total) return `${countOf(total, noun)}.`;
  return `Showing ${formatCount(shown)} of ${countOf(total, noun)}.`;
}

/** Bytes as megabytes (2²⁰ bytes), one decimal: "187.4 MB". */
export function formatMegabytes(bytes: number | null | undefined): string {
  if (typeof bytes !== 'number' || !Number.isFinite(bytes) || bytes < 0) return '—';
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

/** A file size for humans: "812 bytes", "14.2 KB", "1.3 GB". */
export function formatFileSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} byte${bytes === 1 ? '' : 's'}`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

/** "a, b and c". */
export function listWords(words: readonly string[]): string {
  if (words.length <= 1) return words.join('');
  return `${words.slice(0, -1).join(', ')} and ${words[words.length - 1]}`;
}
