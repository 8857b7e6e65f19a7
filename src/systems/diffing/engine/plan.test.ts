import { describe, expect, it } from 'vitest';
import { planPartitionCount } from './plan.js';

describe('planPartitionCount', () => {
  it('plans at least 2 partitions and more when the need exceeds the budget', () => {
    expect(planPartitionCount(10, 1000)).toBe(2);
    expect(planPartitionCount(10_000, 1000)).toBe(20);
  });
});
