// Test helpers: a job definition that records its hooks, and waiting for a condition with a deadline.
import { defineJob, type JobAttemptInfo, type JobDefinition } from '../job-queue.js';
import type { TestJobPayload, TestJobResult } from './test-job.worker.js';

export const TEST_WORKER_MODULE = new URL('./test-job.worker.js', import.meta.url);

export type HookEvent =
  | { hook: 'start'; payload: TestJobPayload; info: JobAttemptInfo; at: number }
  | { hook: 'progress'; payload: TestJobPayload; pct: number; at: number }
  | { hook: 'completed'; payload: TestJobPayload; result: TestJobResult; info: JobAttemptInfo; at: number }
  | {
      hook: 'failed';
      payload: TestJobPayload;
      error: string;
      willRetry: boolean;
      info: JobAttemptInfo;
      at: number;
    };

export interface RecordingJob {
  definition: JobDefinition<TestJobPayload, TestJobResult>;
  events: HookEvent[];
  of<H extends HookEvent['hook']>(hook: H): Extract<HookEvent, { hook: H }>[];
}

export function recordingJob(
  name = 'test.job',
  options: Partial<
    Pick<
      JobDefinition<TestJobPayload, TestJobResult>,
      'maxAttempts' | 'backoffMs' | 'workerModule' | 'schedule'
    >
  > = {},
): RecordingJob {
  const events: HookEvent[] = [];
  const at = () => Date.now();
  return {
    events,
    of: <H extends HookEvent['hook']>(hook: H) =>
      events.filter((e): e is Extract<HookEvent, { hook: H }> => e.hook === hook),
    definition: defineJob<TestJobPayload, TestJobResult>({
      name,
      workerModule: TEST_WORKER_MODULE,
      backoffMs: 10,
      ...options,
      onStart: async (payload, info) => void events.push({ hook: 'start', payload, info, at: at() }),
      onProgress: async (payload, pct) => void events.push({ hook: 'progress', payload, pct, at: at() }),
      onCompleted: async (payload, result, info) =>
        void events.push({ hook: 'completed', payload, result, info, at: at() }),
      onFailed: async (payload, error, willRetry, info) =>
        void events.push({ hook: 'failed', payload, error, willRetry, info, at: at() }),
    }),
  };
}

/** Resolves once `condition` holds (checked every 10 ms); rejects with `what` after the deadline. */
export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 15_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
