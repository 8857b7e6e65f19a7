// The `quintet` command line. Start-up imports only commander, the config parser and the systems'
// light modules; each command imports what it uses when it runs, so `quintet --help` and a small
// `quintet diff` start in a fraction of a second.
import { Command, CommanderError } from 'commander';
import { ConfigError, loadConfig, type Config } from './config.js';
import { CliError } from './platform/cli.js';
import type { Platform } from './platform/platform.js';
import type { CliContext } from './platform/system.js';
import { SYSTEMS, systemsNamed } from './systems/index.js';

let parsed: Config | undefined;
/** The environment, parsed once per process (platform and every system's settings). */
function config(): Config {
  parsed ??= loadConfig(process.env, SYSTEMS);
  return parsed;
}

async function openPlatform(cfg: Config): Promise<Platform> {
  const [{ createPlatform }, { migrateAll }] = await Promise.all([
    import('./platform/platform.js'),
    import('./platform/system-runtime.js'),
  ]);
  const platform = createPlatform(cfg);
  try {
    await migrateAll(platform, systemsNamed(cfg.systems));
    // Before any worker starts: what processes killed mid-job (kill -9) left in the scratch space.
    const cleaned = await platform.artifacts.cleanScratch();
    if (cleaned) platform.log.info(`removed the scratch space of ${cleaned} stopped process(es)`);
  } catch (err) {
    await platform.close();
    throw err;
  }
  return platform;
}

/** What the groups of system commands are for, in `quintet --help`; a verb not listed here still works. */
const GROUPS: Record<string, string> = {
  seed: 'generate data for a system (see `quintet seed <system> --help`)',
  import: 'import files into a system (see `quintet import <system> --help`)',
  report: 'run a report of a system (see `quintet report <system> --help`)',
};

export function buildCli(): Command {
  const program = new Command('quintet')
    .description('Quintet: five data-backed systems in one service')
    .exitOverride()
    // A usage error is one line naming what is wrong (and where the help is); --help stays full.
    .configureOutput({ outputError: () => undefined });

  program
    .command('serve')
    .description('migrate, then serve the pages and APIs')
    .option('--demo', 'load demo data into systems whose tables are empty')
    .action(async (opts: { demo?: boolean }) => {
      const cfg = config();
      const [{ buildApp }, { listen, jobGraceMs }, { loadSystems, systemJobs }] = await Promise.all([
        import('./app.js'),
        import('./server.js'),
        import('./platform/system-runtime.js'),
      ]);
      const platform = await openPlatform(cfg);
      const modules = systemsNamed(cfg.systems);
      if (opts.demo) {
        for (const { runtime, settings } of await loadSystems(cfg, modules))
          await runtime.loadDemo?.(platform, settings);
      }
      const app = await buildApp(platform, { systems: modules });
      // With REDIS_URL, `quintet worker` runs the jobs and serve only enqueues.
      if (platform.jobs.kind === 'in-process')
        await platform.jobs.startWorkers(await systemJobs(platform, modules));
      await listen(app, cfg.host, cfg.port, (deadline) =>
        platform.close({ jobGraceMs: jobGraceMs(cfg.jobStopGraceSeconds * 1000, deadline) }),
      );
      platform.log.info(
        `Quintet is listening on http://${cfg.host}:${cfg.port}/ (systems: ${cfg.systems.join(', ')})`,
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
      const [{ systemJobs }, { exitIfStillStopping, jobGraceMs }] = await Promise.all([
        import('./platform/system-runtime.js'),
        import('./server.js'),
      ]);
      const platform = await openPlatform(cfg);
      // The timer keeps the process up even when no enabled system declares a job.
      const keepAlive = setInterval(() => undefined, 60_000);
      const stopped = new Promise<string>((resolve) => {
        process.once('SIGTERM', () => resolve('SIGTERM'));
        process.once('SIGINT', () => resolve('SIGINT'));
      }).finally(() => {
        clearInterval(keepAlive);
        // Also when the signal comes while the workers are still starting (Redis away).
        exitIfStillStopping(platform.log);
      });
      try {
        await platform.jobs.startWorkers(await systemJobs(platform, systemsNamed(cfg.systems)));
        platform.log.info(`Quintet worker is running jobs (systems: ${cfg.systems.join(', ')})`);
        platform.log.info(`${await stopped}: finishing running jobs, then stopping`);
      } finally {
        clearInterval(keepAlive);
        // Also when starting failed without a signal (Redis gone mid-start): close may wait for
        // Redis for ever, and a process that never exits is never restarted.
        const deadline = exitIfStillStopping(platform.log);
        await platform.close({ jobGraceMs: jobGraceMs(cfg.jobStopGraceSeconds * 1000, deadline) });
      }
    });

  program
    .command('migrate')
    .description('apply all pending migrations, then exit')
    .action(async () => {
      const cfg = config();
      const [{ createPlatform }, { migrateAll }] = await Promise.all([
        import('./platform/platform.js'),
        import('./platform/system-runtime.js'),
      ]);
      const platform = createPlatform(cfg);
      try {
        for (const outcome of await migrateAll(platform, systemsNamed(cfg.systems))) {
          console.log(
            `${outcome.scope}: ${outcome.applied.length ? `applied ${outcome.applied.join(', ')}` : 'up to date'}`,
          );
        }
      } finally {
        await platform.close();
      }
    });

  const groups = new Map<string, Command>();
  const cli: CliContext = {
    root: program,
    group(verb) {
      let group = groups.get(verb);
      if (!group) {
        const made = program
          .command(verb)
          .description(GROUPS[verb] ?? `${verb} for a system (see \`quintet ${verb} <system> --help\`)`)
          .argument('[system]')
          .action((system?: string) => {
            const names = made.commands.map((c) => c.name()).filter((n) => n !== 'help');
            const what = system === undefined ? 'needs a system' : `has no system "${system}"`;
            throw new CliError(
              `\`quintet ${verb}\` ${what}: ${names.join(', ')} (see \`quintet ${verb} --help\`)`,
            );
          });
        group = made;
        groups.set(verb, group);
      }
      return group;
    },
    config,
    openPlatform: () => openPlatform(config()),
  };
  for (const system of SYSTEMS) system.cli?.(cli);
  return program;
}

/** Commander's ways of ending after printing help or a version, which are not errors. */
const HELP_CODES = new Set(['commander.helpDisplayed', 'commander.help', 'commander.version']);

/** The words of the command line before the first option or argument that is not a command, for the help hint. */
function commandPath(argv: string[]): string {
  let command = buildCli();
  const words: string[] = [];
  for (const word of argv.slice(2)) {
    const sub = command.commands.find((c) => c.name() === word);
    if (!sub) break;
    words.push(word);
    command = sub;
  }
  return words.map((w) => `${w} `).join('');
}

export async function run(argv: string[]): Promise<void> {
  try {
    await buildCli().parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      if (HELP_CODES.has(err.code)) {
        process.exitCode = err.exitCode;
        return;
      }
      const message = err.message.replace(/^error: /, '');
      console.error(`quintet: ${message} (see \`quintet ${commandPath(argv)}--help\`)`);
      process.exitCode = 2;
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
