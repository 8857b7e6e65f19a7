import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { eventBusConformance } from './conformance.js';
import { createInProcessBus } from './in-process.js';

describe('in-process event bus', () => {
  eventBusConformance(
    async () => {
      const bus = createInProcessBus({ log: pino({ level: 'silent' }) });
      return { bus, dispose: () => bus.close() };
    },
    { crossInstance: false },
  ); // one process: no other instance to reach
});

describe('in-process event bus, its own guarantees', () => {
  it('never runs a handler inside publish, and drops what close overtakes', async () => {
    const bus = createInProcessBus({ log: pino({ level: 'silent' }) });
    const got: number[] = [];
    await bus.subscribe('c', (e) => void got.push(e.id));
    const published = bus.publish('c', { id: 1, type: 't', data: null });
    expect(got).toEqual([]); // publish() has returned; the handler has not run yet
    await published;
    expect(got).toEqual([1]);
    const overtaken = bus.publish('c', { id: 2, type: 't', data: null });
    await bus.close();
    await overtaken;
    await new Promise((resolve) => setImmediate(resolve));
    expect(got).toEqual([1]);
  });
});
