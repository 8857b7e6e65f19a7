import { describe, expect, it } from 'vitest';
import { parseQuarter, quarterAt, requireQuarter } from './quarter.js';

describe('quarterAt', () => {
  it('switches datasets exactly at minutes 15, 30 and 45 (UTC)', () => {
    expect(quarterAt(new Date('2026-12-03T10:00:00.000Z'))).toBe(1);
    expect(quarterAt(new Date('2026-12-03T10:14:59.999Z'))).toBe(1);
    expect(quarterAt(new Date('2026-12-03T10:15:00.000Z'))).toBe(2);
    expect(quarterAt(new Date('2026-12-03T10:29:59.999Z'))).toBe(2);
    expect(quarterAt(new Date('2026-12-03T10:30:00.000Z'))).toBe(3);
    expect(quarterAt(new Date('2026-12-03T10:44:59.999Z'))).toBe(3);
    expect(quarterAt(new Date('2026-12-03T10:45:00.000Z'))).toBe(4);
    expect(quarterAt(new Date('2026-12-03T10:59:59.999Z'))).toBe(4);
  });

  it('reads the UTC clock, whatever the offset of a zone (India is UTC+05:30)', () => {
    expect(quarterAt(new Date('2026-12-03T16:14:59.999+05:30'))).toBe(3); // 10:44:59.999Z
  });
});

describe('parseQuarter / requireQuarter', () => {
  it('accepts 1–4 only', () => {
    expect(parseQuarter('3')).toBe(3);
    for (const bad of ['0', '5', '1.0', 'one', '', '12']) expect(parseQuarter(bad)).toBeUndefined();
    expect(() => requireQuarter('7', '--quarter')).toThrow('--quarter must be 1, 2, 3 or 4, got "7"');
  });
});
