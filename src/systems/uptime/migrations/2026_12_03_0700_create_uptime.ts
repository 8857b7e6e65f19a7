import { sql, type Kysely } from 'kysely';
import { isPostgres, withAutoId } from '../../../platform/db/schema.js';

export async function up(db: Kysely<unknown>): Promise<void> {
  const pg = isPostgres(db);
  await withAutoId(db, db.schema.createTable('uptime_stores'))
    .addColumn('store_id', 'varchar(128)', (c) => c.notNull().unique())
    .execute();
  // Clustered by (store, time) on SQLite (WITHOUT ROWID: the rows live in the key's B-tree, so a
  // store's polls are read in order from adjacent pages and no second index is kept).
  let polls = db.schema
    .createTable('uptime_polls')
    .addColumn('store_key', 'integer', (c) => c.notNull())
    .addColumn('ts_ms', 'bigint', (c) => c.notNull())
    .addColumn('active', 'smallint', (c) => c.notNull())
    .addPrimaryKeyConstraint('uptime_polls_pk', ['store_key', 'ts_ms']);
  if (!pg) polls = polls.modifyEnd(sql`without rowid`);
  await polls.execute();
  await db.schema
    .createTable('uptime_hours')
    .addColumn('store_key', 'integer', (c) => c.notNull())
    .addColumn('weekday', 'smallint', (c) => c.notNull())
    .addColumn('start_s', 'integer', (c) => c.notNull())
    .addColumn('end_s', 'integer', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('uptime_hours_store').on('uptime_hours').column('store_key').execute();
  await db.schema
    .createTable('uptime_timezones')
    .addColumn('store_key', 'integer', (c) => c.primaryKey())
    .addColumn('timezone', 'varchar(64)', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('uptime_reports')
    .addColumn('id', 'varchar(32)', (c) => c.primaryKey())
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    .addColumn('progress', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('requested_now_ms', 'bigint')
    .addColumn('now_ms', 'bigint')
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('stores', 'integer')
    .addColumn('polls_read', 'bigint')
    .addColumn('duration_ms', 'integer')
    .addColumn('error', 'text')
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('started_at', 'varchar(32)')
    .addColumn('finished_at', 'varchar(32)')
    .execute();
  await db.schema
    .createIndex('uptime_reports_created_at')
    .on('uptime_reports')
    .column('created_at')
    .execute();
  await db.schema
    .createIndex('uptime_reports_finished_at')
    .on('uptime_reports')
    .column('finished_at')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['uptime_reports', 'uptime_timezones', 'uptime_hours', 'uptime_polls', 'uptime_stores'])
    await db.schema.dropTable(table).execute();
}
