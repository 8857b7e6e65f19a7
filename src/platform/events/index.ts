import type { Logger } from 'pino';
import type { Config } from '../../config.js';
import type { EventBus } from './event-bus.js';
import { createInProcessBus } from './in-process.js';
import { createRedisBus } from './redis.js';

export * from './event-bus.js';

/** REDIS_URL set: Redis pub/sub (every instance hears every event); otherwise in-process. */
export function createEventBus({ config, log }: { config: Config; log: Logger }): EventBus {
  return config.redisUrl
    ? createRedisBus({ redisUrl: config.redisUrl, prefix: config.redisPrefix, log })
    : createInProcessBus({ log });
}
