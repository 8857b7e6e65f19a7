import type { Kysely } from 'kysely';

/** One row per admin login: the session ends when its row goes (logout) or expires. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('platform_admin_sessions')
    // SHA-256 (hex) of the session token the cookie carries: the table alone opens no session.
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('expires_at', 'varchar(32)', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('platform_admin_sessions_expires_at')
    .on('platform_admin_sessions')
    .column('expires_at')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('platform_admin_sessions').execute();
}
