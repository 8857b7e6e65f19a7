import type { AnyDb } from './db/database.js';

/** Platform-wide key/value settings (secrets generated at first start live here, shared by all instances). */
export async function getSetting(db: AnyDb, key: string): Promise<string | undefined> {
  const row = (await db
    .selectFrom('platform_settings')
    .select('value')
    .where('key', '=', key)
    .executeTakeFirst()) as { value: string } | undefined;
  return row?.value;
}

/** Stores the value only if the key is unset; returns the value that won (safe when instances race). */
export async function getOrCreateSetting(
  db: AnyDb,
  key: string,
  create: () => string,
): Promise<{ value: string; created: boolean }> {
  const existing = await getSetting(db, key);
  if (existing !== undefined) return { value: existing, created: false };
  const value = create();
  await db
    .insertInto('platform_settings')
    .values({ key, value })
    .onConflict((oc) => oc.column('key').doNothing())
    .execute();
  const stored = await getSetting(db, key);
  return { value: stored ?? value, created: stored === value };
}
