// `quintet seed hiring` and `quintet import hiring`: the same service the HTTP API calls. The
// declarations load nothing; each action imports what it uses.
import { CliError, positiveInt, progressBar } from '../../platform/cli.js';
import type { CliContext } from '../../platform/system.js';
import type { ImportSummary } from './service.js';

/** What `quintet import hiring` prints: every rejected row, the first rows kept with warnings, and how many it did not list. */
export function importReport(summary: ImportSummary, seconds: number): string[] {
  const lines = summary.rejected.map((r) => `rejected id ${r.id}: ${r.reason}`);
  for (const w of summary.warningExamples) lines.push(`warning ${w}`);
  const unlisted = summary.warnings - summary.warningExamples.length;
  if (unlisted > 0)
    lines.push(`warning … and ${unlisted} more row${unlisted === 1 ? '' : 's'} with warnings, not listed`);
  lines.push(
    `read ${summary.read} rows in ${seconds.toFixed(1)} s: imported ${summary.imported}, rejected ${summary.rejected.length}, ` +
      `kept with warnings ${summary.warnings} (values today's form would refuse, stored as written)`,
  );
  return lines;
}

export function declareHiringCli({ group, openPlatform }: CliContext): void {
  group('seed')
    .command('hiring')
    .description('create random applicants (realistic names, funnel-shaped states)')
    .requiredOption('--count <n>', 'how many applicants', positiveInt('--count'))
    .option('--from <date>', 'first application day, YYYY-MM-DD (default: 182 days before --to)')
    .option('--to <date>', 'last application day, YYYY-MM-DD (default: now)')
    .option('--seed <n>', 'random seed, for repeatable data', positiveInt('--seed'))
    .action(async (opts: { count: number; from?: string; to?: string; seed?: number }) => {
      const [{ seedRange }, { createHiringService }] = await Promise.all([
        import('./seed.js'),
        import('./service.js'),
      ]);
      const platform = await openPlatform();
      try {
        const range = seedRange(opts.from, opts.to, platform.clock.now());
        if (!range.ok) throw new CliError(range.error);
        const bar = progressBar('seeding applicants', opts.count);
        const started = performance.now();
        const created = await createHiringService(platform).seed({
          count: opts.count,
          from: range.from,
          to: range.to,
          seed: opts.seed,
          onProgress: (done) => bar.update(done),
        });
        bar.stop();
        const seconds = (performance.now() - started) / 1000;
        console.log(
          `created ${created} applicants in ${seconds.toFixed(1)} s (${Math.round(created / seconds)}/s)`,
        );
      } finally {
        await platform.close();
      }
    });

  group('import')
    .command('hiring')
    .description("import applicants from the original challenge's SQLite database (table applicants)")
    .argument('<file>', 'the .sqlite3 file')
    .action(async (file: string) => {
      const [{ LegacyFileError, openLegacyFile }, { createHiringService }] = await Promise.all([
        import('./legacy-source.js'),
        import('./service.js'),
      ]);
      let source;
      try {
        source = await openLegacyFile(file);
      } catch (err) {
        if (err instanceof LegacyFileError) throw new CliError(err.message);
        throw err;
      }
      const platform = await openPlatform();
      try {
        const bar = progressBar('importing applicants', source.total);
        const started = performance.now();
        const summary = await createHiringService(platform).importLegacy(source, (done) => bar.update(done));
        bar.stop();
        const seconds = (performance.now() - started) / 1000;
        for (const line of importReport(summary, seconds)) console.log(line);
      } finally {
        await source.close();
        await platform.close();
      }
    });
}
