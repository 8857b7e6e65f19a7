import type { Command } from 'commander';
import type { FastifyInstance } from 'fastify';
import type { Config, Env, PlatformConfig } from '../config.js';
import { migrateScope, type MigrationOutcome, type MigrationSet } from './db/migrator.js';
import type { AnyJobDefinition } from './jobs/job-queue.js';
import { platformMigrations } from './migrations/index.js';
import type { Platform } from './platform.js';

/** What a system's CLI declarations are handed. Building it loads nothing heavy. */
export interface CliContext {
  /** `quintet <command>` itself, for top-level commands such as `quintet diff`. */
  readonly root: Command;
  /** The group `quintet <verb> …` (seed, import, report, or a verb of the system's own), made on first use. */
  group(verb: string): Command;
  /** The parsed, frozen config (platform and every system's settings); throws ConfigError on a bad variable. */
  config(): Config;
  /** Opens the platform and migrates the enabled systems; the command closes it. */
  openPlatform(): Promise<Platform>;
}

/** The heavy part of a system (routes, jobs, SQL), imported only by commands that need it. */
export interface SystemRuntime<S> {
  readonly migrations: MigrationSet;
  routes(app: FastifyInstance, platform: Platform, settings: S): Promise<void>;
  /** Loads demo data when the system's tables are empty (`quintet serve --demo`). */
  loadDemo?(platform: Platform, settings: S): Promise<void>;
  /** The system's background jobs; checked and started by `serve` (in-process) or `worker` (BullMQ). */
  jobs?(platform: Platform, settings: S): readonly AnyJobDefinition[];
}

/**
 * One system as the platform sees it: a light module (names, settings, CLI declarations) that
 * `quintet --help` can import in milliseconds, and `load()` for everything else. app.ts and
 * main.ts meet systems through this; the platform never imports a system.
 */
export interface SystemModule<S = unknown> {
  /** Lowercase, as in SYSTEMS and in table, job and artifact prefixes. */
  readonly name: string;
  readonly title: string;
  /** One line for the home page. */
  readonly summary: string;
  /** Where the home page links to. */
  readonly href: string;
  /** Parses the system's own environment variables; throws ConfigError naming the variable. */
  settings?(env: Env, platform: PlatformConfig): S;
  /** Declares the system's commands; their actions import what they use. */
  cli?(cli: CliContext): void;
  load(): Promise<SystemRuntime<S>>;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnySystemModule = SystemModule<any>;

/** Declares a system (an identity function that checks its shape and infers its settings type). */
export function defineSystem<S = undefined>(system: SystemModule<S>): SystemModule<S> {
  return system;
}

/** A system's settings in a parsed config (in any process or job thread). */
export function systemSettings<S>(config: Config, name: string): S {
  if (!(name in config.settings)) throw new Error(`the config was parsed without the ${name} system`);
  return config.settings[name] as S;
}

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
