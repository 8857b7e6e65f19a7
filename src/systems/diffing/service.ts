// The diffing system's rules: creating jobs, answering polls, serving results, retention.
import fs from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import type { Clock } from '../../platform/clock.js';
import { DomainError, RateLimitedError, type ErrorKind } from '../../platform/errors.js';
import { enqueueOrUndo, type JobQueue } from '../../platform/jobs/job-queue.js';
import type { Platform } from '../../platform/platform.js';
import {
  ArtifactNotFoundError,
  type ArtifactStore,
  type LocalArtifact,
} from '../../platform/storage/artifact-store.js';
import { matchColumns, readCsvHeader } from '../../platform/csv/index.js';
import { deletedArtifactKey, diffArtifactKey, previewArtifactKey } from './artifact-keys.js';
import { DIFF_JOB, diffJob } from './diff-job.js';
import { diffSpecFrom, metricOrThrow, UnknownMetricError, type DiffRequest } from './diff-spec.js';
import { METRICS, metricFiles, type MetricDefinition } from './metric-definitions.js';
import {
  countQueued,
  deleteJobs,
  findJob,
  insertJob,
  jobsCreatedSince,
  recentJobs,
  type DiffJobRow,
} from './repository.js';
import { readPreview, type DiffPreview } from './preview.js';
import { removeExpiredFiles, retentionCutoff } from './retention.js';
import type { DiffingSettings } from './settings.js';
import type { DiffJobStatus, DiffingDb } from './tables.js';

/** A job as every API shows it. */
export interface DiffJobView {
  job_id: number;
  status: DiffJobStatus;
  progress: number;
  metric: string | null;
  keys: string[];
  value: string;
  source: 'files' | 'upload';
  old_name: string;
  new_name: string;
  attempts: number;
  rows_read: { old: number | null; new: number | null };
  rows_out: number | null;
  new: number | null;
  changed: number | null;
  unchanged: number | null;
  deleted: number | null;
  duplicate_keys: { old: number | null; new: number | null };
  warnings: string[];
  partitions: number | null;
  duration_ms: number | null;
  peak_memory_bytes: number | null;
  error: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
}

export interface MetricView {
  id: string;
  aliases: string[];
  keys: string[];
  value: string;
  files: { old: string; new: string; available: boolean };
}

/** A request that cannot become a job; the message says why (answered as `{ error }`). */
export class DiffRequestError extends DomainError {
  constructor(message: string, kind: ErrorKind = 'bad_input') {
    super(kind, message);
  }
}

/** A metric name no metric has, as a request error. */
function asRequestError<T>(f: () => T): T {
  try {
    return f();
  } catch (err) {
    if (err instanceof UnknownMetricError) throw new DiffRequestError(err.message);
    throw err;
  }
}

const num = (v: number | string | null) => (v === null ? null : Number(v));

function toView(row: DiffJobRow): DiffJobView {
  return {
    job_id: row.id,
    status: row.status,
    progress: row.status === 'done' ? 100 : row.progress,
    metric: row.metric,
    keys: JSON.parse(row.keys) as string[],
    value: row.value_column,
    source: row.source,
    old_name: row.old_name,
    new_name: row.new_name,
    attempts: row.attempts,
    rows_read: { old: num(row.rows_old), new: num(row.rows_new) },
    rows_out: num(row.rows_out),
    new: num(row.added),
    changed: num(row.changed),
    unchanged: num(row.unchanged),
    deleted: num(row.deleted),
    duplicate_keys: { old: num(row.duplicate_keys_old), new: num(row.duplicate_keys_new) },
    warnings: JSON.parse(row.warnings) as string[],
    partitions: row.partitions,
    duration_ms: row.duration_ms,
    peak_memory_bytes: num(row.peak_memory_bytes),
    error: row.error,
    created_at: row.created_at,
    started_at: row.started_at,
    finished_at: row.finished_at,
  };
}

export interface UploadedInputs {
  /** Artifact keys of the committed uploads. */
  oldKey: string;
  newKey: string;
  oldName: string;
  newName: string;
}

/** Who creates a job: the client it counts against, and the owner of an upload's results. */
export interface JobOrigin {
  client: string;
  /** `session:…` or `token:…`; only an upload has one. */
  owner: string | null;
}

/** Who reads: the admin reads every job; others, jobs without an owner and their own. */
export interface JobReader {
  admin: boolean;
  owners: readonly string[];
}

const RATE_WINDOW_MS = 60_000;
/** When the queue is full, when to ask again: about the time a small diff takes. */
const QUEUE_FULL_RETRY_SECONDS = 10;

