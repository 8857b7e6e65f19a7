import type { Command } from 'commander';
import type { FastifyInstance } from 'fastify';
import type { Config, Env, PlatformConfig } from '../config.js';
import type { MigrationSet } from './db/migrator.js';
import type { AnyJobDefinition } from './jobs/job-queue.js';
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
