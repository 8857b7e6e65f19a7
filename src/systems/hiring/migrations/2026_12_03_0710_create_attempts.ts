import type { Kysely } from 'kysely';

/** Counted attempts per (scope, key) in a fixed window: shared by every app instance. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('hiring_attempts')
    .addColumn('scope', 'varchar(32)', (c) => c.notNull())
    .addColumn('key', 'varchar(1000)', (c) => c.notNull())
    .addColumn('window_start', 'varchar(32)', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('hiring_attempts_pk', ['scope', 'key'])
    .execute();
  await db.schema
    .createIndex('hiring_attempts_window')
    .on('hiring_attempts')
    .columns(['scope', 'window_start'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('hiring_attempts').execute();
}
