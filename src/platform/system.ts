import type { Command } from 'commander';
import type { FastifyInstance } from 'fastify';
import type { SystemName } from '../config.js';
import type { MigrationSet } from './db/migrator.js';
import type { AnyJobDefinition } from './jobs/job-queue.js';
import type { Platform } from './platform.js';

/** The CLI groups a system can add subcommands to. */
export interface CliGroups {
  readonly root: Command;
  readonly seed: Command;
  readonly import: Command;
}

/**
 * One system as the platform sees it. app.ts registers `routes` as a Fastify plugin;
 * main.ts lets `cli` add its subcommands. The platform never imports a system.
 */
export interface SystemModule {
  readonly name: SystemName;
  readonly title: string;
  /** One line for the home page. */
  readonly summary: string;
  /** Where the home page links to. */
  readonly href: string;
  readonly migrations: MigrationSet;
  routes(app: FastifyInstance, platform: Platform): Promise<void>;
  /** Loads demo data when the system's tables are empty (`quintet serve --demo`). */
  loadDemo?(platform: Platform): Promise<void>;
  cli?(groups: CliGroups, openPlatform: () => Promise<Platform>): void;
  /** The system's background jobs; checked and started by `serve` (in-process) or `worker` (BullMQ). */
  jobs?(platform: Platform): readonly AnyJobDefinition[];
}
