// Entry point of the job threads: runs one job at a time, as the main thread asks, and stays warm
// for the next one (a thread whose job was aborted or crashed is thrown away instead). What a job
// is handed besides its payload (artifact store, logger, its own read-only database handle) is
// made here from the config, once per thread, and kept for its next jobs.
import { parentPort } from 'node:worker_threads';
import { pino, type Logger } from 'pino';
import type { Config } from '../../config.js';
import { createDatabase, type Database } from '../db/database.js';
import type { ArtifactStore } from '../storage/artifact-store.js';
import { openArtifactStore } from '../storage/open-artifact-store.js';
import type { JobContext, JobFunction } from './job-queue.js';
import type { FromThread, RunRequest, ToThread } from './thread-runner.js';

const port = parentPort!;
const send = (message: FromThread) => port.postMessage(message);
const stores = new Map<string, ArtifactStore>();
const loggers = new Map<string, Logger>();
const databases = new Map<string, Database>();
let controller: AbortController | undefined;

function artifactsFor(config: Config): ArtifactStore {
  const key = `${config.artifactDir}|${JSON.stringify(config.artifactS3 ?? null)}`;
  let store = stores.get(key);
  if (!store) stores.set(key, (store = openArtifactStore(config)));
  return store;
}

function loggerFor(config: Config): Logger {
  let log = loggers.get(config.logLevel);
  if (!log) loggers.set(config.logLevel, (log = pino({ level: config.logLevel })));
  return log;
}

/** A read-only handle on the database the config names, opened on first use. */
function databaseFor(config: Config, log: Logger): Database {
  const key = config.databaseUrl ?? config.sqlitePath;
  let database = databases.get(key);
  if (!database) {
    database = createDatabase({
      url: config.databaseUrl,
      sqlitePath: config.sqlitePath,
      poolSize: 2,
      readOnly: true,
      onIdleError: (err) => log.warn({ err }, 'an idle database connection of a job thread failed'),
    });
    databases.set(key, database);
  }
  return database;
}

async function run(request: RunRequest): Promise<void> {
  controller = new AbortController();
  const { config } = request;
  const log = loggerFor(config).child({ job: request.jobName, attempt: request.attempt });
  let lastPct = -1;
  const received = Date.now();
  const ctx: JobContext = {
    now: () => new Date(request.clockMs + (Date.now() - received)),
    progress(pct) {
      const whole = Math.max(0, Math.min(100, Math.floor(pct)));
      if (whole > lastPct) {
        lastPct = whole;
        send({ type: 'progress', pct: whole });
      }
    },
    signal: controller.signal,
    attempt: request.attempt,
    artifacts: artifactsFor(config),
    config,
    log,
    get db() {
      return databaseFor(config, log).db;
    },
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
