import type { Config } from '../../config.js';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { Clock } from '../clock.js';
import type { Database } from '../db/database.js';
import { createBullMqQueue } from './bullmq.js';
import { createInProcessQueue } from './in-process.js';
import { withJobMetrics } from './metrics.js';
import type { JobQueue } from './job-queue.js';

export * from './job-queue.js';

export interface JobQueueDeps {
  config: Config;
  database: Database;
  log: Logger;
  /** Where job counters go (the platform's registry, served at /metrics). */
  metrics: Registry;
  /** The platform's clock, handed to job threads (JobContext.now). */
  clock: Clock;
}

/** REDIS_URL set: BullMQ on Redis; otherwise the in-process queue with rows in the platform database. */
export function createJobQueue({ config, database, log, metrics, clock }: JobQueueDeps): JobQueue {
  const common = {
    log,
    config,
    clock,
    concurrency: config.workerConcurrency,
    retentionDays: config.jobRetentionDays,
  };
  const queue = config.redisUrl
    ? createBullMqQueue({
        ...common,
        redisUrl: config.redisUrl,
        prefix: config.redisPrefix,
        lockDurationMs: config.jobLockSeconds * 1000,
      })
    : createInProcessQueue({ ...common, db: database.db, dialect: database.dialect });
  return withJobMetrics(queue, metrics);
}
