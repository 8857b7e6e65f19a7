// The EventBus port: live events between the processes of one deployment (in-process by default,
// Redis pub/sub with REDIS_URL). Delivery is at most once and only to subscribers connected at the
// time; a system that needs no gaps (a dashboard resuming with Last-Event-ID) keeps its own replay
// buffer in the database and gives each event an id from it, written in the same transaction as the
// change, so every instance agrees on the ids and a subscriber can fill any gap it sees.
import { DomainError } from '../errors.js';

/** One event: an id from the publisher's sequence (positive, increasing per channel), a type, JSON data. */
export interface BusEvent<T = unknown> {
  readonly id: number;
  readonly type: string;
  readonly data: T;
}

export type EventHandler = (event: BusEvent) => void;
export type Unsubscribe = () => Promise<void>;

export interface SubscribeOptions {
  /**
   * Called each time the subscription is live again after the bus lost its connection (Redis
   * restarted): events published meanwhile reached nobody, so this is the moment to fill the gap
   * from the system's own record instead of waiting for the next event to show it.
   */
  onResume?: () => void;
}

export interface EventBus {
  /**
   * Sends an event to every current subscriber of the channel, in any process. Resolves once the
   * bus has taken it; rejects with DomainError `unavailable` at once when the bus cannot (Redis away).
   */
  publish(channel: string, event: BusEvent): Promise<void>;
  /**
   * Calls `handler` with every event published on the channel from the moment the promise resolves
   * until the returned function is called. Events of one publisher arrive in the order published;
   * handlers receive a JSON copy (what crosses Redis), and one handler throwing does not stop others.
   */
  subscribe(channel: string, handler: EventHandler, options?: SubscribeOptions): Promise<Unsubscribe>;
  /** Ends every subscription; publish and subscribe reject afterwards. */
  close(): Promise<void>;
}

const CHANNEL = /^[a-z0-9][a-z0-9._-]{0,99}$/;

export function assertChannel(channel: string): void {
  if (!CHANNEL.test(channel))
    throw new Error(`event channel "${channel}" must be 1-100 of a-z, 0-9, '.', '_', '-'`);
}

export function assertEvent(event: BusEvent): void {
  if (!Number.isSafeInteger(event.id) || event.id < 1)
    throw new Error(`event id must be a positive integer, got ${String(event.id)}`);
  if (typeof event.type !== 'string' || event.type === '') throw new Error('event type must be a string');
}

/** The event as JSON text, the form both adapters deliver (so data behaves the same on both). */
export function encodeEvent(event: BusEvent): string {
  return JSON.stringify({ id: event.id, type: event.type, data: event.data });
}

export function decodeEvent(text: string): BusEvent {
  return JSON.parse(text) as BusEvent;
}

export const busClosed = () => new Error('the event bus is closed');

export const busUnavailable = () =>
  new DomainError('unavailable', 'live events (Redis) are unavailable; try again shortly');

/** Calls each handler, logging (not propagating) a handler's error so the others still run. */
export function deliver(
  handlers: Iterable<EventHandler>,
  event: BusEvent,
  onError: (err: unknown) => void,
): void {
  for (const handler of [...handlers]) {
    try {
      handler(event);
    } catch (err) {
      onError(err);
    }
  }
}
