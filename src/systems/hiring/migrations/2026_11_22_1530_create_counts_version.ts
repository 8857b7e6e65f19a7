import type { Kysely } from 'kysely';

/** One row whose version every count change bumps, in the same transaction (see repository.applyCountDeltas). */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('hiring_counts_version')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('version', 'bigint', (c) => c.notNull())
    .execute();
  await (db as Kysely<{ hiring_counts_version: { id: number; version: number } }>)
    .insertInto('hiring_counts_version')
    .values({ id: 1, version: 0 })
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('hiring_counts_version').execute();
}
