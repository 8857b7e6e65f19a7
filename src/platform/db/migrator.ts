import { Migrator, type Migration, type MigrationResultSet } from 'kysely';
import type { AnyDb } from './database.js';

export type MigrationSet = Record<string, Migration>;

export interface MigrationOutcome {
  scope: string;
  applied: string[];
}

/**
 * Applies one scope's migrations (the platform's or one system's). Each scope keeps its own
 * bookkeeping table, so systems migrate independently and can be enabled later.
 */
export async function migrateScope(
  db: AnyDb,
  scope: string,
  migrations: MigrationSet,
): Promise<MigrationOutcome> {
  const migrator = new Migrator({
    db,
    provider: { getMigrations: () => Promise.resolve(migrations) },
    migrationTableName: `${scope}_migrations`,
    migrationLockTableName: `${scope}_migrations_lock`,
  });
  const result: MigrationResultSet = await migrator.migrateToLatest();
  if (result.error) {
    const failed = result.results?.find((r) => r.status === 'Error');
    const cause = result.error instanceof Error ? result.error.message : String(result.error);
    throw new Error(`migration ${scope}/${failed?.migrationName ?? '?'} failed: ${cause}`, {
      cause: result.error,
    });
  }
  return {
    scope,
    applied: (result.results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName),
  };
}
