// Runs one task of the partitioned paths: in the second thread (diff-thread.worker.ts) or inline.
import type { ThreadResult, ThreadTask } from './thread-protocol.js';
import { diffPartitionTask, splitTask } from './keys-partitioned.js';
import { diffKeylessPartitionTask, keylessSplitTask } from './keyless-partitioned.js';

/** Runs one task of the threaded partitioned path (in diff-thread.worker.ts, or inline). */
export function runThreadTask(task: ThreadTask): Promise<ThreadResult> {
  switch (task.kind) {
    case 'split':
      return splitTask(task);
    case 'partition':
      return diffPartitionTask(task);
    case 'ksplit':
      return keylessSplitTask(task);
    case 'kpartition':
      return diffKeylessPartitionTask(task);
  }
}
