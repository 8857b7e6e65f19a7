import { Counter, type Registry } from 'prom-client';
import type { AnyJobDefinition, JobQueue } from './job-queue.js';

/**
 * Counts jobs at /metrics, whichever adapter runs them: enqueued by this process, and attempts
 * started, completed, retried and finally failed in this process. Wraps the queue and each
 * definition's hooks, so the adapters stay unaware of it.
 */
export function withJobMetrics(queue: JobQueue, registry: Registry): JobQueue {
  const enqueued = new Counter({
    name: 'jobs_enqueued_total',
    help: 'Jobs enqueued by this process',
    labelNames: ['name'] as const,
    registers: [registry],
  });
  const attempts = new Counter({
    name: 'job_attempts_total',
    help: 'Job attempts run by this process, by outcome (started, completed, retried, failed)',
    labelNames: ['name', 'outcome'] as const,
    registers: [registry],
  });
  const instrument = (def: AnyJobDefinition): AnyJobDefinition => ({
    ...def,
    onStart: async (payload, info) => {
      attempts.inc({ name: def.name, outcome: 'started' });
      return def.onStart?.(payload, info);
    },
    onCompleted: async (payload, result, info) => {
      attempts.inc({ name: def.name, outcome: 'completed' });
      await def.onCompleted?.(payload, result, info);
    },
    onFailed: async (payload, error, willRetry, info) => {
      attempts.inc({ name: def.name, outcome: willRetry ? 'retried' : 'failed' });
      await def.onFailed?.(payload, error, willRetry, info);
    },
  });
  return {
    kind: queue.kind,
    async enqueue(name, payload, options) {
      await queue.enqueue(name, payload, options);
      enqueued.inc({ name });
    },
    startWorkers: (definitions) => queue.startWorkers(definitions.map(instrument)),
    ping: () => queue.ping(),
    close: (options) => queue.close(options),
  };
}
