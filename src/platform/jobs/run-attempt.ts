// One attempt of a job, the same for every adapter: hooks in this thread, the work in a worker thread.
import type { Logger } from 'pino';
import type { Config } from '../../config.js';
import type { Clock } from '../clock.js';
import { errorMessage, maxAttemptsOf, type AnyJobDefinition, type JobAttemptInfo } from './job-queue.js';
import { JobAbortedError, runInThread, type ThreadRun } from './thread-runner.js';

/**
 * `handedBack`: the attempt was aborted because the queue is shutting down (finishOrHandBack). It
 * does not count: the adapter puts the job back as it was before it started (its next run is the
 * same attempt), and onFailed was told it will be retried.
 */
export type AttemptOutcome =
  { ok: true } | { ok: false; error: string; willRetry: boolean; handedBack?: true };

export interface AttemptOptions {
  definition: AnyJobDefinition;
  payload: unknown;
  attempt: number;
  config: Config;
  /** The platform's clock, handed to the thread as JobContext.now. */
  clock: Clock;
  log: Logger;
  /** Called (throttled, in order, awaited) beside the definition's onProgress, e.g. to save progress in the queue. */
  saveProgress?(pct: number): Promise<void>;
  /** Lets the adapter abort the thread on shutdown. */
  track(run: ThreadRun): () => void;
}

export const PROGRESS_INTERVAL_MS = 250;
export const INTERRUPTED = 'interrupted: the process running this job stopped before it finished';
/** The abort reason of the jobs a queue hands back when it shuts down (see finishOrHandBack). */
export const SHUTDOWN = 'interrupted: the job queue was shut down';

/** Runs the hooks and the thread; never throws. onFailed is called before the outcome is returned. */
export async function runAttempt(options: AttemptOptions): Promise<AttemptOutcome> {
  const { definition: def, payload, attempt } = options;
  const info: JobAttemptInfo = { attempt, maxAttempts: maxAttemptsOf(def) };
  const log = options.log.child({ job: def.name, attempt });

  const fail = async (error: string, handedBack = false): Promise<AttemptOutcome> => {
    const willRetry = handedBack || attempt < info.maxAttempts;
    if (handedBack) log.info({ error }, 'job handed back to the queue');
    else log.warn({ error, willRetry }, 'job attempt failed');
    try {
      await def.onFailed?.(payload, error, willRetry, info);
    } catch (err) {
      log.error({ err }, 'onFailed hook threw');
    }
    return handedBack ? { ok: false, error, willRetry, handedBack } : { ok: false, error, willRetry };
  };

  // An attempt past the limit means the last one was interrupted (crash, kill, lost lock).
  if (attempt > info.maxAttempts) {
    const error = INTERRUPTED;
    log.warn({ error }, 'job failed: its last attempt was interrupted');
    try {
      await def.onFailed?.(payload, error, false, {
        attempt: info.maxAttempts,
        maxAttempts: info.maxAttempts,
      });
    } catch (err) {
      log.error({ err }, 'onFailed hook threw');
    }
    return { ok: false, error, willRetry: false };
  }

  let lastSent = -1;
  let lastSentAt = 0;
  let pending: number | undefined;
  let chain = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;
  const send = (pct: number) => {
    lastSent = pct;
    lastSentAt = Date.now();
    chain = chain.then(async () => {
      await options.saveProgress?.(pct);
      await def.onProgress?.(payload, pct);
    });
    chain.catch(() => undefined); // surfaced by the final await below
  };
  const onProgress = (pct: number) => {
    if (pct <= lastSent) return;
    const wait = lastSentAt + PROGRESS_INTERVAL_MS - Date.now();
    if (wait <= 0 || pct >= 100) {
      clearTimeout(timer);
      pending = undefined;
      send(pct);
      return;
    }
    pending = pct;
    timer ??= setTimeout(() => {
      timer = undefined;
      if (pending !== undefined && pending > lastSent) send(pending);
      pending = undefined;
    }, wait);
  };

  try {
    if ((await def.onStart?.(payload, info)) === 'gone') {
      log.info('job skipped: the system no longer has it');
      return { ok: true };
    }
    const run = runInThread(def, {
      payload,
      attempt,
      config: options.config,
      clockMs: options.clock.now().getTime(),
      onProgress,
    });
    const untrack = options.track(run);
    let result: unknown;
    try {
      result = await run.result;
    } finally {
      untrack();
      clearTimeout(timer);
      timer = undefined;
    }
    if (lastSent < 100) send(100);
    await chain;
    await def.onCompleted?.(payload, result, info);
    log.debug('job completed');
    return { ok: true };
  } catch (err) {
    clearTimeout(timer);
    await chain.catch(() => undefined);
    return fail(errorMessage(err), err instanceof JobAbortedError && err.message === SHUTDOWN);
  }
}

/**
 * The close of a queue with jobs running: lets `running` (the adapter's running attempts) settle
 * within `timeoutMs`; past it, aborts every run in `runs` with SHUTDOWN, so that each attempt
 * ends as a hand-back, and waits for `running` again.
 */
export async function finishOrHandBack(
  running: Promise<unknown>,
  runs: ReadonlySet<ThreadRun>,
  timeoutMs: number,
  log: Logger,
): Promise<void> {
  let timeout: NodeJS.Timeout | undefined;
  const timedOut = await Promise.race([
    running.then(() => false),
    new Promise<boolean>((resolve) => (timeout = setTimeout(() => resolve(true), timeoutMs))),
  ]);
  clearTimeout(timeout);
  if (!timedOut) return;
  log.warn({ running: runs.size }, 'aborting running jobs on shutdown');
  for (const run of runs) run.abort(SHUTDOWN, 500);
  await running;
}
