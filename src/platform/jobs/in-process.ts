// The default JobQueue: rows in platform_jobs, work in worker threads of this process. A restart
// resumes queued rows and retries the ones a dead process left running.
import crypto from 'node:crypto';
import os from 'node:os';
import { sql, type Generated, type Kysely, type Selectable } from 'kysely';
import type { Logger } from 'pino';
import type { Config } from '../../config.js';
import { systemClock, type Clock } from '../clock.js';
import type { AnyDb, Dialect } from '../db/database.js';
import {
  assertDelay,
  assertJobName,
  backoffDelayMs,
  checkJobDefinitions,
  DEFAULT_CLOSE_TIMEOUT_MS,
  errorMessage,
  type AnyJobDefinition,
  type CloseOptions,
  type EnqueueOptions,
  type JobQueue,
  periodStart,
} from './job-queue.js';
import { finishOrHandBack, runAttempt } from './run-attempt.js';
import type { ThreadRun } from './thread-runner.js';

interface JobsTable {
  id: Generated<number>;
  name: string;
  key: string;
  payload: string;
  status: 'queued' | 'running' | 'done' | 'failed';
  attempts: number;
  progress: number;
  last_error: string | null;
  run_after: string;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  locked_by: string | null;
  heartbeat_at: string | null;
}
type JobsDb = Kysely<{ platform_jobs: JobsTable }>;
type JobRow = Selectable<JobsTable>;

export interface InProcessQueueOptions {
  db: AnyDb;
  dialect: Dialect;
  log: Logger;
  /** Handed to job threads (artifact store, database, settings). */
  config: Config;
  /** The platform's clock, handed to job threads (JobContext.now); default the system clock. */
  clock?: Clock;
  concurrency: number;
  retentionDays: number;
  /** How often rows enqueued by other processes are looked for (default 1000 ms). */
  pollIntervalMs?: number;
  /** How often running rows are marked alive (default 5000 ms). */
  heartbeatMs?: number;
  /** A running row whose heartbeat is older than this belongs to a dead process (default 60 s). */
  staleAfterMs?: number;
  /** How often dead processes' rows are requeued and old rows removed (default 10 min). */
  sweepIntervalMs?: number;
  /** Wall time for the queue's bookkeeping; the platform clock is not used, a pinned clock would stall retries. */
  now?: () => Date;
}

export interface InProcessJobQueue extends JobQueue {
  readonly kind: 'in-process';
  /**
   * Requeues rows of dead processes and removes expired rows (a system's own retention job
   * removes its results). Runs on start and periodically.
   */
  sweep(): Promise<void>;
}

/** `host:pid:random`, so a process on the same host can tell whether the owner of a row is alive. */
function processId(): string {
  return `${os.hostname()}:${process.pid}:${crypto.randomBytes(4).toString('hex')}`;
}

