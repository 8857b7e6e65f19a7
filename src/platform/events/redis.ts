// The scale-out EventBus: Redis pub/sub, so an event published by one app instance reaches the
// subscribers of every instance. Two connections per process, opened on first use: one that
// publishes (no offline queue, so publishing while Redis is away fails at once instead of piling
// up) and a dedicated subscriber (a connection in subscribe mode can do nothing else), which
// reconnects by itself, subscribes again to every channel it had, and then tells each subscription
// (onResume) so it can fetch what was published while the connection was down. A publish that
// failed is followed, once the publisher is back, by a resume notice on its channel, so subscribers
// whose own connection never dropped fetch the event they did not get.
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { untilReady, watchConnection } from '../redis-connection.js';
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
  type SubscribeOptions,
} from './event-bus.js';

export interface RedisBusOptions {
  redisUrl: string;
  log: Logger;
  /** Prefix of the channel names in Redis (REDIS_PREFIX); tests use their own. */
  prefix?: string;
  /** How long a publish waits for a connection that is not ready before failing (default 1000 ms). */
  connectTimeoutMs?: number;
}

/** Sent on a channel in place of an event: "events may have been lost; fetch what you missed". */
const RESUME_NOTICE = '{"resume":true}';

export function createRedisBus(options: RedisBusOptions): EventBus {
  const log = options.log.child({ component: 'events', adapter: 'redis' });
  const prefix = options.prefix ?? 'quintet';
  const waitMs = options.connectTimeoutMs ?? 1000;
  const channels = new Map<string, Set<EventHandler>>();
  const onError = (err: unknown) => log.error({ err }, 'an event handler failed');
  const keyOf = (channel: string) => `${prefix}:events:${channel}`;
  const channelOf = new Map<string, string>(); // Redis channel -> ours
  const subscribed = new Map<string, Promise<unknown>>();
  const resumers = new Map<EventHandler, { channel: string; resume: () => void }>();
  /**
   * Channels with a publish that failed, owed a resume notice once the publisher is back, each
   * with a count of failures: a notice clears its channel only when no publish failed after it
   * was sent.
   */
  const owed = new Map<string, number>();
  const resume = (channel?: string) => {
    for (const r of [...resumers.values()]) {
      if (channel !== undefined && r.channel !== channel) continue;
      try {
        r.resume();
      } catch (err) {
        onError(err);
      }
    }
  };
  let publisher: Redis | undefined;
  let subscriber: Redis | undefined;
  let closed = false;

  const watched = (redis: Redis, role: string) => watchConnection(redis, log, () => closed, { role });

  function pub(): Redis {
    if (!publisher) {
      const redis = (publisher = watched(
        new Redis(options.redisUrl, {
          enableOfflineQueue: false,
          maxRetriesPerRequest: 1,
          connectionName: `${prefix}:events-publisher`,
        }),
        'publisher',
      ));
      redis.on('ready', () => sendOwed(redis));
    }
    return publisher;
  }

  function sendOwed(redis: Redis): void {
    for (const [channel, failures] of [...owed])
      redis.publish(keyOf(channel), RESUME_NOTICE).then(
        () => {
          if (owed.get(channel) === failures) owed.delete(channel);
        },
        () => undefined, // lost again: the next 'ready' tries again
      );
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
        if (text === RESUME_NOTICE) return resume(channelOf.get(redisChannel));
        let event;
        try {
          event = decodeEvent(text);
        } catch (err) {
          log.warn({ err, channel: redisChannel }, 'ignored a malformed event');
          return;
        }
        deliver(handlers, event, onError);
      });
      // ioredis subscribes again on 'ready' without a way to await it; a SUBSCRIBE of our own,
      // answered after those, says the channels are live again.
      let lost = false;
      subscriber.on('close', () => (lost = true));
      subscriber.on('ready', () => {
        if (!lost || closed) return;
        lost = false;
        const keys = [...channels.keys()].map(keyOf);
        if (!keys.length) return;
        subscriber!.subscribe(...keys).then(
          () => resume(),
          () => undefined, // lost again: the next 'ready' tries again
        );
      });
    }
    return subscriber;
  }

  return {
    async publish(channel, event) {
      if (closed) throw busClosed();
      assertChannel(channel);
      assertEvent(event);
      const redis = pub();
      try {
        await untilReady(redis, waitMs, busUnavailable);
        await redis.publish(keyOf(channel), encodeEvent(event));
      } catch (err) {
        owed.set(channel, (owed.get(channel) ?? 0) + 1);
        // The publisher may have come back meanwhile: its 'ready' has passed, so send the notice now.
        if (redis.status === 'ready') sendOwed(redis);
        log.warn({ err: (err as Error).message }, 'publishing an event failed');
        throw busUnavailable();
      }
    },

    async subscribe(channel, handler, subscribeOptions: SubscribeOptions = {}) {
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
      if (subscribeOptions.onResume)
        resumers.set(subscription, { channel, resume: subscribeOptions.onResume });
      const set = handlers;
      const drop = () => {
        set.delete(subscription);
        resumers.delete(subscription);
      };
      try {
        await subscribed.get(channel);
      } catch (err) {
        drop();
        throw err;
      }
      return async () => {
        drop();
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
      resumers.clear();
      for (const redis of [publisher, subscriber]) {
        if (!redis) continue;
        // quit() on a connection that is away would wait for it to come back.
        if (redis.status === 'ready') await redis.quit().catch(() => redis.disconnect());
        else redis.disconnect();
      }
    },
  };
}
