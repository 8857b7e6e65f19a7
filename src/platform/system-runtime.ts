// Loading systems' runtime parts, and what the platform does with them: migrations and job tables.
// Kept apart from system.ts, which every system's light module imports, so that `quintet --help`
// loads no database code.
import type { MigrationOutcome } from './db/migrator.js';
import { migrateScope } from './db/migrator.js';
import type { AnyJobDefinition } from './jobs/job-queue.js';
import { platformMigrations } from './migrations/index.js';
import type { Platform } from './platform.js';
import { systemSettings, type AnySystemModule, type SystemModule, type SystemRuntime } from './system.js';
import type { Config } from '../config.js';

/** A system with its runtime parts imported and its settings read from the config. */
export interface LoadedSystem<S = unknown> {
  readonly name: string;
  readonly module: SystemModule<S>;
  readonly runtime: SystemRuntime<S>;
  readonly settings: S;
}

/** Imports the runtime parts of these systems (cached by the module loader after the first time). */
export async function loadSystems(
  config: Config,
  modules: readonly AnySystemModule[],
): Promise<LoadedSystem[]> {
  return Promise.all(
    modules.map(async (module) => ({
      name: module.name,
      module,
      runtime: (await module.load()) as SystemRuntime<unknown>,
      settings: systemSettings<unknown>(config, module.name),
    })),
  );
}

/** Applies the platform's migrations, then each system's, in order. */
export async function migrateAll(
  platform: Platform,
  systems: readonly AnySystemModule[],
): Promise<MigrationOutcome[]> {
  const outcomes = [await migrateScope(platform.db, 'platform', platformMigrations)];
  for (const system of await loadSystems(platform.config, systems))
    outcomes.push(await migrateScope(platform.db, system.name, system.runtime.migrations));
  return outcomes;
}

/** Every job definition of these systems: the table `startWorkers` checks at boot. */
export async function systemJobs(
  platform: Platform,
  systems: readonly AnySystemModule[],
): Promise<AnyJobDefinition[]> {
  const loaded = await loadSystems(platform.config, systems);
  return loaded.flatMap(({ runtime, settings }) => runtime.jobs?.(platform, settings) ?? []);
}
