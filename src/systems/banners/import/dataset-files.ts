// Finding the files of an import: a quarter's CSV files (given one by one or as a folder), or a
// folder with one subfolder per quarter (1–4), as the original dataset is laid out.
import fs from 'node:fs/promises';
import path from 'node:path';
import { badInput } from '../../../platform/errors.js';
import { QUARTERS } from '../quarter.js';
import type { DatasetKind, Quarter } from '../tables.js';

export interface DatasetFile {
  /** Where the file is. */
  readonly path: string;
  /** The name it is listed under (the uploaded name, or the file name). */
  readonly name: string;
  /** What it holds, when the sender said so (an upload's field); else told by its name or header. */
  readonly kind?: DatasetKind;
}

async function isDirectory(p: string): Promise<boolean> {
  try {
    return (await fs.stat(p)).isDirectory();
  } catch {
    throw badInput(`${p} does not exist`);
  }
}

/** The .csv files directly in a folder, by name. */
async function csvFilesIn(dir: string): Promise<DatasetFile[]> {
  const entries = await fs.readdir(dir, { withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && e.name.toLowerCase().endsWith('.csv'))
    .map((e) => e.name)
    .sort()
    .map((name) => ({ path: path.join(dir, name), name }));
}

/** The files of one quarter's dataset: each path is a CSV file or a folder of them. */
export async function quarterFiles(paths: readonly string[]): Promise<DatasetFile[]> {
  const files: DatasetFile[] = [];
  for (const p of paths) {
    const resolved = path.resolve(p);
    if (await isDirectory(resolved)) {
      const found = await csvFilesIn(resolved);
      if (found.length === 0) throw badInput(`${p} has no .csv files`);
      files.push(...found);
    } else {
      files.push({ path: resolved, name: path.basename(resolved) });
    }
  }
  return files;
}

/** The quarters' datasets in a folder with subfolders 1–4 (those present; at least one). */
export async function allQuarterFiles(dir: string): Promise<{ quarter: Quarter; files: DatasetFile[] }[]> {
  const root = path.resolve(dir);
  if (!(await isDirectory(root))) throw badInput(`${dir} is not a folder (give --quarter N to import files)`);
  const out: { quarter: Quarter; files: DatasetFile[] }[] = [];
  for (const quarter of QUARTERS) {
    const sub = path.join(root, String(quarter));
    const present = await fs.stat(sub).then(
      (s) => s.isDirectory(),
      () => false,
    );
    if (present) out.push({ quarter, files: await csvFilesIn(sub) });
  }
  if (out.length === 0)
    throw badInput(
      `${dir} has no subfolders 1, 2, 3 or 4 (give --quarter N to import a folder of one quarter)`,
    );
  return out;
}
