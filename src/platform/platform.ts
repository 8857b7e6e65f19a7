import { pino, type Logger } from 'pino';
import { Registry } from 'prom-client';
import type { Config } from '../config.js';
import { systemClock, type Clock } from './clock.js';
import { createDatabase, type AnyDb, type Database } from './db/database.js';
import { createEventBus, type EventBus } from './events/index.js';
import { createJobQueue } from './jobs/index.js';
import type { JobQueue } from './jobs/job-queue.js';
import type { ArtifactStore } from './storage/artifact-store.js';
import { openArtifactStore } from './storage/open-artifact-store.js';

/** What every system is handed: config, database, clock, logger, job queue, event bus, artifact store. Built once per process. */
export interface Platform {
  readonly config: Config;
  readonly database: Database;
  readonly db: AnyDb;
  readonly clock: Clock;
  readonly log: Logger;
  /** In-process (rows in the database) or BullMQ (REDIS_URL); systems cannot tell which. */
  readonly jobs: JobQueue;
  /** Live events between instances: in-process or Redis pub/sub (REDIS_URL), chosen like the job queue. */
  readonly events: EventBus;
  /** Job results (ARTIFACT_DIR, or ARTIFACT_STORE=s3://…). */
  readonly artifacts: ArtifactStore;
  /** Prometheus registry of this process, served at /metrics (requests, jobs, process). */
  readonly metrics: Registry;
  /** Closes everything; running jobs get `jobGraceMs` (default: JOB_STOP_GRACE_SECONDS) to finish. */
  close(options?: { jobGraceMs?: number }): Promise<void>;
}

export interface PlatformOptions {
  clock?: Clock;
  log?: Logger;
}

export function createLogger(config: Config): Logger {
  return pino({ level: config.logLevel });
}

export function createPlatform(config: Config, options: PlatformOptions = {}): Platform {
  const log = options.log ?? createLogger(config);
  const database = createDatabase({
    url: config.databaseUrl,
    sqlitePath: config.sqlitePath,
    onIdleError: (err) => log.warn({ err }, 'an idle database connection failed; it will be replaced'),
  });
  const artifacts = openArtifactStore(config);
  const metrics = new Registry();
  const clock = options.clock ?? systemClock;
  const jobs = createJobQueue({ config, database, log, metrics, clock });
  const events = createEventBus({ config, log });
  return {
    config,
    database,
    db: database.db,
    clock,
    log,
    jobs,
    events,
    artifacts,
    metrics,
    close: async (options) => {
      await events.close();
      // Running jobs get the grace to finish, then are aborted and handed back (they write their
      // outcome to the database either way).
      await jobs.close({ timeoutMs: options?.jobGraceMs ?? config.jobStopGraceSeconds * 1000 });
      await database.destroy();
    },
  };
}
