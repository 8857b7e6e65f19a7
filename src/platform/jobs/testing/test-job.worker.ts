// The job the conformance and restart tests run in worker threads.
import fs from 'node:fs';
import { threadId } from 'node:worker_threads';
import type { JobContext } from '../job-queue.js';

export type TestJobPayload =
  | { kind: 'echo'; value: unknown }
  | { kind: 'progress'; steps: number; delayMs: number }
  | { kind: 'fail'; message: string }
  | { kind: 'spin'; ms: number }
  | { kind: 'hang' }
  | { kind: 'hang-on-first-attempt' }
  | { kind: 'artifact'; key: string; text: string }
  | { kind: 'read-setting'; key: string }
  | { kind: 'write-setting'; key: string }
  | { kind: 'now' };

export interface TestJobResult {
  value?: unknown;
  threadId: number;
  attempt: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function untilAborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) reject(signal.reason as Error);
    signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true });
    setInterval(() => undefined, 60_000); // keeps the thread alive while it "works"
  });
}

export default async function run(payload: TestJobPayload, ctx: JobContext): Promise<TestJobResult> {
  const done = (value?: unknown): TestJobResult => ({ value, threadId, attempt: ctx.attempt });
  switch (payload.kind) {
    case 'echo':
      return done(payload.value);
    case 'progress':
      for (let i = 1; i <= payload.steps; i++) {
        await sleep(payload.delayMs);
        ctx.progress((i * 100) / payload.steps - 0.5); // never quite 100: the queue reports that on success
      }
      return done();
    case 'fail':
      throw new Error(payload.message);
    case 'spin': {
      const until = Date.now() + payload.ms;
      let x = 0;
      while (Date.now() < until) x += Math.sqrt(x + 1);
      return done(x > 0);
    }
    case 'hang':
      return untilAborted(ctx.signal);
    case 'hang-on-first-attempt':
      if (ctx.attempt === 1) return untilAborted(ctx.signal);
      return done('recovered');
    case 'artifact': {
      const writer = await ctx.artifacts.writer(payload.key);
      await fs.promises.writeFile(writer.path, payload.text);
      await writer.commit();
      return done(payload.key);
    }
    case 'read-setting': {
      const row = (await ctx.db
        .selectFrom('platform_settings')
        .select('value')
        .where('key', '=', payload.key)
        .executeTakeFirst()) as { value: string } | undefined;
      return done({
        value: row?.value ?? null,
        artifactDir: ctx.config.artifactDir,
        logs: typeof ctx.log.info,
      });
    }
    case 'now':
      return done(ctx.now().toISOString());
    case 'write-setting':
      await ctx.db
        .insertInto('platform_settings')
        .values({ key: payload.key, value: 'from a job thread' })
        .execute();
      return done('written');
  }
}
