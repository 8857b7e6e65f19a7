// Runs one attempt of a job in a worker thread, so heavy work never blocks the event loop.
// Threads are kept warm between jobs (starting one costs more than many small jobs take).
import type { Worker } from 'node:worker_threads';
import type { Config } from '../../config.js';
import { startModuleThread } from '../threads.js';
import { JobDefinitionError, resolveWorkerModule, type AnyJobDefinition } from './job-queue.js';

export interface RunRequest {
  type: 'run';
  moduleHref: string;
  payload: unknown;
  attempt: number;
  /** The frozen config of this process (structured-cloned into the thread). */
  config: Config;
  /** For the job's log lines. */
  jobName: string;
  /** The platform clock's time when the attempt started (JobContext.now). */
  clockMs: number;
}
export type ToThread = RunRequest | { type: 'abort'; reason: string };
export type FromThread =
  { type: 'progress'; pct: number } | { type: 'done'; result: unknown } | { type: 'error'; message: string };

export class JobAbortedError extends Error {
  override name = 'JobAbortedError';
}

export interface ThreadRun {
  readonly result: Promise<unknown>;
  /** Asks the job to stop (its signal aborts); terminates the thread after `graceMs`. */
  abort(reason: string, graceMs?: number): void;
}

export interface ThreadRunOptions {
  payload: unknown;
  attempt: number;
  config: Config;
  clockMs: number;
  /** Called with whole percents, increasing. */
  onProgress(pct: number): void;
}

const ownExtension = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
const bootstrapUrl = new URL(`./thread-bootstrap${ownExtension}`, import.meta.url);
const IDLE_THREAD_MS = 60_000;
const MAX_IDLE_THREADS = 8;

/** Job threads run the bootstrap, which imports each job's module (TypeScript or not) as the main thread asks. */
function startThread(typescript: boolean, memoryLimitMb: number | undefined): Worker {
  return startModuleThread(
    bootstrapUrl,
    memoryLimitMb ? { resourceLimits: { maxOldGenerationSizeMb: memoryLimitMb } } : {},
    typescript,
  );
}

// Idle threads by kind (TypeScript or not, memory limit). Unref'd: they never keep a process alive.
interface IdleThread {
  worker: Worker;
  timer: NodeJS.Timeout;
  onExit(): void;
}
const idle = new Map<string, IdleThread[]>();

function acquire(
  typescript: boolean,
  memoryLimitMb: number | undefined,
): { worker: Worker; release(): void } {
  const kind = `${typescript}:${memoryLimitMb ?? ''}`;
  const list = idle.get(kind) ?? [];
  idle.set(kind, list);
  const pooled = list.pop();
  if (pooled) {
    clearTimeout(pooled.timer);
    pooled.worker.off('exit', pooled.onExit);
  }
  const worker = pooled?.worker ?? startThread(typescript, memoryLimitMb);
  worker.ref();
  return {
    worker,
    release() {
      if (list.length >= MAX_IDLE_THREADS) {
        void worker.terminate();
        return;
      }
      worker.unref();
      const drop = () => {
        const at = list.indexOf(entry);
        if (at >= 0) list.splice(at, 1);
      };
      const entry: IdleThread = {
        worker,
        timer: setTimeout(() => {
          drop();
          void worker.terminate();
        }, IDLE_THREAD_MS).unref(),
        onExit: drop,
      };
      worker.once('exit', entry.onExit);
      list.push(entry);
    },
  };
}

export function runInThread(definition: AnyJobDefinition, options: ThreadRunOptions): ThreadRun {
  const moduleUrl = resolveWorkerModule(definition.workerModule);
  if (!moduleUrl)
    throw new JobDefinitionError(
      `"${definition.name}": worker module ${definition.workerModule.href} does not exist`,
    );
  const typescript = ownExtension === '.ts' || moduleUrl.pathname.endsWith('.ts');
  const { worker, release } = acquire(typescript, definition.memoryLimitMb);
  let abortReason: string | undefined;
  let killTimer: NodeJS.Timeout | undefined;

  const result = new Promise<unknown>((resolve, reject) => {
    const cleanup = () => {
      clearTimeout(killTimer);
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
    };
    const fail = (err: Error) => reject(abortReason === undefined ? err : new JobAbortedError(abortReason));
    const onMessage = (message: FromThread) => {
      if (message.type === 'progress') return options.onProgress(message.pct);
      cleanup();
      // An aborted job may have left work running in its thread: never reuse that thread.
      if (abortReason === undefined) release();
      else void worker.terminate();
      if (message.type === 'done') resolve(message.result);
      else fail(new Error(message.message));
    };
    const onError = (err: Error) => {
      cleanup();
      void worker.terminate();
      fail(err);
    };
    const onExit = (code: number) => {
      cleanup();
      fail(new Error(`the job's worker thread exited with code ${code}`));
    };
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
  });
  worker.postMessage({
    type: 'run',
    moduleHref: moduleUrl.href,
    payload: options.payload,
    attempt: options.attempt,
    config: options.config,
    jobName: definition.name,
    clockMs: options.clockMs,
  } satisfies ToThread);

  return {
    result,
    abort(reason, graceMs = 1000) {
      if (abortReason !== undefined) return;
      abortReason = reason;
      worker.postMessage({ type: 'abort', reason } satisfies ToThread);
      killTimer = setTimeout(() => void worker.terminate(), graceMs);
      killTimer.unref();
    },
  };
}
