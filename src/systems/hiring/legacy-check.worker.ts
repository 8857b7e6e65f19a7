// Reads and checks legacy rows in a worker thread, so the main thread only does the database work:
// the two overlap, and a 500,000-row import takes about half as long. A few batches may be in
// flight; the main thread asks for more as it consumes them.
import { parentPort, workerData } from 'node:worker_threads';
import { checkAndPack, type FromChecker } from './legacy.js';
import { openLegacyFile } from './legacy-source.js';

const port = parentPort!;
const { file, pageSize, inFlight } = workerData as { file: string; pageSize: number; inFlight: number };

let credits = inFlight;
let wake: (() => void) | undefined;
port.on('message', () => {
  credits++;
  wake?.();
});

try {
  const source = await openLegacyFile(file, pageSize, { threaded: false });
  try {
    for await (const batch of source.batches()) {
      while (credits === 0) await new Promise<void>((resolve) => (wake = resolve));
      credits--;
      port.postMessage({ type: 'batch', rows: checkAndPack(batch) } satisfies FromChecker);
    }
  } finally {
    await source.close();
  }
  port.postMessage({ type: 'done' } satisfies FromChecker);
} catch (err) {
  port.postMessage({
    type: 'error',
    message: err instanceof Error ? err.message : String(err),
  } satisfies FromChecker);
}
