// The JobQueue port. Systems declare JobDefinitions and enqueue by name; they never learn whether
// the in-process adapter (rows in the database) or the BullMQ adapter (Redis) runs them.
import type { Logger } from 'pino';
import type { Config } from '../../config.js';
import type { AnyDb, NativeHandle } from '../db/database.js';
import type { ArtifactStore } from '../storage/artifact-store.js';
import { resolveModuleFile } from '../threads.js';

/** What the job function in the worker thread is handed besides its payload. */
export interface JobContext {
  /** Reports progress, 0–100; cheap to call often (the thread forwards whole-percent changes only). */
  progress(pct: number): void;
  /** Aborted when the queue shuts down mid-job; long loops should check it. */
  readonly signal: AbortSignal;
  /** 1 on the first run, 2 on the first retry, … */
  readonly attempt: number;
  /** The artifact store of the process running the job (same ARTIFACT_DIR). */
  readonly artifacts: ArtifactStore;
  /**
   * The platform's clock as the thread sees it: its time when the attempt started (pinned in
   * tests) plus the time since. Use it wherever "now" matters (retention cutoffs, report times).
   */
  now(): Date;
  /** The frozen config of the process running the job: the platform's and every system's settings. */
  readonly config: Config;
  /** A logger for this job, at the process's LOG_LEVEL. */
  readonly log: Logger;
  /**
   * A read-only database handle of the thread's own (a read-only SQLite connection, or a small
   * PostgreSQL pool in read-only transactions), opened on first use and kept for the thread's
   * next jobs: a job reads millions of rows here without touching the event loop of the process.
   * Writes belong in the definition's hooks, which run in the main thread.
   */
  readonly db: AnyDb;
  /** The driver under `db` (same connection or pool), for a job's measured hot reads (see Database.native). */
  readonly native: NativeHandle;
}

/** The default export of a job's worker module. Payload and result must be JSON-serialisable. */
export type JobFunction<P, R> = (payload: P, ctx: JobContext) => Promise<R>;

export interface JobAttemptInfo {
  readonly attempt: number;
  readonly maxAttempts: number;
}

/**
 * One kind of job, declared by a system. The work runs in a worker thread (`workerModule`); the
 * hooks run in the main thread of the process running the job, with database access: that is how a
 * system keeps status, progress, timings and errors in its own tables so any instance can answer a poll.
 * Jobs must be idempotent: an attempt interrupted by a crash or shutdown runs again.
 */
