import type { FastifyInstance } from 'fastify';

/** The longest a stopping process takes (`quintet serve` and `quintet worker`). */
export const STOP_TIMEOUT_MS = 10_000;

let stopDeadline: number | undefined;

/**
 * Exits with code 1 if the process is still stopping after STOP_TIMEOUT_MS, whatever holds it (a
 * client that keeps its connection, a Redis that is away and holds BullMQ's close for ever); the
 * timer itself does not keep the process up. Armed once: later calls return the same deadline.
 */
export function exitIfStillStopping(log: { error(message: string): void }): number {
  if (stopDeadline !== undefined) return stopDeadline;
  stopDeadline = Date.now() + STOP_TIMEOUT_MS;
  setTimeout(() => {
    log.error(`still stopping after ${STOP_TIMEOUT_MS / 1000} s: exiting`);
    process.exit(1);
  }, STOP_TIMEOUT_MS).unref();
  return stopDeadline;
}

/**
 * How long running jobs may still take before they are aborted and handed back: the configured
 * grace, cut so that the abort, the hand-back and closing the connections (STOP_RESERVE_MS) fit
 * before the forced exit.
 */
export const STOP_RESERVE_MS = 1500;
export function jobGraceMs(configuredMs: number, deadline: number, now = Date.now()): number {
  return Math.max(0, Math.min(configuredMs, deadline - now - STOP_RESERVE_MS));
}

/** Listens, and closes the app (in-flight requests first) on SIGINT/SIGTERM. */
export async function listen(
  app: FastifyInstance,
  host: string,
  port: number,
  onClose: (deadline: number) => Promise<void>,
): Promise<void> {
  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    app.log.info(`${signal}: shutting down`);
    const deadline = exitIfStillStopping(app.log);
    app
      .close()
      .then(() => onClose(deadline))
      .then(
        () => process.exit(0),
        (err: unknown) => {
          app.log.error({ err }, 'shutdown failed');
          process.exit(1);
        },
      );
  };
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  await app.listen({ host, port });
}
