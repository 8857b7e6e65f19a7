// The event stream over a real socket (inject cannot stream): resume with Last-Event-ID, reset
// when too old, gaps filled from the replay buffer.
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { TestClient } from '../../../test/support/client.js';
import { parseSseBlock, type SseFrame } from '../../../test/support/sse.js';
import {
  createTestPlatform,
  describeEachDb,
  hasPostgres,
  hasRedis,
  type DbKind,
  type TestPlatform,
} from '../../../test/support/platform.js';
import { buildApp } from '../../app.js';
import { createPlatform } from '../../platform/platform.js';
import { createInProcessBus } from '../../platform/events/in-process.js';
import type { EventBus } from '../../platform/events/index.js';
import type { SseStream } from '../../platform/http/sse.js';
import { waitFor } from '../../platform/jobs/testing/recorder.js';
import { startLiveStream } from './live-events.js';
import { createSurveysService } from './service.js';
import { parseSurveysSettings } from './settings.js';
import { surveysSystem } from './system.js';

interface Frame {
  id?: string;
  event?: string;
  data: string;
}

/** A stream that records the frames it is given (`frames`) and the writes (`writes`). */
function recordingStream() {
  const frames: SseFrame[] = [];
  let writes = 0;
  const record = (text: string) => {
    writes++;
    for (const block of text.split('\n\n')) {
      const frame = parseSseBlock(block);
      if (frame) frames.push(frame);
    }
  };
  const stream: SseStream = {
    closed: false,
    send: () => Promise.reject(new Error('the live stream sends rendered frames')),
    sendFrames: async (text) => (record(text), true),
    onClose: () => undefined,
    close: () => undefined,
  };
  return { stream, frames, writes: () => writes };
}

const platforms: TestPlatform[] = [];
const apps: FastifyInstance[] = [];
const requests: http.ClientRequest[] = [];
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (requests.length) requests.pop()!.destroy();
  while (apps.length) await apps.pop()!.close();
  while (cleanups.length) await cleanups.pop()!();
  while (platforms.length) await platforms.pop()!.dispose();
});

async function setup(kind: DbKind, env: Record<string, string> = {}, shared?: TestPlatform) {
  // `shared`: another app instance on the same database (and Redis, when its config names one).
  const platform = shared
    ? {
        ...createPlatform(shared.config, { log: shared.log }),
        dataDir: shared.dataDir,
        dispose: () => Promise.resolve(),
      }
    : await createTestPlatform(kind, { env, systems: [surveysSystem] });
  if (shared) cleanups.push(() => platform.close());
  else platforms.push(platform);
  const app = await buildApp(platform);
  apps.push(app);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const port = (app.server.address() as AddressInfo).port;
  const admin = new TestClient(app);
  await admin.loginAsAdmin();
  const respondent = new TestClient(app);
  const create = async (answers: Record<string, unknown> = {}) =>
    (await respondent.post('/api/surveys/responses', { answers })).json<{ id: string }>().id;
  const save = (id: string, answers: Record<string, unknown>) =>
    respondent.request('PATCH', `/api/surveys/responses/${id}`, { body: { answers } });

  /** Opens the stream; frames arrive in `frames` (comments left out). */
  function listen(headers: Record<string, string> = {}, query = '') {
    const frames: Frame[] = [];
    let status = 0;
    let buffer = '';
    const request = http.get(
      {
        host: '127.0.0.1',
        port,
        path: `/api/surveys/events${query}`,
        headers: { cookie: admin.cookieHeader(), ...headers },
      },
      (response) => {
        status = response.statusCode ?? 0;
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          buffer += chunk;
          let end;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const frame: Frame = { data: '' };
            let isFrame = false;
            for (const line of block.split('\n')) {
              const [field, ...rest] = line.split(': ');
              const value = rest.join(': ');
              if (field === 'id') frame.id = value;
              else if (field === 'event') frame.event = value;
              else if (field === 'data') frame.data = value;
              else continue;
              isFrame = true;
            }
            if (isFrame) frames.push(frame);
          }
        });
      },
    );
    requests.push(request);
    return { frames, status: () => status, close: () => request.destroy() };
  }
  return { platform, app, admin, respondent, create, save, listen };
}

