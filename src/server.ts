import type { FastifyInstance } from 'fastify';

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
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
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
