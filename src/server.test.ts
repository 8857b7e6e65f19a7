import { describe, expect, it } from 'vitest';
import { jobGraceMs, STOP_RESERVE_MS, STOP_TIMEOUT_MS } from './server.js';

describe('jobGraceMs', () => {
  const start = 1_000_000;
  const deadline = start + STOP_TIMEOUT_MS;

  it('gives running jobs the configured grace when it fits before the forced exit', () => {
    expect(jobGraceMs(5000, deadline, start)).toBe(5000);
  });

  it('cuts the grace when closing the server took time, keeping the reserve for the hand-back', () => {
    const now = start + 4000; // the HTTP drain took 4 s
    expect(jobGraceMs(8000, deadline, now)).toBe(STOP_TIMEOUT_MS - 4000 - STOP_RESERVE_MS);
  });

  it('gives none when the deadline is (nearly) here', () => {
    expect(jobGraceMs(5000, deadline, deadline - 100)).toBe(0);
  });
});
