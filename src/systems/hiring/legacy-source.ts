// Reads the original challenge's SQLite database (table `applicants`) in id order, page by page.
import fs from 'node:fs';
import SQLite from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { startModuleThread } from '../../platform/threads.js';
import type { FromChecker, LegacyRow, PackedBatch } from './legacy.js';
import type { LegacySource } from './service.js';

interface LegacyDatabase {
  applicants: LegacyRow;
}

const REQUIRED = [
  'id',
  'first_name',
  'last_name',
  'region',
  'phone',
  'email',
  'phone_type',
  'source',
  'over_21',
  'reason',
  'workflow_state',
  'created_at',
  'updated_at',
];

export class LegacyFileError extends Error {}

/** Opens the file read-only and checks its shape; throws LegacyFileError naming what is wrong. */
export async function openLegacyFile(
  file: string,
  pageSize = 5000,
  options: { threaded?: boolean } = {},
): Promise<LegacySource & { close(): Promise<void> }> {
  if (!fs.existsSync(file)) throw new LegacyFileError(`${file}: no such file`);
  let sqlite: SQLite.Database;
  try {
    sqlite = new SQLite(file, { readonly: true, fileMustExist: true });
    sqlite.pragma('schema_version');
  } catch (err) {
    throw new LegacyFileError(`${file}: not a readable SQLite database (${(err as Error).message})`);
  }
  const db = new Kysely<LegacyDatabase>({ dialect: new SqliteDialect({ database: sqlite }) });
  const tables = await db.introspection.getTables();
  const table = tables.find((t) => t.name === 'applicants');
  if (!table) {
    await db.destroy();
    throw new LegacyFileError(`${file}: has no table "applicants"`);
  }
  const missing = REQUIRED.filter((c) => !table.columns.some((col) => col.name === c));
  if (missing.length) {
    await db.destroy();
    throw new LegacyFileError(`${file}: table "applicants" lacks column(s) ${missing.join(', ')}`);
  }
  const { n } = await db
    .selectFrom('applicants')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return {
    total: Number(n),
    async *batches() {
      let after = Number.MIN_SAFE_INTEGER;
      for (;;) {
        const rows = (await db
          .selectFrom('applicants')
          .select(REQUIRED as (keyof LegacyRow)[])
          .where('id', '>', after)
          .orderBy('id')
          .limit(pageSize)
          .execute()) as LegacyRow[];
        if (rows.length === 0) return;
        yield rows;
        after = rows[rows.length - 1]!.id;
      }
    },
    ...(options.threaded === false ? {} : { packedBatches: () => checkInThread(file, pageSize) }),
    close: () => db.destroy(),
  };
}

const CHECKER = new URL('./legacy-check.worker.js', import.meta.url);
const IN_FLIGHT = 4;

/** Checked, packed batches from a worker thread that reads and checks the file (see legacy-check.worker.ts). */
async function* checkInThread(file: string, pageSize: number): AsyncGenerator<PackedBatch> {
  const worker = startModuleThread(CHECKER, { workerData: { file, pageSize, inFlight: IN_FLIGHT } });
  const inbox: FromChecker[] = [];
  let wake: (() => void) | undefined;
  const deliver = (message: FromChecker) => {
    inbox.push(message);
    wake?.();
  };
  worker.on('message', deliver);
  worker.on('error', (err) => deliver({ type: 'error', message: err.message }));
  worker.on('exit', (code) =>
    deliver(
      code === 0 ? { type: 'done' } : { type: 'error', message: `checker thread exited with code ${code}` },
    ),
  );
  try {
    for (;;) {
      while (inbox.length === 0) await new Promise<void>((resolve) => (wake = resolve));
      const message = inbox.shift()!;
      if (message.type === 'done') return;
      if (message.type === 'error') throw new LegacyFileError(`${file}: ${message.message}`);
      worker.postMessage('more');
      yield message.rows;
    }
  } finally {
    await worker.terminate();
  }
}
