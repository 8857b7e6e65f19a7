import type { Kysely } from 'kysely';
import { withAutoId } from '../../../platform/db/schema.js';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('banners_impressions')
    .addColumn('quarter', 'integer', (c) => c.notNull())
    .addColumn('campaign_id', 'bigint', (c) => c.notNull())
    .addColumn('banner_id', 'bigint', (c) => c.notNull())
    .addColumn('impressions', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('banners_impressions_pk', ['quarter', 'campaign_id', 'banner_id'])
    .execute();
  await db.schema
    .createTable('banners_clicks')
    .addColumn('quarter', 'integer', (c) => c.notNull())
    .addColumn('click_id', 'bigint', (c) => c.notNull())
    .addColumn('banner_id', 'bigint', (c) => c.notNull())
    .addColumn('campaign_id', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('banners_clicks_pk', ['quarter', 'click_id'])
    .execute();
  await db.schema
    .createTable('banners_conversions')
    .addColumn('quarter', 'integer', (c) => c.notNull())
    .addColumn('conversion_id', 'bigint', (c) => c.notNull())
    .addColumn('click_id', 'bigint', (c) => c.notNull())
    .addColumn('revenue_micros', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('banners_conversions_pk', ['quarter', 'conversion_id'])
    .execute();
  await withAutoId(db, db.schema.createTable('banners_imports'))
    .addColumn('quarter', 'integer', (c) => c.notNull())
    .addColumn('kind', 'varchar(16)', (c) => c.notNull())
    .addColumn('file_name', 'varchar(300)', (c) => c.notNull())
    .addColumn('content_hash', 'varchar(64)', (c) => c.notNull())
    .addColumn('size_bytes', 'bigint', (c) => c.notNull())
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    .addColumn('rows_read', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('rows_loaded', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('rows_skipped', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('rows_rejected', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('warnings', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('rejected_examples', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('warning_examples', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('error', 'text')
    .addColumn('imported_at', 'varchar(32)', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('banners_loaded_files')
    .addColumn('content_hash', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('import_id', 'integer', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('banners_collections')
    .addColumn('campaign_id', 'bigint', (c) => c.notNull())
    .addColumn('quarter', 'integer', (c) => c.notNull())
    .addColumn('rank', 'integer', (c) => c.notNull())
    .addColumn('banner_id', 'bigint', (c) => c.notNull())
    .addColumn('rule', 'varchar(32)', (c) => c.notNull())
    .addColumn('pick', 'varchar(16)', (c) => c.notNull())
    .addColumn('revenue_micros', 'bigint', (c) => c.notNull())
    .addColumn('conversions', 'bigint', (c) => c.notNull())
    .addColumn('clicks', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('banners_collections_pk', ['campaign_id', 'quarter', 'rank'])
    .execute();
  await db.schema
    .createTable('banners_state')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('collections_version', 'bigint', (c) => c.notNull())
    .execute();
  await (db as Kysely<{ banners_state: { id: number; collections_version: number } }>)
    .insertInto('banners_state')
    .values({ id: 1, collections_version: 0 })
    .execute();
  await db.schema
    .createTable('banners_served_impressions')
    .addColumn('campaign_id', 'bigint', (c) => c.notNull())
    .addColumn('banner_id', 'bigint', (c) => c.notNull())
    .addColumn('served', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('banners_served_impressions_pk', ['campaign_id', 'banner_id'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of [
    'banners_served_impressions',
    'banners_state',
    'banners_collections',
    'banners_loaded_files',
    'banners_imports',
    'banners_conversions',
    'banners_clicks',
    'banners_impressions',
  ])
    await db.schema.dropTable(table).execute();
}
