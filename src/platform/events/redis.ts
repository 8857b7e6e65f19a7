// The scale-out EventBus: Redis pub/sub, so an event published by one app instance reaches the
// subscribers of every instance. Two connections per process, opened on first use: one that
// publishes (no offline queue, so publishing while Redis is away fails at once instead of piling
// up) and a dedicated subscriber (a connection in subscribe mode can do nothing else), which
// reconnects by itself and subscribes again to every channel it had.
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import {
  assertChannel,
  assertEvent,
  busClosed,
  busUnavailable,
  decodeEvent,
  deliver,
  encodeEvent,
  type EventBus,
  type EventHandler,
} from './event-bus.js';

export interface RedisBusOptions {
  redisUrl: string;
  log: Logger;
  /** Prefix of the channel names in Redis (REDIS_PREFIX); tests use their own. */
  prefix?: string;
  /** How long a publish waits for a connection that is not ready before failing (default 1000 ms). */
  connectTimeoutMs?: number;
}

export function createRedisBus(options: RedisBusOptions): EventBus {
  const log = options.log.child({ component: 'events', adapter: 'redis' });
  const prefix = options.prefix ?? 'quintet';
  const waitMs = options.connectTimeoutMs ?? 1000;
  const channels = new Map<string, Set<EventHandler>>();
  const onError = (err: unknown) => log.error({ err }, 'an event handler failed');
  const keyOf = (channel: string) => `${prefix}:events:${channel}`;
  const channelOf = new Map<string, string>(); // Redis channel -> ours
  const subscribed = new Map<string, Promise<unknown>>();
  let publisher: Redis | undefined;
  let subscriber: Redis | undefined;
  let closed = false;

  function watched(redis: Redis, role: string): Redis {
    let down = false;
    redis.on('error', (err: Error) => {
      if (!down && !closed) log.warn({ err: err.message, role }, 'Redis connection lost; reconnecting');
      down = true;
    });
    redis.on('ready', () => {
      if (down) log.info({ role }, 'Redis connection back');
      down = false;
    });
    return redis;
  }

  function pub(): Redis {
    publisher ??= watched(
      new Redis(options.redisUrl, {
        enableOfflineQueue: false,
        maxRetriesPerRequest: 1,
        connectionName: `${prefix}:events-publisher`,
      }),
      'publisher',
    );
    return publisher;
  }

  function sub(): Redis {
    if (!subscriber) {
      subscriber = watched(
        new Redis(options.redisUrl, {
          maxRetriesPerRequest: null,
          autoResubscribe: true,
          connectionName: `${prefix}:events-subscriber`,
        }),
        'subscriber',
      );
      subscriber.on('message', (redisChannel: string, text: string) => {
        const handlers = channels.get(channelOf.get(redisChannel) ?? '');
        if (!handlers?.size || closed) return;
        let event;
        try {
          event = decodeEvent(text);
        } catch (err) {
          log.warn({ err, channel: redisChannel }, 'ignored a malformed event');
          return;
        }
        deliver(handlers, event, onError);
      });
    }
    return subscriber;
  }

  async function ready(redis: Redis): Promise<void> {
    if (redis.status === 'ready') return;
    let onReady: (() => void) | undefined;
    let timer: NodeJS.Timeout | undefined;
    const ok = await new Promise<boolean>((resolve) => {
      onReady = () => resolve(true);
      timer = setTimeout(() => resolve(false), waitMs);
      redis.once('ready', onReady);
    });
    clearTimeout(timer);
    redis.off('ready', onReady!);
    if (!ok) throw busUnavailable();
  }

  return {
    async publish(channel, event) {
      if (closed) throw busClosed();
      assertChannel(channel);
      assertEvent(event);
      const redis = pub();
      await ready(redis);
      try {
        await redis.publish(keyOf(channel), encodeEvent(event));
      } catch (err) {
        log.warn({ err: (err as Error).message }, 'publishing an event failed');
        throw busUnavailable();
      }
    },

    async subscribe(channel, handler) {
      if (closed) throw busClosed();
      assertChannel(channel);
      const key = keyOf(channel);
      channelOf.set(key, channel);
      let handlers = channels.get(channel);
      if (!handlers) {
        channels.set(channel, (handlers = new Set()));
        // Waits for Redis as long as it takes (the subscriber queues its commands while away); a
        // second subscriber of the channel waits for the same SUBSCRIBE.
        subscribed.set(channel, sub().subscribe(key));
      }
      const subscription: EventHandler = (event) => handler(event);
      handlers.add(subscription);
      const set = handlers;
      try {
        await subscribed.get(channel);
      } catch (err) {
        set.delete(subscription);
        throw err;
      }
      return async () => {
        set.delete(subscription);
        if (set.size || channels.get(channel) !== set) return;
        channels.delete(channel);
        subscribed.delete(channel);
        if (!closed)
          await sub()
            .unsubscribe(key)
            .catch(() => undefined);
      };
    },

    async close() {
      if (closed) return;
      closed = true;
      channels.clear();
      for (const redis of [publisher, subscriber]) {
        if (!redis) continue;
        // quit() on a connection that is away would wait for it to come back.
        if (redis.status === 'ready') await redis.quit().catch(() => redis.disconnect());
        else redis.disconnect();
      }
    },
  };
}
