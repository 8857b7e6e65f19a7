// Every SQL statement of the diffing system.
import type { Insertable, Selectable, Updateable } from 'kysely';
import type { DiffJobTable, DiffingDb } from './tables.js';

export type DiffJobRow = Selectable<DiffJobTable>;

export async function insertJob(db: DiffingDb, row: Insertable<DiffJobTable>): Promise<DiffJobRow> {
  return db.insertInto('diffing_jobs').values(row).returningAll().executeTakeFirstOrThrow();
}

export async function findJob(db: DiffingDb, id: number): Promise<DiffJobRow | undefined> {
  return db.selectFrom('diffing_jobs').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function updateJob(db: DiffingDb, id: number, changes: Updateable<DiffJobTable>): Promise<void> {
  await db.updateTable('diffing_jobs').set(changes).where('id', '=', id).execute();
}

/** Progress only moves forward, and only while the job is running (a late update never undoes "done"). */
export async function updateProgress(db: DiffingDb, id: number, progress: number): Promise<void> {
  await db
    .updateTable('diffing_jobs')
    .set({ progress })
    .where('id', '=', id)
    .where('status', '=', 'processing')
    .where('progress', '<', progress)
    .execute();
}

export async function recentJobs(db: DiffingDb, limit: number): Promise<DiffJobRow[]> {
  return db.selectFrom('diffing_jobs').selectAll().orderBy('id', 'desc').limit(limit).execute();
}

/** Finished jobs older than the cutoff (ISO time). */
export async function finishedBefore(db: DiffingDb, cutoff: string): Promise<DiffJobRow[]> {
  return db
    .selectFrom('diffing_jobs')
    .selectAll()
    .where('status', 'in', ['done', 'failed'])
    .where('finished_at', '<', cutoff)
    .execute();
}

export async function deleteJobs(db: DiffingDb, ids: readonly number[]): Promise<void> {
  if (ids.length)
    await db
      .deleteFrom('diffing_jobs')
      .where('id', 'in', [...ids])
      .execute();
}
