import type { Kysely } from 'kysely';
import { withAutoId } from '../../../platform/db/schema.js';

export async function up(db: Kysely<unknown>): Promise<void> {
  await withAutoId(db, db.schema.createTable('hiring_applicants'))
    .addColumn('first_name', 'varchar(100)', (c) => c.notNull())
    .addColumn('last_name', 'varchar(100)', (c) => c.notNull())
    .addColumn('email', 'varchar(254)', (c) => c.notNull().unique())
    .addColumn('phone', 'varchar(64)', (c) => c.notNull())
    .addColumn('phone_key', 'varchar(64)', (c) => c.notNull().unique())
    .addColumn('region', 'varchar(64)')
    .addColumn('phone_type', 'varchar(64)')
    .addColumn('over_21', 'boolean')
    .addColumn('source', 'varchar(200)')
    .addColumn('reason', 'text')
    .addColumn('workflow_state', 'varchar(32)', (c) => c.notNull())
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('updated_at', 'varchar(32)', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('hiring_applicants_created_at')
    .on('hiring_applicants')
    .column('created_at')
    .execute();
  await db.schema
    .createIndex('hiring_applicants_state_created_at')
    .on('hiring_applicants')
    .columns(['workflow_state', 'created_at'])
    .execute();

  await db.schema
    .createTable('hiring_daily_counts')
    .addColumn('day', 'varchar(10)', (c) => c.notNull())
    .addColumn('week', 'varchar(10)', (c) => c.notNull())
    .addColumn('state', 'varchar(32)', (c) => c.notNull())
    .addColumn('count', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('hiring_daily_counts_pk', ['day', 'state'])
    .execute();
  await db.schema
    .createIndex('hiring_daily_counts_week')
    .on('hiring_daily_counts')
    .columns(['week', 'state', 'count'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('hiring_daily_counts').execute();
  await db.schema.dropTable('hiring_applicants').execute();
}