export interface JobDefinition<P, R> {
  /** `<system>.<job>`, e.g. `diffing.diff`. */
  readonly name: string;
  /**
   * Module whose default export is a JobFunction. Write `new URL('./x.worker.js', import.meta.url)`:
   * the `.ts` sibling is used when running from sources (tsx, tests).
   */
  readonly workerModule: URL;
  /**
   * Attempts in all, counting interrupted ones (a crash, a lost lock) but not the hand-backs of a
   * queue shutting down (1–100, default 3).
   */
  readonly maxAttempts?: number;
  /** Delay before the first retry, doubled for each later one (default 1000 ms, capped at 5 minutes). */
  readonly backoffMs?: number;
  /** V8 old-generation limit for the worker thread. */
  readonly memoryLimitMb?: number;
  /**
   * Runs the job by itself every `everyMs` (with this payload), once per period whichever and
   * however many processes run workers: BullMQ job schedulers, or keyed rows in-process.
   */
  readonly schedule?: { readonly everyMs: number; readonly payload?: P };
  /**
   * The jobs of this kind the system still waits for (its rows queued or running), each as it was
   * enqueued. A BullMQ worker enqueues them again when it finds Redis without the queue's state (a
   * Redis restarted with no persistence, or flushed): their keys make that a no-op for every job
   * Redis still holds. The in-process queue keeps its jobs in the database and never asks.
   */
  unfinished?(): Promise<Array<{ payload: P; key: string }>>;
  /**
   * Before the thread starts. Resolving to `'gone'` says the system no longer has this job (its row
   * was removed: an enqueue whose reply was lost, so the request undid the row though the queue kept
   * the job; a job deleted while it waited): the attempt then ends as done, with no thread and no
   * other hook, instead of working for nobody.
   */
  onStart?(payload: P, info: JobAttemptInfo): Promise<void | 'gone'>;
  /** Throttled: whole percents, at most every 250 ms, always ending with 100 on success. */
  onProgress?(payload: P, pct: number): Promise<void>;
  onCompleted?(payload: P, result: R, info: JobAttemptInfo): Promise<void>;
  onFailed?(payload: P, error: string, willRetry: boolean, info: JobAttemptInfo): Promise<void>;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyJobDefinition = JobDefinition<any, any>;

/** Identity function that infers P and R for a definition. */
export function defineJob<P, R>(definition: JobDefinition<P, R>): JobDefinition<P, R> {
  return definition;
}

export interface EnqueueOptions {
  /** Enqueueing a key that is already queued, running or kept (retention) does nothing. */
  key?: string;
  /** The job runs no sooner than this many milliseconds from now. */
  delayMs?: number;
}

export interface CloseOptions {
  /** How long running jobs may finish before they are aborted (default 5000 ms). */
  timeoutMs?: number;
}

export interface JobQueue {
  readonly kind: 'in-process' | 'bullmq';
  enqueue<P>(name: string, payload: P, options?: EnqueueOptions): Promise<void>;
  /**
   * Runs jobs of these kinds in this process (checked first: names, duplicates, worker modules).
   * In-process: `quintet serve` calls it. BullMQ: only `quintet worker` does.
   */
  startWorkers(definitions: readonly AnyJobDefinition[]): Promise<void>;
  /** true when the queue's backend answers (Redis for BullMQ; the in-process queue lives in the database). */
  ping(): Promise<boolean>;
  /**
   * Stops taking jobs, lets running ones finish within the timeout, then aborts them and hands them
   * back to the queue (the attempt does not count). Idempotent.
   */
  close(options?: CloseOptions): Promise<void>;
}

/**
 * Enqueues the job of a row the caller has just written, and removes that row again when the queue
 * refuses it (Redis away): the request answers 503 and leaves no job listed as queued that no
 * worker will ever see. The queue's error is what the caller gets, whatever the removal does.
 */
export async function enqueueOrUndo<P>(
  jobs: JobQueue,
  job: { name: string; payload: P; options?: EnqueueOptions },
  undo: () => Promise<unknown>,
): Promise<void> {
  try {
    await jobs.enqueue(job.name, job.payload, job.options);
  } catch (err) {
    await undo().catch(() => undefined);
    throw err;
  }
}

export class JobDefinitionError extends Error {
  override name = 'JobDefinitionError';
}

export const JOB_NAME = /^[a-z][a-z0-9-]*(\.[a-z0-9-]+)+$/;
export const MAX_ATTEMPTS_LIMIT = 100;
export const DEFAULT_MAX_ATTEMPTS = 3;
export const DEFAULT_BACKOFF_MS = 1000;
export const DEFAULT_CLOSE_TIMEOUT_MS = 5000;
/** Shortest period of a scheduled job (tests use short ones; systems use minutes or hours). */
export const MIN_SCHEDULE_MS = 100;
/** Longest delay or period: 30 days. */
export const MAX_DELAY_MS = 30 * 86_400_000;

/** Checks a delay given to enqueue; throws naming the problem. */
export function assertDelay(delayMs: number | undefined): number {
  if (delayMs === undefined) return 0;
  if (!Number.isInteger(delayMs) || delayMs < 0 || delayMs > MAX_DELAY_MS)
    throw new RangeError(`delayMs must be a whole number of milliseconds from 0 to ${MAX_DELAY_MS}`);
  return delayMs;
}

/** The start of the schedule period that contains `atMs` (periods are aligned to the epoch). */
export function periodStart(atMs: number, everyMs: number): number {
  return Math.floor(atMs / everyMs) * everyMs;
}

export function assertJobName(name: string): void {
  if (!JOB_NAME.test(name))
    throw new JobDefinitionError(
      `job name "${name}" must look like "system.job" (lowercase letters, digits, -)`,
    );
}

export function maxAttemptsOf(definition: AnyJobDefinition): number {
  return definition.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
}

/** Delay before the retry that follows failed attempt `attempt` (1-based). */
export function backoffDelayMs(definition: AnyJobDefinition, attempt: number): number {
  const base = definition.backoffMs ?? DEFAULT_BACKOFF_MS;
  return Math.min(base * 2 ** Math.max(0, attempt - 1), 5 * 60_000);
}

/** The file a worker module URL runs from: itself, or its `.ts`/`.js` sibling; undefined when neither exists. */
export const resolveWorkerModule = resolveModuleFile;

/** The boot-time check of a job table; throws JobDefinitionError listing every problem. */
export function checkJobDefinitions(definitions: readonly AnyJobDefinition[]): Map<string, AnyJobDefinition> {
  const problems: string[] = [];
  const byName = new Map<string, AnyJobDefinition>();
  for (const def of definitions) {
    if (!JOB_NAME.test(def.name)) problems.push(`"${def.name}" is not a valid job name (use "system.job")`);
    if (byName.has(def.name)) problems.push(`"${def.name}" is defined twice`);
    if (!(def.workerModule instanceof URL) || !resolveWorkerModule(def.workerModule)) {
      problems.push(`"${def.name}": worker module ${String(def.workerModule)} does not exist`);
    }
    if (def.schedule !== undefined) {
      const every = def.schedule.everyMs;
      if (!Number.isInteger(every) || every < MIN_SCHEDULE_MS || every > MAX_DELAY_MS)
        problems.push(
          `"${def.name}": schedule.everyMs must be a whole number of milliseconds from ${MIN_SCHEDULE_MS} to ${MAX_DELAY_MS}`,
        );
    }
    const max = maxAttemptsOf(def);
    if (!Number.isInteger(max) || max < 1 || max > MAX_ATTEMPTS_LIMIT) {
      problems.push(`"${def.name}": maxAttempts must be a whole number from 1 to ${MAX_ATTEMPTS_LIMIT}`);
    }
    byName.set(def.name, def);
  }
  if (problems.length) throw new JobDefinitionError(`invalid job definitions: ${problems.join('; ')}`);
  return byName;
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message || err.name;
  return String(err);
}
