import type { Kysely } from 'kysely';

// A sort within a status filter (the dashboard's "completed" or "in progress" by a column): with
// only the column's own index, SQLite read every response of the status and sorted them (24 ms for
// completed by age at 100,000 responses); with (completed, column, id) it reads the page.
// updated_at has its index already (the default order).
const COLUMNS = ['created_at', 'completed_at', 'name', 'email', 'age', 'gender', 'address', 'book'];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const column of COLUMNS)
    await db.schema
      .createIndex(`surveys_responses_completed_${column}`)
      .on('surveys_responses')
      .columns(['completed', column, 'id'])
      .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const column of COLUMNS) await db.schema.dropIndex(`surveys_responses_completed_${column}`).execute();
}
