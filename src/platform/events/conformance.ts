// The one conformance suite every EventBus adapter passes. Call it inside a describe block.
import { afterEach, expect, it } from 'vitest';
import { waitFor } from '../jobs/testing/recorder.js';
import type { BusEvent, EventBus } from './event-bus.js';

export interface BusUnderTest {
  bus: EventBus;
  /**
   * A second bus on the same transport, as another app instance would have; disposed with the
   * first. Absent for an adapter that serves one process only.
   */
  another?(): Promise<EventBus>;
  /** Closes the buses if still open. */
  dispose(): Promise<void>;
}

/** Builds a fresh, isolated bus (its own Redis prefix) for one test. */
export type BusFactory = () => Promise<BusUnderTest>;

const ev = (id: number, data: unknown = { n: id }, type = 'test'): BusEvent => ({ id, type, data });

/** Collects what a subscription receives. */
function recorder() {
  const got: BusEvent[] = [];
  return { got, handler: (e: BusEvent) => void got.push(e) };
}

/**
 * A barrier: publishes a marker on the channel and waits until `seen` holds it, so everything
 * published before it has had its chance to arrive (events of one publisher arrive in order).
 */
async function settle(bus: EventBus, channel: string, seen: BusEvent[], id: number): Promise<void> {
  await bus.publish(channel, ev(id, 'marker', 'marker'));
  await waitFor(() => seen.some((e) => e.type === 'marker' && e.id === id), `marker ${id}`);
}

/**
 * `crossInstance`: the adapter reaches other instances (the factory then gives `another`); the
 * in-process bus is one process by design, so that case is not part of its suite.
 */