const kinds = (frames: Frame[]) => frames.map((f) => `${f.id}:${f.event}`);

describeEachDb('surveys event stream', (kind) => {
  it('streams each change as a response (or deleted) frame and a summary frame under one increasing id', async () => {
    const { create, save, listen, admin } = await setup(kind);
    const stream = listen({}, '?lastEventId=0'); // from the start, whenever the stream subscribes
    const id = await create({ name: 'Ann' });
    await save(id, { age: 40 });
    await waitFor(() => stream.frames.some((f) => f.id === '2' && f.event === 'summary'), 'event 2');
    const two = stream.frames.filter((f) => f.id === '2');
    expect(two.map((f) => f.event)).toEqual(['response', 'summary']);
    expect(JSON.parse(two[0]!.data)).toMatchObject({ id, answers: { name: 'Ann', age: 40 } });
    expect(JSON.parse(two[1]!.data)).toMatchObject({ inProgress: 1, averageAge: 40, eventId: 2 });
    await admin.request('DELETE', `/api/surveys/responses/${id}`);
    await waitFor(() => stream.frames.some((f) => f.id === '3' && f.event === 'summary'), 'event 3');
    const deleted = stream.frames.find((f) => f.event === 'deleted')!;
    expect([deleted.id, JSON.parse(deleted.data)]).toEqual(['3', { id }]);
    expect(stream.status()).toBe(200);
    expect(kinds(stream.frames)).toEqual([
      '1:response',
      '1:summary',
      '2:response',
      '2:summary',
      '3:deleted',
      '3:summary',
    ]);
  });

  it('resumes after Last-Event-ID without missing an event: the missed ones in order, then live ones', async () => {
    const { create, save, listen } = await setup(kind);
    const first = listen({}, '?lastEventId=0');
    const id = await create({ name: 'Ann' });
    await save(id, { book: 'Book 2' });
    await waitFor(() => first.frames.some((f) => f.id === '2' && f.event === 'summary'), 'event 2');
    first.close();
    for (let n = 3; n <= 5; n++) await save(id, { book: `Book ${n}` }); // while away
    const again = listen({ 'last-event-id': '2' });
    await waitFor(() => again.frames.some((f) => f.id === '5' && f.event === 'summary'), 'the missed events');
    await save(id, { book: 'Book 6' });
    await waitFor(() => again.frames.some((f) => f.id === '6' && f.event === 'summary'), 'the live event');
    expect(kinds(again.frames)).toEqual([
      '2:summary', // sent again, in case the drop fell between event 2's two frames
      '3:response',
      '3:summary',
      '4:response',
      '4:summary',
      '5:response',
      '5:summary',
      '6:response',
      '6:summary',
    ]);
    const books = again.frames
      .filter((f) => f.event === 'response')
      .map((f) => JSON.parse(f.data).answers.book);
    expect(books).toEqual(['Book 3', 'Book 4', 'Book 5', 'Book 6']);
    // The same through ?lastEventId= (a first connection after a snapshot).
    const fromSnapshot = listen({}, '?lastEventId=4');
    await waitFor(() => fromSnapshot.frames.some((f) => f.id === '6' && f.event === 'summary'), 'from 4');
    expect(kinds(fromSnapshot.frames)[1]).toBe('5:response');
  });

  it('sends reset when Last-Event-ID is older than the replay buffer, or not an id, then goes on live', async () => {
    const { create, save, listen } = await setup(kind, { SURVEYS_REPLAY_EVENTS: '10' });
    const id = await create();
    for (let n = 2; n <= 15; n++) await save(id, { book: `Book ${n}` });
    for (const lastEventId of ['3', 'not-a-number', '99']) {
      const stream = listen({ 'last-event-id': lastEventId });
      await waitFor(() => stream.frames.length > 0, 'the first frame');
      expect(stream.frames[0]).toEqual({ id: '15', event: 'reset', data: '{}' });
      stream.close();
    }
    // Still within the buffer: no reset.
    const recent = listen({ 'last-event-id': '6' });
    await waitFor(() => recent.frames.some((f) => f.id === '15' && f.event === 'summary'), 'the replay');
    expect(kinds(recent.frames).slice(0, 2)).toEqual(['6:summary', '7:response']);
    const live = listen({ 'last-event-id': '3' });
    await waitFor(() => live.frames.length > 0, 'the reset');
    await save(id, { book: 'Book 16' });
    await waitFor(() => live.frames.some((f) => f.id === '16' && f.event === 'summary'), 'the next event');
    expect(kinds(live.frames)).toEqual(['15:reset', '16:response', '16:summary']);
  });

  it('fills a gap from the replay buffer when a change never reached this bus (another instance, a lost publish)', async () => {
    const { platform, create, save, listen } = await setup(kind);
    const stream = listen({}, '?lastEventId=0');
    const id = await create({ name: 'Ann' });
    await waitFor(() => stream.frames.some((f) => f.id === '1' && f.event === 'summary'), 'event 1');
    // Another instance whose events go elsewhere writes event 2.
    const elsewhere = createSurveysService(
      { ...platform, events: createInProcessBus({ log: platform.log }) },
      parseSurveysSettings({}),
    );
    await elsewhere.save(id, { answers: { book: 'written elsewhere' } });
    await save(id, { age: 50 });
    await waitFor(() => stream.frames.some((f) => f.id === '3' && f.event === 'summary'), 'event 3');
    expect(kinds(stream.frames)).toEqual([
      '1:response',
      '1:summary',
      '2:response',
      '2:summary',
      '3:response',
      '3:summary',
    ]);
    expect(JSON.parse(stream.frames[2]!.data).answers.book).toBe('written elsewhere');
  });
});

