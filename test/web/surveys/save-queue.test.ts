import { describe, expect, it } from 'vitest';
import {
  SaveQueue,
  type SaveOutcome,
  type SaveRequest,
  type SaveStatus,
  type Timers,
} from '../../../web/surveys/save-queue.js';

/** Timers driven by hand: `advance(ms)` runs what falls due. */
class ManualTimers implements Timers {
  now = 0;
  private next = 1;
  private due = new Map<number, { at: number; fn: () => void }>();
  set(fn: () => void, ms: number): unknown {
    const id = this.next++;
    this.due.set(id, { at: this.now + ms, fn });
    return id;
  }
  clear(handle: unknown): void {
    this.due.delete(handle as number);
  }
  get scheduled(): number {
    return this.due.size;
  }
  advance(ms: number): void {
    const end = this.now + ms;
    for (;;) {
      const first = [...this.due.entries()]
        .filter(([, t]) => t.at <= end)
        .sort((a, b) => a[1].at - b[1].at)[0];
      if (first === undefined) break;
      this.due.delete(first[0]);
      this.now = first[1].at;
      first[1].fn();
    }
    this.now = end;
  }
}

const tick = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/** A server whose answers the test gives one by one. */
function harness(delayMs = 400) {
  const timers = new ManualTimers();
  const requests: SaveRequest[] = [];
  const answers: ((outcome: SaveOutcome) => void)[] = [];
  const statuses: SaveStatus[] = [];
  const saved: string[][] = [];
  const invalid: Record<string, string>[] = [];
  const stops: string[] = [];
  const queue = new SaveQueue({
    delayMs,
    timers,
    retryDelayMs: (n) => 1000 * n,
    send: (request) => {
      requests.push(structuredClone(request));
      return new Promise<SaveOutcome>((resolve) => answers.push(resolve));
    },
    onStatus: (s) => statuses.push(s),
    onSaved: (fields) => saved.push([...fields]),
    onInvalid: (fields) => invalid.push(fields),
    onStop: (message) => stops.push(message),
  });
  const answer = async (outcome: SaveOutcome) => {
    const resolve = answers.shift();
    if (resolve === undefined) throw new Error('no request is waiting for an answer');
    resolve(outcome);
    await tick();
  };
  return { timers, queue, requests, answer, statuses, saved, invalid, stops, waiting: () => answers.length };
}

