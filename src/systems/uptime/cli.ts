// `quintet import uptime`, `quintet seed uptime`, `quintet report uptime`: the same code the HTTP
// API and the jobs run. The declarations load nothing; each action imports what it uses.
import { once } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { CliError, positiveInt, progressBar } from '../../platform/cli.js';
import { DomainError } from '../../platform/errors.js';
import type { CliContext } from '../../platform/system.js';

/** "1 row", "2 rows". */
const count = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** A DomainError (bad input, a missing file) as the CLI's one-line error. */
async function oneLine<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof DomainError) throw new CliError(err.message);
    throw err;
  }
}

export function declareUptimeCli({ group, openPlatform }: CliContext): void {
  group('import')
    .command('uptime')
    .description(
      'import the uptime CSVs: polls (--status), business hours (--hours), timezones (--timezones)',
    )
    .option('--status <file>', 'polls: store_id,status,timestamp_utc')
    .option('--hours <file>', 'business hours: store_id,dayOfWeek (or day),start_time_local,end_time_local')
    .option('--timezones <file>', 'timezones: store_id,timezone_str')
    .action(async (opts: { status?: string; hours?: string; timezones?: string }) => {
      const { importUptimeFiles, IMPORT_FILES } = await import('./import.js');
      const sources = Object.fromEntries(
        IMPORT_FILES.filter((f) => opts[f] !== undefined).map((f) => [
          f,
          { path: path.resolve(opts[f] as string) },
        ]),
      );
      if (Object.keys(sources).length === 0)
        throw new CliError('give at least one of --status, --hours, --timezones');
      const platform = await openPlatform();
      try {
        let bar: ReturnType<typeof progressBar> | undefined;
        const summary = await oneLine(() =>
          importUptimeFiles(platform.database, sources, {
            onProgress: (done, total) => {
              bar ??= progressBar('importing', Math.max(1, Math.round(total / 1024)));
              bar.update(Math.round(done / 1024));
            },
          }),
        ).finally(() => bar?.stop());
        for (const f of summary.files) {
          for (const r of f.rejections) console.log(`${f.name} line ${r.line}: ${r.reason}`);
          if (f.rejected > f.rejections.length)
            console.log(`${f.name}: ${f.rejected - f.rejections.length} more rejected rows not listed`);
          const dup = f.file === 'status' ? `, ${f.duplicates} already stored` : '';
          console.log(
            `${f.file} ${f.name}: read ${count(f.rows, 'row')} of ${count(f.stores, 'store')}: loaded ${f.loaded}${dup}, rejected ${f.rejected}`,
          );
        }
        console.log(`imported in ${(summary.durationMs / 1000).toFixed(1)} s`);
      } finally {
        await platform.close();
      }
    });

  group('seed')
    .command('uptime')
    .description(
      'write generated polls (every 20-45 minutes per store, with outages) for the stores of the given files',
    )
    .option('--hours <file>', 'business hours of the stores to poll')
    .option('--timezones <file>', 'timezones of the stores to poll')
    .requiredOption('--days <n>', 'days of polls, ending at --end', positiveInt('--days'))
    .requiredOption('--out <file>', 'the CSV to write (store_id,status,timestamp_utc)')
    .option('--end <timestamp>', 'the end of the polled span (default: now, to the minute)')
    .option('--seed <n>', 'random seed, for repeatable data', positiveInt('--seed'))
    .option('--max-stores <n>', 'poll only this many of the stores', positiveInt('--max-stores'))
    .action(
      async (opts: {
        hours?: string;
        timezones?: string;
        days: number;
        out: string;
        end?: string;
        seed?: number;
        maxStores?: number;
      }) => {
        if (opts.hours === undefined && opts.timezones === undefined)
          throw new CliError('give --hours or --timezones (or both): the stores to poll come from them');
        const [{ readRowsFile }, { writePollCsv }, { parseTimestamp, timestampProblem }, fs] =
          await Promise.all([
            import('./import.js'),
            import('./generate.js'),
            import('./timestamps.js'),
            import('node:fs'),
          ]);
        let end = Math.floor(Date.now() / 60_000) * 60_000;
        if (opts.end !== undefined) {
          end = parseTimestamp(opts.end);
          if (Number.isNaN(end)) throw new CliError(`--end: ${timestampProblem(opts.end)}`);
        }
        const read = async <F extends 'hours' | 'timezones'>(file: F, p: string | undefined) => {
          if (p === undefined) return { rows: [], outcome: undefined };
          const result = await oneLine(() => readRowsFile(file, { path: path.resolve(p) }));
          if (result.outcome.rejected > 0)
            console.error(`${result.outcome.name}: ${result.outcome.rejected} rows rejected and left out`);
          return result;
        };
        const hours = (await read('hours', opts.hours)).rows;
        const timezones = (await read('timezones', opts.timezones)).rows;
        const out = fs.createWriteStream(path.resolve(opts.out));
        const opened = new Promise<void>((resolve, reject) =>
          out.once('open', () => resolve()).once('error', reject),
        );
        await opened.catch((err: NodeJS.ErrnoException) => {
          throw new CliError(
            `--out ${opts.out}: ${err.code === 'ENOENT' ? 'no such directory' : err.message}`,
          );
        });
        const bar = progressBar('generating polls', 100);
        try {
          const summary = await writePollCsv(
            out,
            { hours, timezones, days: opts.days, end, seed: opts.seed, maxStores: opts.maxStores },
            (f) => bar.update(Math.round(f * 100)),
          );
          await new Promise<void>((resolve, reject) =>
            out.end((err?: Error | null) => (err ? reject(err) : resolve())),
          );
          bar.stop();
          console.log(
            `wrote ${summary.rows} polls of ${summary.stores} stores (${(summary.bytes / 2 ** 20).toFixed(1)} MiB) to ${opts.out}`,
          );
        } finally {
          bar.stop();
        }
      },
    );

  group('report')
    .command('uptime')
    .description('compute the uptime report (the same engine as the report job), with a progress bar')
    .option('--now <timestamp>', 'the instant to report at (default: the latest poll)')
    .option('--out <file>', 'write the CSV here (default: standard output)')
    .action(async (opts: { now?: string; out?: string }) => {
      const [{ runReport }, { parseNow }] = await Promise.all([
        import('./report-run.js'),
        import('./service.js'),
      ]);
      const now = await oneLine(async () => parseNow(opts.now, '--now'));
      const out = opts.out ? fs.createWriteStream(path.resolve(opts.out)) : process.stdout;
      if (opts.out) {
        await new Promise<void>((resolve, reject) =>
          out.once('open', () => resolve()).once('error', reject),
        ).catch((err: NodeJS.ErrnoException) => {
          throw new CliError(
            `--out ${opts.out}: ${err.code === 'ENOENT' ? 'no such directory' : err.message}`,
          );
        });
      }
      const platform = await openPlatform();
      const bar = progressBar('reporting', 100);
      const started = performance.now();
      try {
        const result = await oneLine(() =>
          runReport(platform.db as import('./tables.js').UptimeDb, platform.database.native, {
            now,
            write: async (chunk) => {
              if (!out.write(chunk)) await once(out, 'drain');
            },
            onProgress: (f) => bar.update(Math.round(f * 100)),
          }),
        );
        bar.stop();
        if (opts.out) await new Promise<void>((resolve) => out.end(resolve));
        process.stderr.write(
          `report at ${new Date(result.now).toISOString()}: ${count(result.stores, 'store')}, ${count(result.pollsRead, 'poll')} read, ` +
            `${((performance.now() - started) / 1000).toFixed(2)} s${opts.out ? ` -> ${opts.out}` : ''}\n`,
        );
      } catch (err) {
        if (opts.out) {
          // no half-written report left behind
          out.destroy();
          fs.rmSync(path.resolve(opts.out), { force: true });
        }
        throw err;
      } finally {
        bar.stop();
        await platform.close();
      }
    });
}
