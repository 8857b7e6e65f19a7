// Every SQL statement of the diffing system.
import type { Insertable, Selectable, Updateable } from 'kysely';
import type { DiffJobTable, DiffingDb } from './tables.js';

export type DiffJobRow = Selectable<DiffJobTable>;

export async function insertJob(db: DiffingDb, row: Insertable<DiffJobTable>): Promise<DiffJobRow> {
  return db.insertInto('diffing_jobs').values(row).returningAll().executeTakeFirstOrThrow();
}

/** The jobs still owed (queued or processing), oldest first. */
export async function unfinishedJobs(db: DiffingDb): Promise<DiffJobRow[]> {
  return db
    .selectFrom('diffing_jobs')
    .selectAll()
    .where('status', 'in', ['queued', 'processing'])
    .orderBy('id')
    .execute();
}

export async function findJob(db: DiffingDb, id: number): Promise<DiffJobRow | undefined> {
  return db.selectFrom('diffing_jobs').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Whether the job's row was there to update. */
export async function updateJob(
  db: DiffingDb,
  id: number,
  changes: Updateable<DiffJobTable>,
): Promise<boolean> {
  const result = await db.updateTable('diffing_jobs').set(changes).where('id', '=', id).executeTakeFirst();
  return result.numUpdatedRows > 0n;
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

/** Newest first; with `owners`, only jobs without an owner or owned by one of them. */
export async function recentJobs(
  db: DiffingDb,
  limit: number,
  owners?: readonly string[],
): Promise<DiffJobRow[]> {
  let query = db.selectFrom('diffing_jobs').selectAll();
  if (owners)
    query = query.where((eb) =>
      owners.length
        ? eb.or([eb('owner', 'is', null), eb('owner', 'in', [...owners])])
        : eb('owner', 'is', null),
    );
  return query.orderBy('id', 'desc').limit(limit).execute();
}

/** How many jobs the client created since `since` (ISO), and the earliest of their creation times. */
export async function jobsCreatedSince(
  db: DiffingDb,
  client: string,
  since: string,
): Promise<{ count: number; earliest: string | null }> {
  const row = await db
    .selectFrom('diffing_jobs')
    .select((eb) => [eb.fn.countAll().as('count'), eb.fn.min('created_at').as('earliest')])
    .where('client', '=', client)
    .where('created_at', '>', since)
    .executeTakeFirstOrThrow();
  return { count: Number(row.count), earliest: row.earliest };
}

export async function countQueued(db: DiffingDb): Promise<number> {
  const row = await db
    .selectFrom('diffing_jobs')
    .select((eb) => eb.fn.countAll().as('count'))
    .where('status', '=', 'queued')
    .executeTakeFirstOrThrow();
  return Number(row.count);
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
