// `quintet seed surveys`: the same service the HTTP API calls. The declaration loads nothing; the
// action imports what it uses.
import { positiveInt, progressBar } from '../../platform/cli.js';
import type { CliContext } from '../../platform/system.js';

export function declareSurveysCli({ group, openPlatform, config }: CliContext): void {
  group('seed')
    .command('surveys')
    .description('store random survey responses (completed and in progress, over the last 30 days)')
    .requiredOption('--count <n>', 'how many responses', positiveInt('--count'))
    .option('--seed <n>', 'random seed, for repeatable answers', positiveInt('--seed'))
    .action(async (opts: { count: number; seed?: number }) => {
      const [{ createSurveysService }, { surveysSettings }] = await Promise.all([
        import('./service.js'),
        import('./settings.js'),
      ]);
      const platform = await openPlatform();
      try {
        const bar = progressBar('seeding responses', opts.count);
        const started = performance.now();
        const service = createSurveysService(platform, surveysSettings(config()));
        await service.seed({ count: opts.count, seed: opts.seed, onProgress: (done) => bar.update(done) });
        bar.stop();
        const seconds = (performance.now() - started) / 1000;
        console.log(`stored ${opts.count} responses in ${seconds.toFixed(1)} s`);
      } finally {
        await platform.close();
      }
    });
}
