// Progress of one diff, reported as whole percents only (a job saves each one).

export class Progress {
  private last = -1;
  constructor(private readonly cb: ((f: number) => void) | undefined) {}

  /** Reports lo + (hi - lo) * part (part 0..1); only when the whole percent increases. */
  at(lo: number, hi: number, part: number): void {
    if (!this.cb) return;
    const f = lo + (hi - lo) * Math.min(1, Math.max(0, Number.isFinite(part) ? part : 1));
    const pct = Math.floor(f * 100 + 1e-9);
    if (pct > this.last) {
      this.last = pct;
      this.cb(pct / 100);
    }
  }
}
