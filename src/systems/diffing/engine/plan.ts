// The plan of a diff: which path for which estimate and memory budget (pure: no files).

/** Partition count for an estimated memory need (bytes) and budget; at least 2, at most 512. */
export function planPartitionCount(estimatedNeedBytes: number, budgetBytes: number): number {
  // Factor 2: hash partitions are not perfectly even, and the previous partition's table may not be
  // garbage-collected yet when the next one is allocated.
  const n = Math.ceil((estimatedNeedBytes * 2) / Math.max(1, budgetBytes));
  return Math.min(512, Math.max(2, n));
}
