// Helpers for the uptime system's tests: the real exports beside the repository, small CSV files,
// waiting for a report.
import fs from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { waitFor } from '../../src/platform/jobs/testing/recorder.js';
import type { ReportView } from '../../src/systems/uptime/service.js';

export { waitFor };

/** ../shared/data/uptime, beside the repository (present on the CI machine: tests do not skip without it). */
export const REAL_DATA = path.resolve(import.meta.dirname, '../../../shared/data/uptime');
export const V1 = path.join(REAL_DATA, 'v1_2023');
export const V2 = path.join(REAL_DATA, 'v2_2024');

/** A file of these lines (each ended by '\n' unless `finalNewline` is false); returns its path. */
export function writeLines(dir: string, name: string, lines: readonly string[], finalNewline = true): string {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, name);
  fs.writeFileSync(file, lines.join('\n') + (finalNewline ? '\n' : ''));
  return file;
}

/** Polls `GET /api/uptime/reports/:id` until the report is complete or failed; returns it. */
export async function waitForReport(
  app: FastifyInstance,
  id: string,
  timeoutMs = 30_000,
): Promise<ReportView> {
  let last: ReportView | undefined;
  await waitFor(
    async () => {
      const response = await app.inject({ method: 'GET', url: `/api/uptime/reports/${id}` });
      if (response.statusCode !== 200) throw new Error(`report ${id}: HTTP ${response.statusCode}`);
      last = response.json<ReportView>();
      return last.status === 'complete' || last.status === 'failed';
    },
    `report ${id} to finish`,
    timeoutMs,
  );
  return last!;
}
