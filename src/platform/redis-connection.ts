// What the scale-out adapters (the BullMQ job queue, the Redis event bus) do with each of their
// Redis connections: say once that it was lost and once that it is back, and wait a moment for
// one that is not ready before giving up.
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';

/**
 * Logs the connection's loss once (warn; nothing once `closing()` says the owner is shutting down)
 * however many reconnect attempts fail, and its return (info). `fields` go with both lines.
 */
export function watchConnection(
  redis: Redis,
  log: Logger,
  closing: () => boolean,
  fields: Record<string, unknown> = {},
): Redis {
  let down = false;
  redis.on('error', (err: Error) => {
    if (!down && !closing()) log.warn({ err: err.message, ...fields }, 'Redis connection lost; reconnecting');
    down = true;
  });
  redis.on('ready', () => {
    if (down) log.info(fields, 'Redis connection back');
    down = false;
  });
  return redis;
}

/** Resolves once `redis` is ready (at once if it is); throws `unavailable()` after `ms` otherwise. */
export async function untilReady(redis: Redis, ms: number, unavailable: () => Error): Promise<void> {
  if (redis.status === 'ready') return;
  let onReady: (() => void) | undefined;
  let timer: NodeJS.Timeout | undefined;
  const ok = await new Promise<boolean>((resolve) => {
    onReady = () => resolve(true);
    timer = setTimeout(() => resolve(false), ms);
    redis.once('ready', onReady);
  });
  clearTimeout(timer);
  redis.off('ready', onReady!);
  if (!ok) throw unavailable();
}
