// The scale-out JobQueue: BullMQ on Redis. `quintet serve` only enqueues; `quintet worker` (on any
// number of machines) runs the jobs, with the same thread runner and hooks as the in-process queue.
import { Queue, UnrecoverableError, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Config } from '../../config.js';
import { DomainError } from '../errors.js';
import { systemClock, type Clock } from '../clock.js';
import {
  assertDelay,
  assertJobName,
  backoffDelayMs,
  checkJobDefinitions,
  DEFAULT_CLOSE_TIMEOUT_MS,
  MAX_ATTEMPTS_LIMIT,
  type AnyJobDefinition,
  type CloseOptions,
  type EnqueueOptions,
  type JobQueue,
} from './job-queue.js';
import { runAttempt } from './run-attempt.js';
import type { ThreadRun } from './thread-runner.js';

export interface BullMqQueueOptions {
  redisUrl: string;
  log: Logger;
  /** Handed to job threads (artifact store, database, settings). */
  config: Config;
  /** The platform's clock, handed to job threads (JobContext.now); default the system clock. */
  clock?: Clock;
  /** Jobs of one name a worker process runs at a time. */
  concurrency: number;
  retentionDays: number;
  /** Redis key prefix (default `quintet`); tests use their own. */
  prefix?: string;
  /** How soon a job whose worker died is handed to another worker (BullMQ lock duration; default 30 s). */
  lockDurationMs?: number;
}

/** BullMQ job ids may not be integers nor contain ':'; this keeps keys distinct and legal. */
export function bullJobId(key: string): string {
  return `k_${key.replace(/%/g, '%25').replace(/:/g, '%3A')}`;
}

const BACKOFF_TYPE = 'quintet';

const unavailable = () =>
  new DomainError('unavailable', 'the job queue (Redis) is unavailable; try again shortly');

