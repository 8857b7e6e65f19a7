// The scale-out JobQueue: BullMQ on Redis. `quintet serve` only enqueues; `quintet worker` (on any
// number of machines) runs the jobs, with the same thread runner and hooks as the in-process queue.
import { Queue, UnrecoverableError, WaitingError, Worker, type Job } from 'bullmq';
import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from 'pino';
import type { Config } from '../../config.js';
import { DomainError } from '../errors.js';
import { systemClock, type Clock } from '../clock.js';
import { untilReady, watchConnection } from '../redis-connection.js';
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
import { finishOrHandBack, runAttempt } from './run-attempt.js';
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

  /** BullMQ's copies of our connections: each worker gets connections of its own. */
  const copies = new Set<Redis>();
  /** Ours (each says once that it is lost, see watchConnection) and BullMQ's copies of them. */
  function connect(redisOptions: RedisOptions): Redis {
    const redis = watchConnection(new Redis(options.redisUrl, redisOptions), log, () => closed);
    const duplicate = redis.duplicate.bind(redis);
    redis.duplicate = (override) => {
      const copy = duplicate(override);
      copies.add(copy);
      copy.once('end', () => copies.delete(copy));
      return copy;
    };
    return redis;
  }
  /**
   * Whether an error BullMQ reports is worth an error line: not while any connection, ours or a
   * worker's own, is away (every reconnect attempt is an error then; the loss was said once).
   */
  const connected = () =>
    !closed &&
    [connection, producerConnection, ...copies].every((r) => r === undefined || r.status === 'ready');

  // Both created on first use, so a process that never touches jobs never connects to Redis.
  // Workers wait for Redis as long as it takes (their commands queue up while it is away).
  function redis(): Redis {
    if (!connection) {
      connection = connect({ maxRetriesPerRequest: null, connectionName: `${prefix}:workers` });
      // Back after an outage: Redis may have come back empty (restarted without persistence).
      connection.on('ready', () => void restoreIfLost());
    }
    return connection;
  }
  // Enqueueing fails at once while Redis is away (no offline queue), so a request answers 503
  // instead of hanging until Redis comes back.
  function producer(): Redis {
    producerConnection ??= connect({
      maxRetriesPerRequest: 1,
      enableOfflineQueue: false,
      connectionName: `${prefix}:producer`,
    });
    return producerConnection;
  }

  /** Waits up to `ms` for the producer connection (just created, or reconnecting). */
  const producerReady = (ms = 3000) => untilReady(producer(), ms, unavailable);

  function queue(name: string): Queue {
    let q = queues.get(name);
    if (!q) {
      q = new Queue(name, { connection: producer(), prefix });
      q.on('error', (err) => {
        if (connected()) log.error({ err, queue: name }, 'queue error');
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
      async (job: Job, token?: string) => {
        const outcome = await runAttempt({
          definition,
          payload: job.data,
          // Failed attempts and the ones that stalled (their worker died) count; hand-backs do not.
          attempt: job.attemptsMade + job.stalledCounter + 1,
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
        if (outcome.handedBack) {
          // Back to wait as it was: attemptsMade unchanged, so the next run is the same attempt.
          await job.moveToWait(token);
          throw new WaitingError();
        }
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
      if (connected()) log.error({ err, queue: definition.name }, 'worker error');
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
        // The aborted attempts are handed back to BullMQ (another worker may take them).
        await finishOrHandBack(Promise.all(workers.map((w) => w.close())), runs, timeoutMs, log);
        await Promise.all([...queues.values()].map((q) => q.close()));
        for (const redis of [connection, producerConnection])
          if (redis) await redis.quit().catch(() => redis.disconnect());
      })();
      return closing;
    },
  };
}
