import type { Kysely } from 'kysely';
import { withAutoId } from '../../../platform/db/schema.js';

export async function up(db: Kysely<unknown>): Promise<void> {
  await withAutoId(db, db.schema.createTable('diffing_jobs'))
    .addColumn('metric', 'varchar(64)')
    .addColumn('keys', 'text', (c) => c.notNull())
    .addColumn('value_column', 'varchar(200)', (c) => c.notNull())
    .addColumn('source', 'varchar(16)', (c) => c.notNull())
    .addColumn('old_input', 'text', (c) => c.notNull())
    .addColumn('new_input', 'text', (c) => c.notNull())
    .addColumn('old_name', 'varchar(300)', (c) => c.notNull())
    .addColumn('new_name', 'varchar(300)', (c) => c.notNull())
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    .addColumn('progress', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('error', 'text')
    .addColumn('rows_old', 'bigint')
    .addColumn('rows_new', 'bigint')
    .addColumn('rows_out', 'bigint')
    .addColumn('added', 'bigint')
    .addColumn('changed', 'bigint')
    .addColumn('unchanged', 'bigint')
    .addColumn('deleted', 'bigint')
    .addColumn('duplicate_keys_old', 'bigint')
    .addColumn('duplicate_keys_new', 'bigint')
    .addColumn('warnings', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('partitions', 'integer')
    .addColumn('duration_ms', 'integer')
    .addColumn('peak_memory_bytes', 'bigint')
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('started_at', 'varchar(32)')
    .addColumn('finished_at', 'varchar(32)')
    .execute();
  await db.schema.createIndex('diffing_jobs_finished_at').on('diffing_jobs').column('finished_at').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('diffing_jobs').execute();
}
