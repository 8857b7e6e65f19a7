// One dashboard's event stream: the events after its Last-Event-ID from the replay buffer, then
// the live ones from the bus, in id order without gaps. Events of several instances can reach the
// bus out of order (each publishes after its own commit), and a publish can be lost (Redis away):
// whenever an event's id is not the next one, the missing ones are read from the buffer, which
// holds every committed event; `reset` when they are no longer there. The same read runs when the
// bus says it is back after losing Redis, so a gap is filled even if no event follows it.
//
// An event is rendered once for every stream of this process (the bus hands each subscriber the
// same decoded event; its payload and summary are JSON text already), and the events that arrive
// together (a group commit's batch) go out to each stream in one write: written one frame at a
// time, each write waiting for the socket to drain, a batch of fifty saves took a stream several
// turns of the event loop and the dashboards fell tens of milliseconds behind.
import type { BusEvent, EventBus } from '../../platform/events/index.js';
import { sseFrame, type SseStream } from '../../platform/http/sse.js';
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

/** An event's frames: the change (unless `summaryOnly`), then the summary after it, with its id. */
function eventFrames(id: number, kind: string, payload: unknown, summary: unknown, summaryOnly = false) {
  const change = summaryOnly ? '' : sseFrame({ id, event: kind, data: payload });
  return change + sseFrame({ id, event: 'summary', data: summary });
}

const rendered = new WeakMap<BusEvent, string>();

/** A bus event's frames, rendered once however many streams send it. */
function framesOf(event: BusEvent): string {
  let frames = rendered.get(event);
  if (frames === undefined) {
    const { payload, summary } = event.data as LiveEventData;
    frames = eventFrames(event.id, event.type, payload, summary);
    rendered.set(event, frames);
  }
  return frames;
}

/** Parses a Last-Event-ID; anything but a whole number counts as too old (-1 gets `reset`). */
export function parseEventId(raw: string | undefined): number | undefined {
  if (raw === undefined || raw.trim() === '') return undefined;
  return /^\d{1,15}$/.test(raw.trim()) ? Number(raw.trim()) : -1;
}

export async function startLiveStream(options: LiveStreamOptions): Promise<LiveStream> {
  const { service, bus, stream } = options;
  let last = 0;
  // One step at a time, in order: the first catch-up, then the bus events that arrived, or a
  // check. A client that stops reading holds its steps back (sends wait for drain); past
  // MAX_QUEUED steps or bus events waiting it is closed and comes back with its Last-Event-ID,
  // instead of holding events in memory without bound.
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
      let frames = '';
      if (resume) {
        resume = false;
        if (events[0]?.id === last) {
          const own = events.shift()!;
          frames = eventFrames(own.id, own.kind, own.payload, own.summary, true);
        }
      }
      if (last === current || events[0]?.id !== last + 1) {
        if (frames) await stream.sendFrames(frames);
        return last === current ? undefined : reset();
      }
      for (const e of events) frames += eventFrames(e.id, e.kind, e.payload, e.summary);
      last = events.at(-1)!.id;
      if (!(await stream.sendFrames(frames))) return;
    }
  }

  // The bus events not handled yet; one step sends all that arrived by the time it runs.
  let pending: BusEvent[] = [];
  async function sendPending(): Promise<void> {
    const events = pending;
    pending = [];
    let frames = '';
    for (const event of events) {
      if (event.id <= last) continue;
      if (event.id === last + 1) {
        frames += framesOf(event);
        last = event.id;
        continue;
      }
      // A gap: what came before it, then everything up to the newest from the buffer.
      if (frames) await stream.sendFrames(frames);
      frames = '';
      await catchUp();
    }
    if (frames) await stream.sendFrames(frames);
  }

  const onEvent = (event: BusEvent) => {
    if (pending.push(event) > MAX_QUEUED) return stream.close();
    if (pending.length === 1) enqueue(sendPending);
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
