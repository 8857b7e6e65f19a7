import cliProgress from 'cli-progress';

/** A CLI failure reported as one line (no stack trace), exit code 2. */
export class CliError extends Error {}

/** A progress bar on stderr when it is a terminal; otherwise a line every 10 %. */
export function progressBar(label: string, total: number): { update(done: number): void; stop(): void } {
  if (process.stderr.isTTY) {
    const bar = new cliProgress.SingleBar(
      {
        format: `${label} [{bar}] {percentage}% | {value}/{total} | {duration_formatted}`,
        stream: process.stderr,
        hideCursor: true,
      },
      cliProgress.Presets.shades_classic,
    );
    bar.start(total, 0);
    return { update: (done) => bar.update(done), stop: () => bar.stop() };
  }
  let lastDecile = 0; // "0%" says nothing: the first line is at 10 %
  return {
    update(done) {
      const decile = total === 0 ? 10 : Math.floor((done / total) * 10);
      if (decile !== lastDecile) {
        lastDecile = decile;
        process.stderr.write(`${label}: ${decile * 10}% (${done}/${total})\n`);
      }
    },
    stop() {},
  };
}

/** A commander argument parser for whole numbers ≥ 1; the error names the option. */
export function positiveInt(name: string) {
  return (value: string): number => {
    if (!/^\d+$/.test(value) || Number(value) < 1) {
      throw new CliError(`${name} must be a whole number of at least 1, got "${value}"`);
    }
    return Number(value);
  };
}