describe.skipIf(!hasRedis() || !hasPostgres())(
  'surveys event stream across instances (PostgreSQL + Redis)',
  () => {
    it('brings a change made through one instance to a dashboard of another, over Redis', async () => {
      const env = {
        REDIS_URL: process.env.TEST_REDIS_URL!,
        REDIS_PREFIX: `quintet-surveys-${crypto.randomBytes(5).toString('hex')}`,
      };
      const a = await setup('postgres', env);
      const b = await setup('postgres', env, a.platform as TestPlatform);
      const stream = b.listen({}, '?lastEventId=0');
      const id = await a.create({ name: 'Ann' });
      await a.save(id, { age: 33 });
      await waitFor(
        () => stream.frames.some((f) => f.id === '2' && f.event === 'summary'),
        'event 2 on instance b',
      );
      expect(kinds(stream.frames)).toEqual(['1:response', '1:summary', '2:response', '2:summary']);
      expect(JSON.parse(stream.frames[2]!.data).answers).toEqual({ name: 'Ann', age: 33 });
    });
  },
);

describe('a live stream on its heartbeat', () => {
  it('sends a committed event the bus never brought when check() runs (a publish lost while Redis was away)', async () => {
    const platform = await createTestPlatform('sqlite', { systems: [surveysSystem] });
    platforms.push(platform);
    const settings = parseSurveysSettings({});
    const service = createSurveysService(platform, settings);
    const { stream, frames: sent } = recordingStream();
    const live = await startLiveStream({ service, bus: platform.events, stream, lastEventId: undefined });
    // Written by an instance whose events never reach this bus.
    const elsewhere = createSurveysService(
      { ...platform, events: createInProcessBus({ log: platform.log }) },
      settings,
    );
    const id = (await elsewhere.create({ answers: { name: 'Ann' } })).id;
    expect(sent).toEqual([]);
    live.check();
    await waitFor(() => sent.length === 2, 'the missed event');
    expect(sent.map((m) => [m.id, m.event])).toEqual([
      ['1', 'response'],
      ['1', 'summary'],
    ]);
    expect(JSON.parse(sent[0]!.data)).toMatchObject({ id, answers: { name: 'Ann' } });
  });

  it('sends the events that arrive together (one batch of saves) to each stream in one write, in order', async () => {
    const platform = await createTestPlatform('sqlite', { systems: [surveysSystem] });
    platforms.push(platform);
    const service = createSurveysService(platform, parseSurveysSettings({}));
    const streams = [recordingStream(), recordingStream()];
    for (const { stream } of streams)
      await startLiveStream({ service, bus: platform.events, stream, lastEventId: undefined });
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await service.create()).id);
    await Promise.all(ids.map((id, i) => service.save(id, { answers: { age: 20 + i } })));
    for (const s of streams) await waitFor(() => s.frames.length === 12, 'six events');
    const [one, two] = streams;
    expect(one!.frames.map((f) => `${f.id}:${f.event}`)).toEqual(
      [1, 2, 3, 4, 5, 6].flatMap((id) => [`${id}:response`, `${id}:summary`]),
    );
    expect(two!.frames).toEqual(one!.frames);
    // The creates one at a time (one write each), the three saves of one transaction in one.
    expect(one!.writes()).toBe(4);
    expect(JSON.parse(one!.frames[11]!.data)).toMatchObject({ eventId: 6, averageAge: 21 });
  });

  it('closes the stream of a client that stopped reading once 1,000 events wait for it', async () => {
    const platform = await createTestPlatform('sqlite', { systems: [surveysSystem] });
    platforms.push(platform);
    const service = createSurveysService(platform, parseSurveysSettings({}));
    let closed = false;
    let writing = false;
    const never = () => ((writing = true), new Promise<boolean>(() => undefined)); // the socket never drains
    const stream: SseStream = {
      get closed() {
        return closed;
      },
      send: never,
      sendFrames: never,
      onClose: () => undefined,
      close: () => void (closed = true),
    };
    await startLiveStream({ service, bus: platform.events, stream, lastEventId: undefined });
    const data = { payload: '{"id":"x"}', summary: '{}' };
    // The first is being sent (forever); the next 1,000 wait.
    await platform.events.publish('surveys', { id: 1, type: 'deleted', data });
    await waitFor(() => writing, 'the first write');
    for (let id = 2; id <= 1001; id++)
      await platform.events.publish('surveys', { id, type: 'deleted', data });
    await new Promise((resolve) => setImmediate(resolve));
    expect(closed).toBe(false);
    await platform.events.publish('surveys', { id: 1002, type: 'deleted', data });
    await waitFor(() => closed, 'the stream closed');
  });

  it('sends an event once when the bus delivers it together with the subscription (Redis can, in one read)', async () => {
    const platform = await createTestPlatform('sqlite', { systems: [surveysSystem] });
    platforms.push(platform);
    const settings = parseSurveysSettings({});
    const quiet = createSurveysService(
      { ...platform, events: createInProcessBus({ log: platform.log }) },
      settings,
    );
    await quiet.create({ answers: { name: 'Ann' } }); // event 1, committed
    const [stored] = await quiet.eventsFrom(1);
    const event1 = { id: 1, type: 'response', data: { payload: stored!.payload, summary: stored!.summary } };
    const bus: EventBus = {
      publish: async () => undefined,
      // Hands over event 1 before the subscription's promise settles, as a Redis read holding the
      // SUBSCRIBE reply and a message does.
      subscribe: async (_channel, handler) => {
        handler(event1);
        return async () => undefined;
      },
      close: async () => undefined,
    };
    const { stream, frames: sent } = recordingStream();
    await startLiveStream({ service: quiet, bus, stream, lastEventId: 0 });
    await new Promise((resolve) => setImmediate(resolve));
    expect(sent.map((m) => `${m.id}:${m.event}`)).toEqual(['1:response', '1:summary']);
  });
});