export class DiffingService {
  constructor(
    private readonly db: DiffingDb,
    private readonly jobs: JobQueue,
    private readonly artifacts: ArtifactStore,
    private readonly clock: Clock,
    private readonly options: {
      dataDir: string;
      memoryBytes: number;
      retentionDays: number;
      jobsPerMinute?: number;
      maxQueuedJobs?: number;
    },
  ) {}

  /**
   * Refuses a new job (RateLimitedError: 429 with Retry-After) when the client created
   * DIFF_JOBS_PER_MINUTE jobs in the last minute, or DIFF_MAX_QUEUED_JOBS jobs wait already. Counted
   * from diffing_jobs, so it holds across instances; called before an upload is received.
   */
  async admit(client: string): Promise<void> {
    const { jobsPerMinute, maxQueuedJobs } = this.options;
    const now = this.clock.now().getTime();
    if (jobsPerMinute !== undefined) {
      const since = new Date(now - RATE_WINDOW_MS).toISOString();
      const { count, earliest } = await jobsCreatedSince(this.db, client, since);
      if (count >= jobsPerMinute) {
        const seconds = Math.max(1, Math.ceil((Date.parse(earliest!) + RATE_WINDOW_MS - now) / 1000));
        throw new RateLimitedError(
          `too many diff jobs: at most ${jobsPerMinute} a minute per client (DIFF_JOBS_PER_MINUTE); try again in ${seconds} s`,
          seconds,
        );
      }
    }
    if (maxQueuedJobs !== undefined && (await countQueued(this.db)) >= maxQueuedJobs) {
      throw new RateLimitedError(
        `the diff queue is full: ${maxQueuedJobs} jobs are waiting (DIFF_MAX_QUEUED_JOBS); try again when some have run`,
        QUEUE_FULL_RETRY_SECONDS,
      );
    }
  }

  metricFiles(metric: MetricDefinition): { old: string; new: string } {
    return metricFiles(metric, this.options.dataDir);
  }

  listMetrics(): MetricView[] {
    return METRICS.map((m) => {
      const files = this.metricFiles(m);
      return {
        id: m.id,
        aliases: [...m.aliases],
        keys: [...m.keys],
        value: m.value,
        files: {
          old: path.basename(files.old),
          new: path.basename(files.new),
          available: fs.existsSync(files.old) && fs.existsSync(files.new),
        },
      };
    });
  }

  resolveMetric(id: string): MetricDefinition {
    return asRequestError(() => metricOrThrow(id));
  }

  /** The seed's API: diff `<metric>_old.csv` against `<metric>_new.csv` from the data directory. */
  async createMetricJob(metricId: string, origin?: JobOrigin): Promise<DiffJobView> {
    const metric = this.resolveMetric(metricId);
    const files = this.metricFiles(metric);
    for (const file of [files.old, files.new]) {
      if (!fs.existsSync(file))
        throw new DiffRequestError(
          `file not found: ${path.basename(file)} (expected in the diffing data directory)`,
        );
    }
    await this.checkColumns(
      files.old,
      files.new,
      metric.keys,
      metric.value,
      path.basename(files.old),
      path.basename(files.new),
    );
    return this.enqueue({
      metric: metric.id,
      keys: metric.keys,
      value: metric.value,
      source: 'files',
      oldInput: files.old,
      newInput: files.new,
      oldName: path.basename(files.old),
      newName: path.basename(files.new),
      client: origin?.client ?? '',
      owner: null,
    });
  }

  /** A diff of two uploaded files (already committed to the artifact store). */
  async createUploadJob(
    inputs: UploadedInputs,
    request: DiffRequest,
    origin?: JobOrigin,
  ): Promise<DiffJobView> {
    const resolved = asRequestError(() => diffSpecFrom(request));
    if (!resolved) {
      throw new DiffRequestError(
        'give either "metric" or both "keys" (comma-separated column names) and "value"',
      );
    }
    const { metric } = resolved;
    const { keys, value } = resolved.spec;
    // The stored uploads as local files (with S3, downloaded copies, released after the check).
    const files: LocalArtifact[] = [];
    try {
      for (const key of [inputs.oldKey, inputs.newKey]) files.push(await this.artifacts.localFile(key));
      await this.checkColumns(files[0]!.path, files[1]!.path, keys, value, inputs.oldName, inputs.newName);
    } finally {
      await Promise.all(files.map((f) => f.release()));
    }
    return this.enqueue({
      metric: metric?.id ?? null,
      keys,
      value,
      source: 'upload',
      oldInput: inputs.oldKey,
      newInput: inputs.newKey,
      oldName: inputs.oldName,
      newName: inputs.newName,
      client: origin?.client ?? '',
      owner: origin?.owner ?? null,
    });
  }