function ownerIsDeadHere(lockedBy: string): boolean {
  const [host, pidText] = lockedBy.split(':');
  const pid = Number(pidText);
  if (host !== os.hostname() || !Number.isInteger(pid) || pid <= 0) return false;
  if (pid === process.pid) return false; // another queue of this process: judged by its heartbeat
  try {
    process.kill(pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

export function createInProcessQueue(options: InProcessQueueOptions): InProcessJobQueue {
  const db = options.db as JobsDb;
  const log = options.log.child({ component: 'jobs', adapter: 'in-process' });
  const now = options.now ?? (() => new Date());
  const iso = (offsetMs = 0) => new Date(now().getTime() + offsetMs).toISOString();
  const me = processId();
  const pollIntervalMs = options.pollIntervalMs ?? 1000;
  const heartbeatMs = options.heartbeatMs ?? 5000;
  const staleAfterMs = options.staleAfterMs ?? 60_000;
  const sweepIntervalMs = options.sweepIntervalMs ?? 10 * 60_000;

  let definitions = new Map<string, AnyJobDefinition>();
  let started = false;
  let closed = false;
  let closing: Promise<void> | undefined;
  const timers: NodeJS.Timeout[] = [];
  const wakeTimers = new Set<NodeJS.Timeout>();
  const active = new Set<Promise<void>>();
  const runs = new Set<ThreadRun>();
  let pumping = false;
  let pumpAgain = false;

  async function claim(): Promise<JobRow | undefined> {
    let next = db
      .selectFrom('platform_jobs')
      .select('id')
      .where('status', '=', 'queued')
      .where('run_after', '<=', iso())
      .where('name', 'in', [...definitions.keys()])
      .orderBy('id')
      .limit(1);
    if (options.dialect === 'postgres') next = next.forUpdate().skipLocked();
    const at = iso();
    // The status check on the outer update makes a lost race claim nothing instead of a row twice.
    return db
      .updateTable('platform_jobs')
      .set({
        status: 'running',
        locked_by: me,
        attempts: sql<number>`attempts + 1`,
        started_at: at,
        heartbeat_at: at,
        progress: 0,
      })
      .where('id', '=', next)
      .where('status', '=', 'queued')
      .returningAll()
      .executeTakeFirst();
  }

  async function execute(row: JobRow): Promise<void> {
    const definition = definitions.get(row.name)!;
    const outcome = await runAttempt({
      definition,
      payload: JSON.parse(row.payload) as unknown,
      attempt: row.attempts,
      config: options.config,
      clock: options.clock ?? systemClock,
      log,
      saveProgress: async (pct) => {
        await db
          .updateTable('platform_jobs')
          .set({ progress: pct })
          .where('id', '=', row.id)
          .where('locked_by', '=', me)
          .execute();
      },
      track(run) {
        runs.add(run);
        return () => runs.delete(run);
      },
    });
    const mine = db.updateTable('platform_jobs').where('id', '=', row.id).where('locked_by', '=', me);
    if (outcome.ok) {
      await mine
        .set({
          status: 'done',
          progress: 100,
          finished_at: iso(),
          locked_by: null,
          heartbeat_at: null,
          last_error: null,
        })
        .execute();
    } else if (outcome.handedBack) {
      // Back as it was before the claim: the attempt does not count, and any process may take it.
      await mine
        .set({
          status: 'queued',
          run_after: iso(),
          attempts: row.attempts - 1,
          last_error: outcome.error,
          locked_by: null,
          heartbeat_at: null,
        })
        .execute();
    } else if (outcome.willRetry) {
      const delay = backoffDelayMs(definition, row.attempts);
      await mine
        .set({
          status: 'queued',
          run_after: iso(delay),
          last_error: outcome.error,
          locked_by: null,
          heartbeat_at: null,
        })
        .execute();
      wakeAfter(delay);
    } else {
      await mine
        .set({
          status: 'failed',
          finished_at: iso(),
          last_error: outcome.error,
          locked_by: null,
          heartbeat_at: null,
        })
        .execute();
    }
  }

  function wakeAfter(ms: number): void {
    if (closed) return;
    const timer = setTimeout(() => {
      wakeTimers.delete(timer);
      pump();
    }, ms + 5);
    timer.unref();
    wakeTimers.add(timer);
  }

  /** Claims and starts jobs until the concurrency is used up or nothing is due. */
  function pump(): void {
    if (!started || closed) return;
    if (pumping) {
      pumpAgain = true;
      return;
    }
    pumping = true;
    void (async () => {
      try {
        do {
          pumpAgain = false;
          while (!closed && active.size < options.concurrency) {
            const row = await claim();
            if (!row) break;
            const task = execute(row)
              .catch((err: unknown) => log.error({ err, jobId: row.id }, 'job bookkeeping failed'))
              .finally(() => {
                active.delete(task);
                pump();
              });
            active.add(task);
          }
        } while (pumpAgain && !closed);
      } catch (err) {
        if (!closed) log.error({ err }, 'claiming jobs failed');
      } finally {
        pumping = false;
      }
    })();
  }

  async function sweep(): Promise<void> {
    const running = await db
      .selectFrom('platform_jobs')
      .select(['id', 'locked_by', 'heartbeat_at'])
      .where('status', '=', 'running')
      .where('locked_by', '<>', me)
      .execute();
    const staleBefore = iso(-staleAfterMs);
    for (const row of running) {
      const dead =
        row.locked_by === null || ownerIsDeadHere(row.locked_by) || (row.heartbeat_at ?? '') < staleBefore;
      if (!dead) continue;
      let requeue = db
        .updateTable('platform_jobs')
        .set({
          status: 'queued',
          run_after: iso(),
          locked_by: null,
          heartbeat_at: null,
          last_error: 'interrupted',
        })
        .where('id', '=', row.id)
        .where('status', '=', 'running');
      requeue =
        row.locked_by === null
          ? requeue.where('locked_by', 'is', null)
          : requeue.where('locked_by', '=', row.locked_by);
      const result = await requeue.executeTakeFirst();
      if (Number(result.numUpdatedRows) > 0)
        log.warn({ jobId: row.id, owner: row.locked_by }, 'requeued a job its process left running');
    }
    const expiry = iso(-options.retentionDays * 86_400_000);
    await db
      .deleteFrom('platform_jobs')
      .where('status', 'in', ['done', 'failed'])
      .where('finished_at', '<', expiry)
      .execute();
  }

  async function insertRow(name: string, key: string, payload: unknown, runAfterMs: number): Promise<void> {
    await db
      .insertInto('platform_jobs')
      .values({
        name,
        key,
        payload: JSON.stringify(payload ?? null),
        status: 'queued',
        attempts: 0,
        progress: 0,
        run_after: new Date(runAfterMs).toISOString(),
        created_at: iso(),
      })
      .onConflict((oc) => oc.column('key').doNothing())
      .execute();
  }

  /**
   * A scheduled job is one keyed row per period (`name@periodStartMs`), added when its period
   * begins: every process serving the schedule adds the same key, so the job runs once per period
   * however many run workers, and a process that starts mid-period runs a period it missed.
   */
  function schedule(definition: AnyJobDefinition): void {
    const { everyMs, payload } = definition.schedule!;
    const addPeriod = async () => {
      const start = periodStart(now().getTime(), everyMs);
      await insertRow(definition.name, `${definition.name}@${start}`, payload, start);
      pump();
    };
    const next = () => {
      if (closed) return;
      const wait = periodStart(now().getTime(), everyMs) + everyMs - now().getTime();
      const timer = setTimeout(() => {
        wakeTimers.delete(timer);
        addPeriod()
          .catch((err: unknown) => {
            if (!closed) log.error({ err, job: definition.name }, 'scheduling a job failed');
          })
          .finally(next);
      }, wait + 1);
      timer.unref();
      wakeTimers.add(timer);
    };
    void addPeriod()
      .catch((err: unknown) => log.error({ err, job: definition.name }, 'scheduling a job failed'))
      .finally(next);
  }

  function every(ms: number, fn: () => Promise<void> | void, what: string): void {
    const timer = setInterval(() => {
      Promise.resolve()
        .then(fn)
        .catch((err: unknown) => {
          if (!closed) log.error({ err }, `${what} failed`);
        });
    }, ms);
    timer.unref();
    timers.push(timer);
  }

  return {
    kind: 'in-process',
    sweep,

    async enqueue(name, payload, enqueueOptions: EnqueueOptions = {}) {
      if (closed) throw new Error('the job queue is closed');
      assertJobName(name);
      const delayMs = assertDelay(enqueueOptions.delayMs);
      const key = enqueueOptions.key ?? `${name}:${crypto.randomUUID()}`;
      await insertRow(name, key, payload, now().getTime() + delayMs);
      if (delayMs > 0) wakeAfter(delayMs);
      else pump();
    },

    // Its rows live in the platform database, which /health checks itself.
    ping: async () => !closed,

    async startWorkers(defs) {
      if (closed) throw new Error('the job queue is closed');
      if (started) throw new Error('workers are already started');
      definitions = checkJobDefinitions(defs);
      started = true;
      if (definitions.size === 0) return;
      await sweep();
      every(pollIntervalMs, pump, 'polling for jobs');
      every(
        heartbeatMs,
        async () => {
          if (active.size === 0) return;
          await db
            .updateTable('platform_jobs')
            .set({ heartbeat_at: iso() })
            .where('locked_by', '=', me)
            .where('status', '=', 'running')
            .execute();
        },
        'job heartbeat',
      );
      every(sweepIntervalMs, sweep, 'job sweep');
      for (const definition of definitions.values()) if (definition.schedule) schedule(definition);
      log.info({ jobs: [...definitions.keys()], concurrency: options.concurrency }, 'job workers started');
      pump();
    },

    close(closeOptions: CloseOptions = {}) {
      closing ??= (async () => {
        closed = true;
        for (const t of timers) clearInterval(t);
        for (const t of wakeTimers) clearTimeout(t);
        // Let the pump loop finish its current claim so no row is claimed after we stop waiting.
        while (pumping) await new Promise((r) => setTimeout(r, 5));
        if (active.size === 0) return;
        const timeoutMs = closeOptions.timeoutMs ?? DEFAULT_CLOSE_TIMEOUT_MS;
        await finishOrHandBack(Promise.all(active), runs, timeoutMs, log);
      })().catch((err: unknown) => log.error({ err: errorMessage(err) }, 'closing the job queue failed'));
      return closing;
    },
  };
}
