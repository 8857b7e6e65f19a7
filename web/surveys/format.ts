// Display helpers of the dashboard (pure).

const exact = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

export interface CountText {
  /** What is shown: "9,999", "12.3k", "1.5M". */
  text: string;
  /** The exact number when `text` is shortened (for a tooltip), else undefined. */
  title?: string;
}

const UNITS = [
  { size: 1e9, suffix: 'B' },
  { size: 1e6, suffix: 'M' },
  { size: 1e3, suffix: 'k' },
] as const;

/** Shortened at 10,000 and above to one decimal ("12.3k"), with the exact number for a tooltip. */
export function formatCount(n: number): CountText {
  if (!Number.isFinite(n)) return { text: '—' };
  const abs = Math.abs(n);
  if (abs < 10_000) return { text: exact.format(n) };
  let text = '';
  for (let i = UNITS.length - 1; i >= 0; i--) {
    const unit = UNITS[i]!;
    const bigger = UNITS[i - 1];
    const rounded = Math.round((abs / unit.size) * 10) / 10;
    // 999,960 is "1M", not "1000k".
    if (rounded >= 1000 && bigger !== undefined) continue;
    text = `${rounded.toFixed(1).replace(/\.0$/, '')}${unit.suffix}`;
    break;
  }
  return { text: `${n < 0 ? '-' : ''}${text}`, title: exact.format(n) };
}

/** The mean age to one decimal ("34.5"), or "—" when no one gave an age. */
export function formatAverage(value: number | null | undefined): string {
  return typeof value === 'number' && Number.isFinite(value) ? value.toFixed(1) : '—';
}

/** A share of a total as a whole percentage ("33 %"), "—" for an empty total. */
export function formatShare(part: number, total: number): string {
  if (!(total > 0)) return '—';
  return `${Math.round((part / total) * 100)} %`;
}
