import type { FastifyInstance } from 'fastify';

/** The longest a stopping process takes (`quintet serve` and `quintet worker`). */
export const STOP_TIMEOUT_MS = 10_000;

/**
 * Exits with code 1 if the process is still stopping after STOP_TIMEOUT_MS, whatever holds it (a
 * client that keeps its connection, a Redis that is away and holds BullMQ's close for ever); the
 * timer itself does not keep the process up.
 */
export function exitIfStillStopping(log: { error(message: string): void }): void {
  setTimeout(() => {
    log.error(`still stopping after ${STOP_TIMEOUT_MS / 1000} s: exiting`);
    process.exit(1);
  }, STOP_TIMEOUT_MS).unref();
}

/** Listens, and closes the app (in-flight requests first) on SIGINT/SIGTERM. */
export async function listen(
  app: FastifyInstance,
  host: string,
  port: number,
  onClose: () => Promise<void>,
): Promise<void> {
  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    app.log.info(`${signal}: shutting down`);
    exitIfStillStopping(app.log);
    app
      .close()
      .then(onClose)
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