export function eventBusConformance(factory: BusFactory, options: { crossInstance: boolean }): void {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    while (cleanups.length) await cleanups.pop()!();
  });
  async function setup() {
    const made = await factory();
    cleanups.push(made.dispose);
    return made;
  }

  it('delivers events to a subscriber in the order published, ids, types and data unchanged', async () => {
    const { bus } = await setup();
    const r = recorder();
    await bus.subscribe('orders', r.handler);
    const data = { text: 'Zoë "quoted", <b>', list: [1, 2.5, null], nested: { ok: true } };
    for (let id = 1; id <= 50; id++) await bus.publish('orders', ev(id, id === 7 ? data : { n: id }));
    await waitFor(() => r.got.length === 50, '50 events');
    expect(r.got.map((e) => e.id)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect(r.got[6]).toEqual({ id: 7, type: 'test', data });
    expect(r.got[0]).toEqual({ id: 1, type: 'test', data: { n: 1 } });
  });

  it('hands handlers a JSON copy: values that JSON drops do not arrive, mutating the original changes nothing', async () => {
    const { bus } = await setup();
    const r = recorder();
    await bus.subscribe('copies', r.handler);
    const data = { when: new Date('2026-01-01T00:00:00Z'), gone: undefined, list: [1] };
    await bus.publish('copies', ev(1, data));
    data.list.push(2);
    await waitFor(() => r.got.length === 1, 'the event');
    expect(r.got[0]!.data).toEqual({ when: '2026-01-01T00:00:00.000Z', list: [1] });
  });

  it('delivers only the channels subscribed to', async () => {
    const { bus } = await setup();
    const a = recorder();
    const b = recorder();
    await bus.subscribe('alpha', a.handler);
    await bus.subscribe('beta', b.handler);
    await bus.publish('alpha', ev(1));
    await bus.publish('gamma', ev(2));
    await settle(bus, 'beta', b.got, 3);
    await settle(bus, 'alpha', a.got, 4);
    expect(a.got.map((e) => e.id)).toEqual([1, 4]);
    expect(b.got.map((e) => e.id)).toEqual([3]);
  });

  if (options.crossInstance) {
    it('delivers every event to every subscriber, also of another instance, in the same order', async () => {
      const { bus, another } = await setup();
      if (!another) throw new Error('a cross-instance adapter must give another instance');
      const other = await another();
      const here1 = recorder();
      const here2 = recorder();
      const there = recorder();
      await bus.subscribe('shared', here1.handler);
      await bus.subscribe('shared', here2.handler);
      await other.subscribe('shared', there.handler);
      for (let id = 1; id <= 20; id++) await bus.publish('shared', ev(id));
      await waitFor(
        () => here1.got.length === 20 && here2.got.length === 20 && there.got.length === 20,
        'every subscriber',
      );
      const ids = Array.from({ length: 20 }, (_, i) => i + 1);
      for (const r of [here1, here2, there]) expect(r.got.map((e) => e.id)).toEqual(ids);
      // And the other way round.
      await other.publish('shared', ev(21));
      await waitFor(
        () => here1.got.length === 21 && there.got.length === 21,
        'the event from the other instance',
      );
    });

    it('stops calling a handler once its unsubscribe resolves, and keeps the others', async () => {
      const { bus } = await setup();
      const kept = recorder();
      const dropped = recorder();
      await bus.subscribe('news', kept.handler);
      const unsubscribe = await bus.subscribe('news', dropped.handler);
      await bus.publish('news', ev(1));
      await waitFor(() => dropped.got.length === 1 && kept.got.length === 1, 'the first event');
      await unsubscribe();
      await unsubscribe(); // twice is harmless
      await bus.publish('news', ev(2));
      await settle(bus, 'news', kept.got, 3);
      expect(dropped.got.map((e) => e.id)).toEqual([1]);
      expect(kept.got.map((e) => e.id)).toEqual([1, 2, 3]);
    });
  }

  it('subscribes one function twice as two subscriptions, and again after the last one left', async () => {
    const { bus } = await setup();
    const r = recorder();
    const first = await bus.subscribe('twice', r.handler);
    const second = await bus.subscribe('twice', r.handler);
    await bus.publish('twice', ev(1));
    await waitFor(() => r.got.length === 2, 'two deliveries');
    await first();
    await second();
    const again = recorder();
    await bus.subscribe('twice', again.handler);
    await settle(bus, 'twice', again.got, 2);
    expect(r.got.map((e) => e.id)).toEqual([1, 1]);
  });

  it('keeps delivering to the other handlers when one throws', async () => {
    const { bus } = await setup();
    const r = recorder();
    await bus.subscribe('fragile', () => {
      throw new Error('handler bug');
    });
    await bus.subscribe('fragile', r.handler);
    await bus.publish('fragile', ev(1));
    await bus.publish('fragile', ev(2));
    await waitFor(() => r.got.length === 2, 'both events');
  });

  it('rejects malformed channels and events', async () => {
    const { bus } = await setup();
    await expect(bus.publish('Bad Channel', ev(1))).rejects.toThrow(/channel/);
    await expect(bus.publish('ok', { id: 0, type: 't', data: 1 })).rejects.toThrow(/positive integer/);
    await expect(bus.publish('ok', { id: 1.5, type: 't', data: 1 })).rejects.toThrow(/positive integer/);
    await expect(bus.publish('ok', { id: 1, type: '', data: 1 })).rejects.toThrow(/type/);
    await expect(bus.subscribe('', () => undefined)).rejects.toThrow(/channel/);
  });

  it('delivers nothing after close and refuses publish and subscribe', async () => {
    const { bus, another } = await setup();
    const r = recorder();
    await bus.subscribe('closing', r.handler);
    await bus.publish('closing', ev(1)); // may or may not arrive before close
    await bus.close();
    await bus.close(); // twice is harmless
    if (another) {
      const other = await another();
      await other.publish('closing', ev(2));
      const o = recorder();
      await other.subscribe('closing', o.handler);
      await settle(other, 'closing', o.got, 3);
    } else {
      await new Promise((resolve) => setImmediate(resolve)); // in-process delivery is a microtask
    }
    expect(r.got.filter((e) => e.id !== 1)).toEqual([]);
    await expect(bus.publish('closing', ev(3))).rejects.toThrow(/closed/);
    await expect(bus.subscribe('closing', () => undefined)).rejects.toThrow(/closed/);
  });
}
