// `quintet diff`, `quintet seed diffing`: the same engine the jobs run, from the command line. The
// declarations load only the metric list; each action imports the engine or the generator it uses.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CliError, positiveInt, progressBar } from '../../platform/cli.js';
import type { CliContext } from '../../platform/system.js';
import { METRICS } from './metric-definitions.js';
import { DEFAULT_DIFF_MEMORY_MB, diffingSettings } from './settings.js';

export function declareDiffingCli({ root, group, config }: CliContext): void {
  root
    .command('diff')
    .description('diff two CSV exports: the new file header, then every new or changed row')
    .argument('<old>', 'the previous export')
    .argument('<new>', 'the new export')
    .option('--metric <id>', `a known metric (${METRICS.map((m) => m.id).join(', ')})`)
    .option('--keys <columns>', 'key columns, comma-separated (instead of --metric)')
    .option('--value <column>', 'the value column (with --keys)')
    .option('--out <file>', 'write the diff here (default: standard output)')
    .option('--deleted <file>', 'also write the rows only in the old file here')
    .option(
      '--memory-mb <n>',
      `memory for the key table before partitioning on disk (default: DIFF_MEMORY_MB, else ${DEFAULT_DIFF_MEMORY_MB})`,
      positiveInt('--memory-mb'),
    )
    .action(
      async (
        oldFile: string,
        newFile: string,
        opts: {
          metric?: string;
          keys?: string;
          value?: string;
          out?: string;
          deleted?: string;
          memoryMb?: number;
        },
      ) => {
        const [{ diffSpecFrom, splitKeys, UnknownMetricError }, { DiffInputError, runDiff }] =
          await Promise.all([import('./diff-spec.js'), import('./engine/index.js')]);
        // The same parsed config as the server's, so DIFF_MEMORY_MB means the same everywhere.
        const { memoryBytes } = diffingSettings(config());
        let resolved: ReturnType<typeof diffSpecFrom>;
        try {
          const keys = opts.keys === undefined ? undefined : splitKeys(opts.keys);
          resolved = diffSpecFrom({ metric: opts.metric, keys, value: opts.value });
        } catch (err) {
          if (err instanceof UnknownMetricError) throw new CliError(err.message);
          throw err;
        }
        if (!resolved) throw new CliError('give --metric, or --keys and --value');
        const { spec } = resolved;
        const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'quintet-diff-'));
        const outPath = opts.out ? path.resolve(opts.out) : path.join(tmp, 'diff.csv');
        const deletedPath = opts.deleted ? path.resolve(opts.deleted) : path.join(tmp, 'deleted.csv');
        const bar = progressBar('diffing', 100);
        const started = performance.now();
        try {
          const stats = await runDiff({
            oldPath: path.resolve(oldFile),
            newPath: path.resolve(newFile),
            outPath,
            deletedPath,
            spec,
            memoryBudgetBytes: opts.memoryMb ? opts.memoryMb * 2 ** 20 : memoryBytes,
            tmpDir: tmp,
            onProgress: (f) => bar.update(Math.round(f * 100)),
          });
          bar.update(100);
          bar.stop();
          if (!opts.out) {
            await new Promise<void>((resolve, reject) =>
              fs
                .createReadStream(outPath)
                .on('error', reject)
                .on('end', resolve)
                .pipe(process.stdout, { end: false }),
            );
          }
          const seconds = ((performance.now() - started) / 1000).toFixed(2);
          const lines = [
            `rows read: old ${stats.rowsOld}, new ${stats.rowsNew}; rows out ${stats.rowsOut} (new ${stats.added}, changed ${stats.changed}); unchanged ${stats.unchanged}; deleted ${stats.deleted}`,
            `duplicate keys: old ${stats.duplicateKeysOld}, new ${stats.duplicateKeysNew}; partitions ${stats.partitions}; ${seconds} s; peak RSS ${Math.round(process.resourceUsage().maxRSS / 1024)} MB`,
            ...stats.warnings.map((w) => `warning: ${w}`),
          ];
          for (const line of lines) process.stderr.write(`${line}\n`);
        } catch (err) {
          bar.stop();
          if (err instanceof DiffInputError) throw new CliError(err.message);
          throw err;
        } finally {
          fs.rmSync(tmp, { recursive: true, force: true });
        }
      },
    );

  group('seed')
    .command('diffing')
    .description('write old/new export pairs for both metrics (revenue_*.csv, c_revenue_*.csv)')
    .requiredOption('--rows <n>', 'rows per file (about)', positiveInt('--rows'))
    .requiredOption('--out <dir>', 'directory to write to')
    .option('--seed <n>', 'random seed', positiveInt('--seed'))
    .option(
      '--noise-share <fraction>',
      'share (0..1) of overlapping rows that differ by float noise only',
      (v) => {
        const n = Number(v);
        if (v.trim() === '' || !(n >= 0 && n <= 1))
          throw new CliError(`--noise-share must be between 0 and 1: ${v}`);
        return n;
      },
    )
    .option('--shuffle', "write each new file's rows in another order than the old file's (seeded)")
    .action(
      async (opts: { rows: number; out: string; seed?: number; noiseShare?: number; shuffle?: boolean }) => {
        const { generateAllPairs } = await import('./generate.js');
        const bar = progressBar('generating', 100);
        const pairs = await generateAllPairs({
          rows: opts.rows,
          outDir: path.resolve(opts.out),
          seed: opts.seed,
          noiseShare: opts.noiseShare,
          shuffle: opts.shuffle === true,
          onProgress: (f, metric) => bar.update(Math.round(((metric === 'revenue' ? 0 : 1) + f) * 50)),
        });
        bar.stop();
        for (const p of Object.values(pairs))
          console.log(
            `${p.oldPath} (${p.rowsOld} rows), ${p.newPath} (${p.rowsNew} rows): expect ${p.expected.added} new, ${p.expected.changed} changed, ${p.expected.deleted} deleted`,
          );
      },
    );
}
