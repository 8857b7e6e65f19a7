// Helpers for the diffing system's tests: tiny CSV files, multipart bodies, waiting for a job.
import fs from 'node:fs';
import path from 'node:path';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { waitFor } from '../../src/platform/jobs/testing/recorder.js';
import type { DiffJobView } from '../../src/systems/diffing/service.js';

export { waitFor };

/** The revenue export's columns; keys are date, segment_field, segment_value_id, stat. */
export const REVENUE_HEADER = 'date,segment_field,segment_name,segment_value,segment_value_id,stat,value';
/** The c-revenue export's columns; keys are cohort, cohort_id, month_nth, segment_field, segment_value_id, stat. */
export const C_REVENUE_HEADER =
  'cohort,cohort_id,month_date,month_nth,segment_field,segment_name,segment_value,segment_value_id,stat,value';

/** A CSV file of these lines (each ended by '\n'); returns its path. */
export function writeCsv(dir: string, name: string, lines: readonly string[]): string {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, name);
  fs.writeFileSync(file, lines.map((l) => `${l}\n`).join(''));
  return file;
}

/** The CSV text of these lines, as the diff engine writes it ('\n' after each). */
export const csvText = (lines: readonly string[]) => lines.map((l) => `${l}\n`).join('');

/** Every file below `dir` (relative paths); empty directories do not count. */
export function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return (fs.readdirSync(dir, { recursive: true, withFileTypes: true }) as fs.Dirent[])
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
    .sort();
}

export type MultipartPart = string | { filename: string; content: string | Buffer };

/** A multipart/form-data body and its content-type header, built with FormData (an array: the field repeated). */
export async function multipart(
  parts: Record<string, MultipartPart | readonly MultipartPart[]>,
): Promise<{ body: Buffer; headers: Record<string, string> }> {
  const form = new FormData();
  for (const [name, value] of Object.entries(parts)) {
    for (const part of Array.isArray(value)
      ? (value as readonly MultipartPart[])
      : [value as MultipartPart]) {
      if (typeof part === 'string') form.append(name, part);
      else
        form.append(
          name,
          new Blob([new Uint8Array(Buffer.from(part.content))], { type: 'text/csv' }),
          part.filename,
        );
    }
  }
  const response = new Response(form);
  return {
    body: Buffer.from(await response.arrayBuffer()),
    headers: { 'content-type': response.headers.get('content-type')! },
  };
}

/** Polls `GET /api/diffing/job/:id/status` until the job is done or failed; returns the last status. */
/** Polls a job's status as the app's anonymous caller, or as a client (an upload is only its uploader's). */
export async function waitForJob(
  reader: FastifyInstance | { get(url: string): Promise<LightMyRequestResponse> },
  id: number,
  timeoutMs = 20_000,
): Promise<DiffJobView> {
  let last: DiffJobView | undefined;
  const get = (url: string) => ('inject' in reader ? reader.inject({ method: 'GET', url }) : reader.get(url));
  await waitFor(
    async () => {
      const response = await get(`/api/diffing/job/${id}/status`);
      if (response.statusCode !== 200) throw new Error(`status of job ${id}: HTTP ${response.statusCode}`);
      last = response.json<DiffJobView>();
      return last.status === 'done' || last.status === 'failed';
    },
    `diff job ${id} to finish`,
    timeoutMs,
  );
  return last!;
}
