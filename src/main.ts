import { Command, CommanderError } from 'commander';
import { buildApp } from './app.js';
import { ConfigError, loadConfig, type Config } from './config.js';
import { CliError } from './platform/cli.js';
import { systemJobs } from './platform/jobs/index.js';
import { createPlatform, migrateAll, type Platform } from './platform/platform.js';
import { listen } from './server.js';
import { SYSTEMS, enabledSystems } from './systems/index.js';

function config(): Config {
  return loadConfig(process.env);
}

async function openPlatform(cfg: Config): Promise<Platform> {
  const platform = createPlatform(cfg);
  await migrateAll(platform, enabledSystems(cfg.systems));
  return platform;
}

export function buildCli(): Command {
  const program = new Command('quintet')
    .description('Quintet: five data-backed systems in one service')
    .showHelpAfterError()
    .exitOverride();

  program
    .command('serve')
    .description('migrate, then serve the pages and APIs')
    .option('--demo', 'load demo data into systems whose tables are empty')
    .action(async (opts: { demo?: boolean }) => {
      const cfg = config();
      const platform = await openPlatform(cfg);
      const systems = enabledSystems(cfg.systems);
      if (opts.demo) {
        for (const system of systems) await system.loadDemo?.(platform);
      }
      const app = await buildApp(platform, { systems });
      // With REDIS_URL, `quintet worker` runs the jobs and serve only enqueues.
      if (platform.jobs.kind === 'in-process')
        await platform.jobs.startWorkers(systemJobs(platform, systems));
      await listen(app, cfg.host, cfg.port, () => platform.close());
      platform.log.info(
        `Quintet is listening on http://${cfg.host}:${cfg.port}/ (systems: ${systems.map((s) => s.name).join(', ')})`,
      );
    });

  program
    .command('worker')
    .description('run background jobs from Redis (REDIS_URL), on as many machines as you like')
    .action(async () => {
      const cfg = config();
      if (!cfg.redisUrl) {
        throw new CliError(
          'REDIS_URL is not set: `quintet worker` runs jobs from Redis; without Redis, `quintet serve` runs them itself',
        );
      }
      const platform = await openPlatform(cfg);
      const systems = enabledSystems(cfg.systems);
      // The timer keeps the process up even when no enabled system declares a job.
      const keepAlive = setInterval(() => undefined, 60_000);
      const stopped = new Promise<string>((resolve) => {
        process.once('SIGTERM', () => resolve('SIGTERM'));
        process.once('SIGINT', () => resolve('SIGINT'));
      }).finally(() => clearInterval(keepAlive));
      try {
        await platform.jobs.startWorkers(systemJobs(platform, systems));
        platform.log.info(
          `Quintet worker is running jobs (systems: ${systems.map((s) => s.name).join(', ')})`,
        );
        platform.log.info(`${await stopped}: finishing running jobs, then stopping`);
      } finally {
        clearInterval(keepAlive);
        await platform.close();
      }
    });

  program
    .command('migrate')
    .description('apply all pending migrations, then exit')
    .action(async () => {
      const cfg = config();
      const platform = createPlatform(cfg);
      try {
        for (const outcome of await migrateAll(platform, enabledSystems(cfg.systems))) {
          console.log(
            `${outcome.scope}: ${outcome.applied.length ? `applied ${outcome.applied.join(', ')}` : 'up to date'}`,
          );
        }
      } finally {
        await platform.close();
      }
    });

  const groups = {
    root: program,
    seed: program
      .command('seed')
      .description('generate data for a system (see `quintet seed <system> --help`)'),
    import: program
      .command('import')
      .description('import a file into a system (see `quintet import <system> --help`)'),
  };
  for (const system of SYSTEMS) system.cli?.(groups, () => openPlatform(config()));
  return program;
}

export async function run(argv: string[]): Promise<void> {
  try {
    await buildCli().parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      process.exitCode = err.exitCode;
      return;
    }
    if (err instanceof ConfigError || err instanceof CliError) {
      console.error(`quintet: ${err.message}`);
      process.exitCode = 2;
      return;
    }
    throw err;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await run(process.argv);
