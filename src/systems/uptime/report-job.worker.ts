// The report job's thread entry: reads the polls through the thread's read-only database handle,
// so the event loop of the process serving requests never blocks. The contract is report-job.ts.
import fs from 'node:fs';
import { once } from 'node:events';
import { DomainError } from '../../platform/errors.js';
import type { JobContext } from '../../platform/jobs/job-queue.js';
import { reportCsvKey } from './artifact-keys.js';
import type { ReportJobPayload, ReportJobResult } from './report-job.js';
import { runReport } from './report-run.js';
import type { UptimeDb } from './tables.js';

export default async function run(payload: ReportJobPayload, ctx: JobContext): Promise<ReportJobResult> {
  const writer = await ctx.artifacts.writer(reportCsvKey(payload.reportId));
  const out = fs.createWriteStream(writer.path);
  const started = performance.now();
  try {
    const result = await runReport(ctx.db as UptimeDb, {
      now: payload.now ?? undefined,
      signal: ctx.signal,
      write: async (chunk) => {
        if (!out.write(chunk)) await once(out, 'drain');
      },
      onProgress: (f) => ctx.progress(Math.min(99, Math.floor(f * 100))),
    });
    await new Promise<void>((resolve, reject) =>
      out.end((err?: Error | null) => (err ? reject(err) : resolve())),
    );
    await writer.commit(); // the CSV appears only once complete
    return { ...result, durationMs: Math.round(performance.now() - started) };
  } catch (err) {
    out.destroy();
    await writer.abort();
    if (err instanceof DomainError && err.kind === 'bad_input') return { inputError: err.message };
    throw err;
  }
}
