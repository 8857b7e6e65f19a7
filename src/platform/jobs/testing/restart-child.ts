// Run by restart.test.ts as a separate process (node --import tsx): starts the in-process queue on the
// SQLite file in DATA_DIR, prints "started <attempt>" when the job starts, and is then killed mid-job.
import { loadConfig } from '../../../config.js';
import { migrateScope } from '../../db/migrator.js';
import { platformMigrations } from '../../migrations/index.js';
import { createPlatform } from '../../platform.js';
import { defineJob } from '../job-queue.js';
import { TEST_WORKER_MODULE } from './recorder.js';

const platform = createPlatform(loadConfig({ DATA_DIR: process.env.DATA_DIR, LOG_LEVEL: 'silent' }, []));
await migrateScope(platform.db, 'platform', platformMigrations);
await platform.jobs.startWorkers([
  defineJob({
    name: 'test.job',
    workerModule: TEST_WORKER_MODULE,
    onStart: async (_payload, info) => void process.stdout.write(`started ${info.attempt}\n`),
  }),
]);
