// Worker thread of the diff engine's partitioned paths (started by partitions.ts DiffThread): runs the
// tasks it is sent (split one file into partitions, diff one partition pair) one at a time and replies
// to each.
import { parentPort } from 'node:worker_threads';
import { toThreadError, type ThreadReply, type ThreadTask } from './thread-protocol.js';
import { runThreadTask } from './thread-tasks.js';

const port = parentPort;
if (!port) throw new Error('diff-thread.worker.ts must run in a worker thread');

port.on('message', (m: { id: number; task: ThreadTask }) => {
  runThreadTask(m.task).then(
    (result) => port.postMessage({ id: m.id, ok: true, result } satisfies ThreadReply),
    (e: unknown) => port.postMessage({ id: m.id, ok: false, error: toThreadError(e) } satisfies ThreadReply),
  );
});