describe('SaveQueue', () => {
  it('sends a burst of typing once, after the field has been quiet for the delay', () => {
    const h = harness();
    h.queue.change('name', 'A', { debounce: true });
    h.timers.advance(300);
    h.queue.change('name', 'Ad', { debounce: true });
    h.timers.advance(300);
    h.queue.change('name', 'Ada', { debounce: true });
    expect(h.requests).toHaveLength(0);
    expect(h.queue.currentStatus).toBe('pending');
    h.timers.advance(399);
    expect(h.requests).toHaveLength(0);
    h.timers.advance(1);
    expect(h.requests).toEqual([{ answers: { name: 'Ada' } }]);
    expect(h.queue.currentStatus).toBe('saving');
  });

  it('sends choices and step changes at once, together with typing still waiting', () => {
    const h = harness();
    h.queue.change('about', 'Hello', { debounce: true });
    h.queue.change('age', 42);
    expect(h.requests).toEqual([{ answers: { about: 'Hello', age: 42 } }]);
    expect(h.timers.scheduled).toBe(0);
  });

  it('keeps one request in flight and sends what changed meanwhile right after it', async () => {
    const h = harness();
    h.queue.change('name', 'Ada');
    h.queue.change('gender', 'Female');
    h.queue.change('name', 'Ada L');
    expect(h.requests).toHaveLength(1);
    await h.answer({ kind: 'saved' });
    expect(h.requests[1]).toEqual({ answers: { gender: 'Female', name: 'Ada L' } });
    await h.answer({ kind: 'saved' });
    expect(h.queue.currentStatus).toBe('saved');
    expect(h.saved).toEqual([['name'], ['gender', 'name']]);
  });

  it('waits for the debounce after a request when typing continued during it', async () => {
    const h = harness();
    h.queue.change('name', 'Ada');
    h.queue.change('about', 'I like', { debounce: true });
    await h.answer({ kind: 'saved' });
    expect(h.requests).toHaveLength(1);
    h.timers.advance(400);
    expect(h.requests[1]).toEqual({ answers: { about: 'I like' } });
  });

  it('flush sends at once, resolves when everything is saved, and carries the step', async () => {
    const h = harness();
    h.queue.change('email', 'ada@example.com', { debounce: true });
    const done = h.queue.flush();
    h.queue.setStep(2);
    expect(h.requests[0]).toEqual({ answers: { email: 'ada@example.com' } });
    await h.answer({ kind: 'saved' });
    expect(h.requests[1]).toEqual({ answers: {}, step: 2 });
    let resolved = false;
    void done.then(() => (resolved = true));
    await tick();
    expect(resolved).toBe(false);
    await h.answer({ kind: 'saved' });
    await expect(done).resolves.toEqual({ ok: true });
  });

  it('flush with nothing waiting resolves at once', async () => {
    const h = harness();
    await expect(h.queue.flush()).resolves.toEqual({ ok: true });
    expect(h.requests).toHaveLength(0);
  });

  it('reports refused fields, re-sends the accepted ones without them, and does not repeat the refused value', async () => {
    const h = harness();
    h.queue.change('name', 'Ada');
    h.queue.change('email', 'not-an-email');
    await h.answer({ kind: 'saved' });
    h.queue.change('age', 30);
    h.queue.change('email', 'still-bad');
    h.queue.setStep(2);
    expect(h.requests[1]).toEqual({ answers: { email: 'not-an-email' } });
    await h.answer({ kind: 'invalid', fields: { email: 'enter a valid email address' } });
    expect(h.invalid).toEqual([{ email: 'enter a valid email address' }]);
    // The newer email is still sent (it may be valid); the refused one is not sent again.
    expect(h.requests[2]).toEqual({ answers: { age: 30, email: 'still-bad' }, step: 2 });
    await h.answer({ kind: 'invalid', fields: { email: 'enter a valid email address' } });
    expect(h.requests[3]).toEqual({ answers: { age: 30 }, step: 2 });
    await h.answer({ kind: 'saved' });
    expect(h.requests).toHaveLength(4);
    expect(h.queue.currentStatus).toBe('saved');
  });

  it('drops a refused request that names none of its fields instead of repeating it', async () => {
    const h = harness();
    h.queue.change('name', 'Ada');
    await h.answer({ kind: 'invalid', fields: { other: 'no' } });
    expect(h.requests).toHaveLength(1);
    expect(h.queue.currentStatus).toBe('invalid');
  });

  it('retries a failed save with a growing delay, merged under newer values, and flush reports the failure', async () => {
    const h = harness();
    h.queue.change('name', 'Ada');
    h.queue.change('book', 'Dune');
    const done = h.queue.flush();
    await h.answer({ kind: 'retry', message: 'offline' });
    await expect(done).resolves.toEqual({ ok: false, message: 'offline' });
    expect(h.queue.currentStatus).toBe('retrying');
    h.queue.change('name', 'Ada L', { debounce: true });
    h.timers.advance(999);
    expect(h.requests).toHaveLength(1);
    h.timers.advance(1);
    expect(h.requests[1]).toEqual({ answers: { name: 'Ada L', book: 'Dune' } });
    await h.answer({ kind: 'retry', message: 'offline' });
    h.timers.advance(1999);
    expect(h.requests).toHaveLength(2);
    h.timers.advance(1);
    expect(h.requests).toHaveLength(3);
    await h.answer({ kind: 'saved' });
    expect(h.queue.currentStatus).toBe('saved');
    // Back to normal: typing is debounced again.
    h.queue.change('book', 'Emma', { debounce: true });
    h.timers.advance(400);
    expect(h.requests[3]).toEqual({ answers: { book: 'Emma' } });
  });

  it('treats a send that throws as a failure to retry', async () => {
    const timers = new ManualTimers();
    let calls = 0;
    const queue = new SaveQueue({
      timers,
      retryDelayMs: () => 10,
      send: () => {
        calls += 1;
        return calls === 1 ? Promise.reject(new Error('boom')) : Promise.resolve({ kind: 'saved' } as const);
      },
    });
    queue.change('name', 'Ada');
    await expect(queue.flush()).resolves.toEqual({ ok: false, message: 'boom' });
    timers.advance(10);
    await tick();
    expect(calls).toBe(2);
    expect(queue.currentStatus).toBe('saved');
  });

  it('stops for good when the server says the survey was submitted', async () => {
    const h = harness();
    h.queue.change('name', 'Ada');
    h.queue.change('book', 'Dune', { debounce: true });
    const done = h.queue.flush();
    await h.answer({ kind: 'stop', message: 'Survey already submitted.' });
    await expect(done).resolves.toEqual({ ok: false, stopped: true, message: 'Survey already submitted.' });
    expect(h.stops).toEqual(['Survey already submitted.']);
    h.queue.change('name', 'Bob');
    h.timers.advance(10_000);
    expect(h.requests).toHaveLength(1);
    expect(h.queue.currentStatus).toBe('stopped');
  });
});
