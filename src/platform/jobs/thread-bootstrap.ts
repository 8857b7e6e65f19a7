// Entry point of the job threads: runs one job at a time, as the main thread asks, and stays warm
// for the next one (a thread whose job was aborted or crashed is thrown away instead).
import { parentPort } from 'node:worker_threads';
import { createArtifactStore, type ArtifactStore } from '../storage/artifact-store.js';
import type { JobContext, JobFunction } from './job-queue.js';
import type { FromThread, RunRequest, ToThread } from './thread-runner.js';

const port = parentPort!;
const send = (message: FromThread) => port.postMessage(message);
const stores = new Map<string, ArtifactStore>();
let controller: AbortController | undefined;

async function run(request: RunRequest): Promise<void> {
  controller = new AbortController();
  let artifacts = stores.get(request.artifactDir);
  if (!artifacts) stores.set(request.artifactDir, (artifacts = createArtifactStore(request.artifactDir)));
  let lastPct = -1;
  const ctx: JobContext = {
    progress(pct) {
      const whole = Math.max(0, Math.min(100, Math.floor(pct)));
      if (whole > lastPct) {
        lastPct = whole;
        send({ type: 'progress', pct: whole });
      }
    },
    signal: controller.signal,
    attempt: request.attempt,
    artifacts,
  };
  try {
    const mod = (await import(request.moduleHref)) as { default?: unknown };
    if (typeof mod.default !== 'function')
      throw new Error(`${request.moduleHref} has no default export function`);
    const result = await (mod.default as JobFunction<unknown, unknown>)(request.payload, ctx);
    send({ type: 'done', result });
  } catch (err) {
    send({ type: 'error', message: err instanceof Error ? err.message || err.name : String(err) });
  } finally {
    controller = undefined;
  }
}

port.on('message', (message: ToThread) => {
  if (message.type === 'abort') controller?.abort(new Error(message.reason));
  else void run(message);
});
