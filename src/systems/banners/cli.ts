// `quintet import banners`: the same import the admin API runs. The declarations load nothing;
// the action imports what it uses.
import { CliError, progressBar } from '../../platform/cli.js';
import type { CliContext } from '../../platform/system.js';

interface ImportOptions {
  quarter?: string;
  images?: string;
  replace?: boolean;
}

export function declareBannersCli({ group, openPlatform }: CliContext): void {
  group('import')
    .command('banners')
    .description(
      "import campaign datasets: --quarter N with a quarter's CSV files or folder, or a folder with subfolders 1–4; then rebuild the collections",
    )
    .argument('[paths...]', 'CSV files or folders')
    .option('--quarter <n>', 'the quarter of the hour the files are the dataset of (1–4)')
    .option('--replace', "replace each quarter's dataset instead of adding to it (e.g. the demo's)")
    .option('--images <dir>', 'also copy the banner images (image_<id>.png …) into BANNER_IMAGES_DIR')
    .action(async (paths: string[], opts: ImportOptions) => {
      const [
        { DomainError },
        { requireQuarter },
        { createBannersService },
        { bannersSettings },
        { printSummary },
      ] = await Promise.all([
        import('../../platform/errors.js'),
        import('./quarter.js'),
        import('./service.js'),
        import('./settings.js'),
        import('./import/print-summary.js'),
      ]);
      if (paths.length === 0 && !opts.images)
        throw new CliError('give the dataset files or folder, or --images DIR');
      const platform = await openPlatform();
      try {
        const service = createBannersService(platform, bannersSettings(platform.config));
        let plan: {
          quarter: import('./tables.js').Quarter;
          files: import('./import/dataset-files.js').DatasetFile[];
        }[];
        if (opts.quarter !== undefined) {
          plan = [
            { quarter: requireQuarter(opts.quarter, '--quarter'), files: await service.quarterFiles(paths) },
          ];
        } else if (paths.length === 1) {
          plan = await service.allQuarterFiles(paths[0]!);
        } else if (paths.length > 1) {
          throw new CliError('give --quarter N to import several files, or one folder with subfolders 1–4');
        } else {
          plan = [];
        }
        const total = (await Promise.all(plan.map((p) => service.totalBytes(p.files)))).reduce(
          (a, b) => a + b,
          0,
        );
        const started = performance.now();
        let failed = false;
        // Images first: a running server serves a campaign as soon as its collections commit.
        if (opts.images) {
          const { copied, ignored } = await service.importImages(opts.images);
          console.log(
            `images: copied ${copied} to ${bannersSettings(platform.config).imagesDir}${ignored ? ` (${ignored} other files ignored)` : ''}`,
          );
        }
        if (plan.length > 0) {
          const bar = progressBar('importing banners', total);
          let done = 0;
          const summaries = [];
          try {
            for (const { quarter, files } of plan)
              summaries.push(
                await service.importQuarter(quarter, files, {
                  replace: opts.replace,
                  onBytes: (delta) => bar.update((done += delta)),
                }),
              );
          } finally {
            bar.stop();
          }
          for (const summary of summaries)
            failed = printSummary(summary, (line) => console.log(line)) || failed;
        }
        console.log(`done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
        if (failed) process.exitCode = 1;
      } catch (err) {
        if (err instanceof DomainError) throw new CliError(err.message);
        throw err;
      } finally {
        await platform.close();
      }
    });
}
