// Run by restart.test.ts as a separate process (node --import tsx): starts the in-process queue on
// the database of DATA_DIR (or DATABASE_URL) with the real report job's hooks but a thread that hangs, prints
// "started <attempt>" once the report is running, and is then killed mid-report.
import { loadConfig } from '../../../config.js';
import { createPlatform } from '../../../platform/platform.js';
import { reportJobDefinition } from '../report-job.js';
import { uptimeSystem } from '../system.js';

const platform = createPlatform(
  loadConfig(
    { DATA_DIR: process.env.DATA_DIR, DATABASE_URL: process.env.DATABASE_URL, LOG_LEVEL: 'silent' },
    [uptimeSystem],
  ),
);
const real = reportJobDefinition(platform);
await platform.jobs.startWorkers([
  {
    ...real,
    workerModule: new URL('./hang.worker.js', import.meta.url),
    async onStart(payload, info) {
      await real.onStart?.(payload, info);
      process.stdout.write(`started ${info.attempt}\n`);
    },
  },
]);
