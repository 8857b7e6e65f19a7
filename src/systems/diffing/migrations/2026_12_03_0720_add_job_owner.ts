import type { Kysely } from 'kysely';

/** Who may read an uploaded job's results, and which client created each job (for its rate limit). */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('diffing_jobs').addColumn('owner', 'varchar(100)').execute();
  await db.schema
    .alterTable('diffing_jobs')
    .addColumn('client', 'varchar(100)', (c) => c.notNull().defaultTo(''))
    .execute();
  await db.schema
    .createIndex('diffing_jobs_client_created')
    .on('diffing_jobs')
    .columns(['client', 'created_at'])
    .execute();
  await db.schema.createIndex('diffing_jobs_status').on('diffing_jobs').column('status').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('diffing_jobs_status').execute();
  await db.schema.dropIndex('diffing_jobs_client_created').execute();
  await db.schema.alterTable('diffing_jobs').dropColumn('client').execute();
  await db.schema.alterTable('diffing_jobs').dropColumn('owner').execute();
}