export function createBullMqQueue(options: BullMqQueueOptions): JobQueue {
  const log = options.log.child({ component: 'jobs', adapter: 'bullmq' });
  const prefix = options.prefix ?? 'quintet';
  const retentionSeconds = options.retentionDays * 86_400;
  const jobOptions = {
    // The worker stops retrying at the definition's maxAttempts (UnrecoverableError); this is a ceiling.
    attempts: MAX_ATTEMPTS_LIMIT,
    backoff: { type: BACKOFF_TYPE },
    removeOnComplete: { age: retentionSeconds },
    removeOnFail: { age: retentionSeconds },
  };
  let connection: Redis | undefined;
  let producerConnection: Redis | undefined;
  const queues = new Map<string, Queue>();
  const workers: Worker[] = [];
  const runs = new Set<ThreadRun>();
  let closed = false;
  let closing: Promise<void> | undefined;
  /** The definitions this process runs (set by startWorkers). */
  let running: Map<string, AnyJobDefinition> | undefined;
  /** Written once the queue's state is in Redis; a Redis without it has lost (or never had) it. */
  const stateKey = `${prefix}:queue-state`;
  let restoring: Promise<void> = Promise.resolve();

  // Both created on first use, so a process that never touches jobs never connects to Redis.
  // Workers wait for Redis as long as it takes (their commands queue up while it is away).
  function redis(): Redis {
    if (!connection) {
      connection = watched(
        new Redis(options.redisUrl, { maxRetriesPerRequest: null, connectionName: `${prefix}:workers` }),
      );
      // Back after an outage: Redis may have come back empty (restarted without persistence).
      connection.on('ready', () => void restoreIfLost());
    }
    return connection;
  }
  // Enqueueing fails at once while Redis is away (no offline queue), so a request answers 503
  // instead of hanging until Redis comes back.
  function producer(): Redis {
    producerConnection ??= watched(
      new Redis(options.redisUrl, {
        maxRetriesPerRequest: 1,
        enableOfflineQueue: false,
        connectionName: `${prefix}:producer`,
      }),
    );
    return producerConnection;
  }
  function watched(redis: Redis): Redis {
    let down = false;
    redis.on('error', (err) => {
      if (!down && !closed) log.warn({ err: err.message }, 'Redis connection lost; reconnecting');
      down = true;
    });
    redis.on('ready', () => {
      if (down) log.info('Redis connection back');
      down = false;
    });
    return redis;
  }

  /** Waits up to `ms` for the producer connection (just created, or reconnecting). */
  async function producerReady(ms = 3000): Promise<void> {
    const redis = producer();
    if (redis.status === 'ready') return;
    let onReady: (() => void) | undefined;
    let timer: NodeJS.Timeout | undefined;
    const ok = await new Promise<boolean>((resolve) => {
      onReady = () => resolve(true);
      timer = setTimeout(() => resolve(false), ms);
      redis.once('ready', onReady);
    });
    clearTimeout(timer);
    redis.off('ready', onReady!);
    if (!ok) throw unavailable();
  }

  function queue(name: string): Queue {
    let q = queues.get(name);
    if (!q) {
      q = new Queue(name, { connection: producer(), prefix });
      // While Redis is away every reconnect attempt is an 'error' here; watched() said so once.
      q.on('error', (err) => {
        if (producer().status === 'ready') log.error({ err, queue: name }, 'queue error');
      });
      queues.set(name, q);
    }
    return q;
  }

  /** One job scheduler per scheduled definition, named after it: every process upserts the same one. */
  async function upsertSchedulers(definitions: Map<string, AnyJobDefinition>): Promise<void> {
    for (const definition of definitions.values()) {
      if (!definition.schedule) continue;
      await queue(definition.name).upsertJobScheduler(
        definition.name,
        { every: definition.schedule.everyMs },
        { name: definition.name, data: definition.schedule.payload ?? null, opts: jobOptions },
      );
    }
  }

  /**
   * When Redis holds no queue state (it restarted empty, was flushed, or is new), puts back what the
   * database says is owed: the schedulers and every system's unfinished jobs, under their keys, so
   * whatever Redis still has is left as it is. Runs at worker start and after every reconnect, one
   * at a time; several workers doing it at once enqueue each job once. The state key is written only
   * after everything is back, so a restore cut short by another outage runs again.
   */
  function restoreIfLost(): Promise<void> {
    restoring = restoring.then(async () => {
      const definitions = running;
      if (!definitions || closed) return;
      try {
        if ((await redis().exists(stateKey)) === 1) return;
        await producerReady(10_000);
        await upsertSchedulers(definitions);
        let restored = 0;
        for (const definition of definitions.values()) {
          for (const job of (await definition.unfinished?.()) ?? []) {
            await queue(definition.name).add(definition.name, job.payload ?? null, {
              jobId: bullJobId(job.key),
              ...jobOptions,
            });
            restored++;
          }
        }
        await redis().set(stateKey, new Date().toISOString());
        if (restored)
          log.warn(
            { jobs: restored },
            'Redis held no job queue: unfinished jobs enqueued again from the database',
          );
      } catch (err) {
        if (closed) return;
        log.warn({ err: (err as Error).message }, 'could not restore the job queue; trying again in 5 s');
        setTimeout(() => void restoreIfLost(), 5000).unref();
      }
    });
    return restoring;
  }

  function startWorker(definition: AnyJobDefinition): Worker {
    const worker = new Worker(
      definition.name,
      async (job: Job) => {
        const outcome = await runAttempt({
          definition,
          payload: job.data,
          // attemptsStarted counts this start and starts that stalled (worker died): those count too.
          attempt: Math.max(1, job.attemptsStarted),
          config: options.config,
          clock: options.clock ?? systemClock,
          log,
          saveProgress: (pct) => job.updateProgress(pct),
          track(run) {
            runs.add(run);
            return () => runs.delete(run);
          },
        });
        if (outcome.ok) return null; // results live in artifacts and the system's tables, not in Redis
        throw outcome.willRetry ? new Error(outcome.error) : new UnrecoverableError(outcome.error);
      },
      {
        connection: redis(),
        prefix,
        concurrency: options.concurrency,
        // Retries and interruptions are counted by runAttempt against the definition's maxAttempts.
        maxStalledCount: MAX_ATTEMPTS_LIMIT,
        lockDuration: options.lockDurationMs ?? 30_000,
        // A job whose lock lapsed is found on the next check: checking as often as the lock lives
        // hands a dead worker's job over within about two lock durations.
        stalledInterval: options.lockDurationMs ?? 30_000,
        settings: { backoffStrategy: (attemptsMade: number) => backoffDelayMs(definition, attemptsMade) },
      },
    );
    worker.on('error', (err) => {
      if (!closed && redis().status === 'ready') log.error({ err, queue: definition.name }, 'worker error');
    });
    return worker;
  }

  return {
    kind: 'bullmq',

    async enqueue(name, payload, enqueueOptions: EnqueueOptions = {}) {
      if (closed) throw new Error('the job queue is closed');
      assertJobName(name);
      const delay = assertDelay(enqueueOptions.delayMs);
      await producerReady();
      try {
        await queue(name).add(name, payload ?? null, {
          ...(enqueueOptions.key === undefined ? {} : { jobId: bullJobId(enqueueOptions.key) }),
          ...(delay > 0 ? { delay } : {}),
          ...jobOptions,
        });
      } catch (err) {
        if (producer().status !== 'ready') throw unavailable();
        throw err;
      }
    },

    async ping() {
      try {
        await producerReady(1000);
        return (await producer().ping()) === 'PONG';
      } catch {
        return false;
      }
    },

    async startWorkers(defs) {
      if (closed) throw new Error('the job queue is closed');
      if (workers.length) throw new Error('workers are already started');
      const definitions = checkJobDefinitions(defs);
      running = definitions;
      for (const definition of definitions.values()) workers.push(startWorker(definition));
      await Promise.all(workers.map((w) => w.waitUntilReady()));
      // The schedulers run once per period however many workers there are (one per name).
      await upsertSchedulers(definitions);
      await restoreIfLost();
      log.info({ jobs: [...definitions.keys()], concurrency: options.concurrency }, 'job workers started');
    },

    close(closeOptions: CloseOptions = {}) {
      closing ??= (async () => {
        closed = true;
        const timeoutMs = closeOptions.timeoutMs ?? DEFAULT_CLOSE_TIMEOUT_MS;
        let timeout: NodeJS.Timeout | undefined;
        const closingWorkers = Promise.all(workers.map((w) => w.close()));
        const timedOut = await Promise.race([
          closingWorkers.then(() => false),
          new Promise<boolean>((resolve) => (timeout = setTimeout(() => resolve(true), timeoutMs))),
        ]);
        clearTimeout(timeout);
        if (timedOut) {
          // The aborted attempts fail and go back to BullMQ for a retry (another worker may take them).
          log.warn({ running: runs.size }, 'aborting running jobs on shutdown');
          for (const run of runs) run.abort('interrupted: the job queue was shut down', 500);
          await closingWorkers;
        }
        await Promise.all([...queues.values()].map((q) => q.close()));
        for (const redis of [connection, producerConnection])
          if (redis) await redis.quit().catch(() => redis.disconnect());
      })();
      return closing;
    },
  };
}
