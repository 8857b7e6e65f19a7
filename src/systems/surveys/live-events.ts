// One dashboard's event stream: the events after its Last-Event-ID from the replay buffer, then
// the live ones from the bus, in id order without gaps. Events of several instances can reach the
// bus out of order (each publishes after its own commit), and a publish can be lost (Redis away):
// whenever an event's id is not the next one, the missing ones are read from the buffer, which
// holds every committed event; `reset` when they are no longer there. The same read runs when the
// bus says it is back after losing Redis, so a gap is filled even if no event follows it.
import type { BusEvent, EventBus } from '../../platform/events/index.js';
import type { SseStream } from '../../platform/http/sse.js';
import { EVENTS_CHANNEL, type LiveEventData, type SurveysService } from './service.js';

export interface LiveStreamOptions {
  service: SurveysService;
  bus: EventBus;
  stream: SseStream;
  /** The id the client has seen (Last-Event-ID); undefined: only what happens from now. */
  lastEventId: number | undefined;
}

export interface LiveStream {
  /** Catches up with the database (after a heartbeat): sends any events the bus did not bring. */
  check(): void;
}

const BATCH = 500;
const MAX_QUEUED = 1000;

/** Parses a Last-Event-ID; anything but a whole number counts as too old (-1 gets `reset`). */
export function parseEventId(raw: string | undefined): number | undefined {
  if (raw === undefined || raw.trim() === '') return undefined;
  return /^\d{1,15}$/.test(raw.trim()) ? Number(raw.trim()) : -1;
}

export async function startLiveStream(options: LiveStreamOptions): Promise<LiveStream> {
  const { service, bus, stream } = options;
  let last = 0;
  // One step at a time, in order: the first catch-up, then each bus event or check. A client
  // that stops reading holds its steps back (sends wait for drain); past MAX_QUEUED it is closed
  // and comes back with its Last-Event-ID, instead of holding events in memory without bound.
  let work: Promise<void> = Promise.resolve();
  let queued = 0;
  const enqueue = (step: () => Promise<void>) => {
    if (++queued > MAX_QUEUED) return stream.close();
    work = work.then(async () => {
      queued--;
      if (stream.closed) return;
      try {
        await step();
      } catch {
        stream.close(); // the database is away: the client reconnects with its Last-Event-ID
      }
    });
  };

  async function send(id: number, kind: string, payload: unknown, summary: unknown, only = false) {
    if (!only) await stream.send({ id, event: kind, data: payload });
    await stream.send({ id, event: 'summary', data: summary });
    last = id;
  }

  async function reset(): Promise<void> {
    last = await service.lastEventId();
    await stream.send({ id: last, event: 'reset', data: {} });
  }

  /**
   * Sends the buffered events after `last` up to the newest; `reset` when some were dropped. On
   * resume, the client's own last event is read too and its summary frame sent again, in case the
   * connection dropped between that event's two frames.
   */
  async function catchUp(resume = false): Promise<void> {
    for (;;) {
      // The newest id first: every event up to it is committed, so the buffer must hold them.
      const current = await service.lastEventId();
      if (last > current) return reset(); // the client is ahead: it saw another database
      if (last === current && !resume) return;
      const events = await service.eventsFrom(resume ? last : last + 1, BATCH);
      if (resume) {
        resume = false;
        if (events[0]?.id === last) {
          const own = events.shift()!;
          await send(own.id, own.kind, own.payload, own.summary, true);
        }
      }
      if (last === current) return;
      if (events[0]?.id !== last + 1) return reset();
      for (const e of events) {
        if (stream.closed) return;
        await send(e.id, e.kind, e.payload, e.summary);
      }
    }
  }

  const onEvent = (event: BusEvent) => {
    enqueue(async () => {
      if (event.id <= last) return;
      if (event.id === last + 1) {
        const { payload, summary } = event.data as LiveEventData;
        return send(event.id, event.type, payload, summary);
      }
      return catchUp();
    });
  };

  // The first step (where to start, and the catch-up) goes first in line, but runs only once the
  // subscription is live, so no event falls between the two: one the bus delivers together with
  // the subscription's confirmation is queued behind it, not handled before `last` is set.
  let subscribed!: () => void;
  const live = new Promise<void>((resolve) => (subscribed = resolve));
  const requested = options.lastEventId;
  enqueue(async () => {
    await live;
    if (requested === undefined) last = await service.lastEventId();
    else if (requested < 0) await reset();
    else {
      last = requested;
      await catchUp(true);
    }
  });
  try {
    // Back after Redis was away: what was published meanwhile reached nobody; fetch it now.
    const unsubscribe = await bus.subscribe(EVENTS_CHANNEL, onEvent, {
      onResume: () => enqueue(() => catchUp()),
    });
    stream.onClose(() => void unsubscribe().catch(() => undefined));
  } finally {
    subscribed();
  }
  await work;
  return { check: () => enqueue(() => catchUp()) };
}
