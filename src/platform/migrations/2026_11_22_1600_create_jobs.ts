import type { Kysely } from 'kysely';
import { withAutoId } from '../db/schema.js';

// The in-process job queue's rows (BullMQ keeps its own in Redis). Times are ISO-8601 UTC strings,
// which sort like the instants they name on both databases.
export async function up(db: Kysely<unknown>): Promise<void> {
  await withAutoId(db, db.schema.createTable('platform_jobs'))
    .addColumn('name', 'varchar(200)', (c) => c.notNull())
    .addColumn('key', 'varchar(255)', (c) => c.notNull().unique())
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('progress', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_error', 'text')
    .addColumn('run_after', 'varchar(32)', (c) => c.notNull())
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('started_at', 'varchar(32)')
    .addColumn('finished_at', 'varchar(32)')
    .addColumn('locked_by', 'varchar(200)')
    .addColumn('heartbeat_at', 'varchar(32)')
    .execute();
  await db.schema
    .createIndex('platform_jobs_status_run_after')
    .on('platform_jobs')
    .columns(['status', 'run_after'])
    .execute();
  await db.schema
    .createIndex('platform_jobs_status_finished_at')
    .on('platform_jobs')
    .columns(['status', 'finished_at'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('platform_jobs').execute();
}
