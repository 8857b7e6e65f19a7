// A determinate progress bar (the diff jobs, the uptime reports, uploads).

/** Clamped whole percent. */
export function percent(progress: number | null | undefined): number {
  if (typeof progress !== 'number' || !Number.isFinite(progress)) return 0;
  return Math.max(0, Math.min(100, Math.round(progress)));
}

/** A determinate progress bar with its percentage written next to it. */
export function ProgressBar({
  value,
  label,
  testId,
  tone = 'accent',
}: {
  /** 0–100. */
  value: number;
  /** What is progressing ("Diff progress"). */
  label: string;
  testId?: string;
  tone?: 'accent' | 'muted' | 'danger';
}) {
  const pct = percent(value);
  return (
    <div className={`progress progress--${tone}`}>
      <div
        className="progress__track"
        role="progressbar"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={pct}
        aria-valuetext={`${pct} %`}
        data-testid={testId}
      >
        <div className="progress__bar" style={{ width: `${pct}%` }} />
      </div>
      <span className="progress__value" aria-hidden="true">
        {pct} %
      </span>
    </div>
  );
}