  /** Refuses at once what the job would fail on: a header without a key or value column. */
  private async checkColumns(
    oldPath: string,
    newPath: string,
    keys: string[],
    value: string,
    oldName: string,
    newName: string,
  ): Promise<void> {
    for (const [file, name, which] of [
      [oldPath, oldName, 'old'],
      [newPath, newName, 'new'],
    ] as const) {
      const header = await readCsvHeader(file).catch((err: unknown) => {
        if (err instanceof DomainError) throw new DiffRequestError(`${which} file ${name}: ${err.message}`);
        throw err;
      });
      if (header === undefined) throw new DiffRequestError(`${which} file ${name} is empty`);
      const match = matchColumns(header, [...keys, value]);
      const missing = match.ok ? [] : match.missing;
      if (missing.length) {
        throw new DiffRequestError(
          `${which} file ${name} has no column${missing.length > 1 ? 's' : ''} ${missing.map((c) => `"${c}"`).join(', ')} (its header: ${header.join(',')})`,
        );
      }
    }
  }

  private async enqueue(job: {
    metric: string | null;
    keys: string[];
    value: string;
    source: 'files' | 'upload';
    oldInput: string;
    newInput: string;
    oldName: string;
    newName: string;
    client: string;
    owner: string | null;
  }): Promise<DiffJobView> {
    const row = await insertJob(this.db, {
      client: job.client,
      owner: job.owner,
      metric: job.metric,
      keys: JSON.stringify(job.keys),
      value_column: job.value,
      source: job.source,
      old_input: job.oldInput,
      new_input: job.newInput,
      old_name: job.oldName,
      new_name: job.newName,
      status: 'queued',
      progress: 0,
      attempts: 0,
      warnings: '[]',
      created_at: this.clock.now().toISOString(),
    });
    const { payload, key } = diffJob(row, this.options.memoryBytes);
    await enqueueOrUndo(this.jobs, { name: DIFF_JOB, payload, options: { key } }, () =>
      deleteJobs(this.db, [row.id]),
    );
    return toView(row);
  }

  /** The job, unless `reader` may not see it (then it does not exist for them). */
  async status(id: number, reader?: JobReader): Promise<DiffJobView | undefined> {
    const row = await findJob(this.db, id);
    if (!row) return undefined;
    if (reader && !reader.admin && row.owner !== null && !reader.owners.includes(row.owner)) return undefined;
    return toView(row);
  }

  async recent(limit: number, reader?: JobReader): Promise<DiffJobView[]> {
    const owners = reader && !reader.admin ? reader.owners : undefined;
    return (await recentJobs(this.db, limit, owners)).map(toView);
  }

  /** The diff (or the deleted rows) of a finished job, as a stream. */
  async openResult(
    id: number,
    which: 'diff' | 'deleted',
  ): Promise<{ stream: Readable; size: number; filename: string }> {
    const key = which === 'diff' ? diffArtifactKey(id) : deletedArtifactKey(id);
    // One after the other: a stream opened beside a failing size() would never be closed.
    const size = await this.artifacts.size(key);
    const stream = await this.artifacts.openRead(key);
    return { stream, size, filename: `diff-${id}${which === 'deleted' ? '-deleted' : ''}.csv` };
  }

  /**
   * The first `limit` rows of each kind of a finished job's preview, or undefined when the job's
   * results are there but no preview (a job that finished before previews were kept). Rejects with
   * ArtifactNotFoundError when the results are gone.
   */
  async preview(id: number, limit: number): Promise<DiffPreview | undefined> {
    let stream: Readable;
    try {
      stream = await this.artifacts.openRead(previewArtifactKey(id));
    } catch (err) {
      if (err instanceof ArtifactNotFoundError && (await this.artifacts.exists(diffArtifactKey(id))))
        return undefined;
      throw err;
    }
    return readPreview(stream, limit);
  }

  /** Removes finished jobs past the retention time, with their results and uploads. */
  async removeExpired(): Promise<number> {
    const cutoff = retentionCutoff(this.clock.now().getTime(), this.options.retentionDays);
    const ids = await removeExpiredFiles(this.db, this.artifacts, cutoff);
    await deleteJobs(this.db, ids);
    return ids.length;
  }
}

export function createDiffingService(platform: Platform, settings: DiffingSettings): DiffingService {
  return new DiffingService(platform.db as DiffingDb, platform.jobs, platform.artifacts, platform.clock, {
    dataDir: settings.dataDir,
    memoryBytes: settings.memoryBytes,
    retentionDays: platform.config.jobRetentionDays,
    jobsPerMinute: settings.jobsPerMinute,
    maxQueuedJobs: settings.maxQueuedJobs,
  });
}
