// The default EventBus: subscribers in this process only (one app instance).
import type { Logger } from 'pino';
import {
  assertChannel,
  assertEvent,
  busClosed,
  decodeEvent,
  deliver,
  encodeEvent,
  type EventBus,
  type EventHandler,
} from './event-bus.js';

export function createInProcessBus(options: { log: Logger }): EventBus {
  const log = options.log.child({ component: 'events', adapter: 'in-process' });
  const channels = new Map<string, Set<EventHandler>>();
  let closed = false;
  const onError = (err: unknown) => log.error({ err }, 'an event handler failed');

  return {
    async publish(channel, event) {
      if (closed) throw busClosed();
      assertChannel(channel);
      assertEvent(event);
      const handlers = channels.get(channel);
      if (!handlers?.size) return;
      const text = encodeEvent(event);
      const targets = [...handlers];
      // Delivered after the publisher's turn, as over Redis: a handler never runs inside publish(),
      // and none that unsubscribed meanwhile is called.
      queueMicrotask(() => {
        if (!closed)
          deliver(
            targets.filter((h) => handlers.has(h)),
            decodeEvent(text),
            onError,
          );
      });
    },

    async subscribe(channel, handler) {
      if (closed) throw busClosed();
      assertChannel(channel);
      let handlers = channels.get(channel);
      if (!handlers) channels.set(channel, (handlers = new Set()));
      // A wrapper per subscription, so subscribing one function twice gives two subscriptions.
      const subscription: EventHandler = (event) => handler(event);
      handlers.add(subscription);
      return async () => {
        handlers.delete(subscription);
        if (!handlers.size && channels.get(channel) === handlers) channels.delete(channel);
      };
    },

    async close() {
      closed = true;
      channels.clear();
    },
  };
}
