// A system's retention as a scheduled job: hourly, once per period whichever process runs workers.
// The system's thread (its workerModule) finds what expired through its read-only database handle,
// removes the files under the system's own artifact prefix and returns their ids; the hook here
// then deletes their rows. Files go first, so a row never points at nothing for long: between the
// two steps a download finds no file and answers 404, as it will once the row is gone.
import type { Platform } from '../platform.js';
import { defineJob, type JobDefinition } from './job-queue.js';

export const RETENTION_EVERY_MS = 60 * 60 * 1000;

export interface RetentionResult<Id> {
  /** The expired items whose files were removed: their rows go next. */
  ids: Id[];
}

export interface RetentionJobOptions<Id> {
  /** The job's name, `<system>.retention`. */
  name: string;
  /** The thread that removes the expired files and returns their ids. */
  workerModule: URL;
  /** What the ids name, plural, for the log line ("jobs", "reports"). */
  items: string;
  /** Deletes the rows of the items whose files are gone. */
  deleteRows: (ids: Id[]) => Promise<void>;
}

export function defineRetentionJob<Id>(
  platform: Platform,
  options: RetentionJobOptions<Id>,
): JobDefinition<null, RetentionResult<Id>> {
  const system = options.name.split('.')[0];
  return defineJob<null, RetentionResult<Id>>({
    name: options.name,
    workerModule: options.workerModule,
    schedule: { everyMs: RETENTION_EVERY_MS, payload: null },
    maxAttempts: 2,
    async onCompleted(_payload, result) {
      await options.deleteRows(result.ids);
      if (result.ids.length)
        platform.log.info(
          { [options.items]: result.ids.length },
          `${system}: removed expired ${options.items}`,
        );
    },
  });
}
