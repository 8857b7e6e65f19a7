import { PostgresAdapter, type ColumnDefinitionBuilder, type CreateTableBuilder, type Kysely } from 'kysely';

/** Schema helpers for migrations that must run on both SQLite and PostgreSQL. */
export function isPostgres(db: Kysely<unknown>): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}

/** The largest id withAutoId hands out on both databases (PostgreSQL's serial is a 32-bit integer). */
export const MAX_AUTO_ID = 2_147_483_647;

/**
 * Whether `id` can be a withAutoId id at all: a larger one is a row that does not exist (PostgreSQL
 * would refuse the query, "out of range for type integer", instead of finding nothing).
 */
export const isAutoId = (id: number): boolean => Number.isSafeInteger(id) && id >= 1 && id <= MAX_AUTO_ID;

/** An auto-incrementing integer primary key `id` (serial on PostgreSQL, AUTOINCREMENT on SQLite). */
export function withAutoId<T extends string>(
  db: Kysely<unknown>,
  table: CreateTableBuilder<T, never>,
): CreateTableBuilder<T, 'id'> {
  return isPostgres(db)
    ? table.addColumn('id', 'serial', (c: ColumnDefinitionBuilder) => c.primaryKey())
    : table.addColumn('id', 'integer', (c: ColumnDefinitionBuilder) => c.primaryKey().autoIncrement());
}
