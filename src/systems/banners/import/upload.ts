// Receiving `POST /api/banners/import`: a multipart form with the field "quarter" (1–4) and one
// or more CSV files (any field name). Each file is streamed to a temporary folder as it arrives
// (never held in memory) and size-limited; the caller imports them and removes the folder.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { FastifyRequest } from 'fastify';
import { badInput, tooLarge } from '../../../platform/errors.js';
import { requireQuarter } from '../quarter.js';
import type { Quarter } from '../tables.js';
import type { DatasetFile } from './dataset-files.js';

/** Files one import may carry: a quarter's three, with room for a few more. */
export const MAX_UPLOAD_FILES = 12;
const PART_LIMIT_ERRORS = new Set(['FST_FILES_LIMIT', 'FST_FIELDS_LIMIT', 'FST_PARTS_LIMIT']);

export function uploadLimits(maxBytes: number) {
  return {
    fileSize: maxBytes,
    files: MAX_UPLOAD_FILES,
    fields: 4,
    fieldSize: 100,
    parts: MAX_UPLOAD_FILES + 4,
  };
}

export interface ReceivedDataset {
  readonly quarter: Quarter;
  readonly files: readonly DatasetFile[];
  /** Replace the quarter's dataset instead of adding to it (field "replace": true). */
  readonly replace: boolean;
  /** Removes the received files. */
  remove(): Promise<void>;
}

const megabytes = (bytes: number) => Math.round(bytes / 2 ** 20);

/** A file name safe to show and to write (the uploaded name's last part, printable characters only). */
function safeName(raw: string, index: number): string {
  const base = path
    .basename(raw.replaceAll('\\', '/'))
    .replace(/[^\w.\- ]/g, '_')
    .slice(0, 200);
  return base === '' || base.startsWith('.') ? `file_${index}.csv` : base;
}

export async function receiveDataset(request: FastifyRequest, maxBytes: number): Promise<ReceivedDataset> {
  const dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'quintet-banners-'));
  const remove = () => fs.promises.rm(dir, { recursive: true, force: true });
  const files: DatasetFile[] = [];
  let quarterField: string | undefined;
  let replace = false;
  try {
    for await (const part of request.parts()) {
      if (part.type === 'file') {
        const name = safeName(part.filename || part.fieldname, files.length + 1);
        const file = path.join(dir, `${files.length + 1}`);
        await pipeline(part.file, fs.createWriteStream(file));
        if (part.file.truncated)
          throw tooLarge(`file "${name}" is larger than ${megabytes(maxBytes)} MB (BANNER_UPLOAD_MAX_MB)`);
        files.push({ path: file, name });
      } else if (part.fieldname === 'quarter') {
        quarterField = String(part.value);
      } else if (part.fieldname === 'replace') {
        const value = String(part.value).trim().toLowerCase();
        if (!['true', 'false', '1', '0', ''].includes(value))
          throw badInput(`replace must be true or false, got "${String(part.value).slice(0, 20)}"`);
        replace = value === 'true' || value === '1';
      } else {
        throw badInput(
          `unexpected field "${part.fieldname}" (send "quarter", optionally "replace", and the CSV files)`,
        );
      }
    }
    if (quarterField === undefined) throw badInput('missing field "quarter" (1, 2, 3 or 4)');
    const quarter = requireQuarter(quarterField);
    if (files.length === 0)
      throw badInput("no files: send the quarter's impressions, clicks and/or conversions CSV files");
    return { quarter, files, replace, remove };
  } catch (err) {
    await remove();
    const code = err instanceof Error && 'code' in err ? String(err.code) : '';
    if (PART_LIMIT_ERRORS.has(code))
      throw badInput(`too many parts: send "quarter" and at most ${MAX_UPLOAD_FILES} files`);
    if (code === 'FST_REQ_FILE_TOO_LARGE')
      throw tooLarge(`a file is larger than ${megabytes(maxBytes)} MB (BANNER_UPLOAD_MAX_MB)`);
    throw err;
  }
}
