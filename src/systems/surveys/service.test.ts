import fc from 'fast-check';
import { afterEach, expect, it } from 'vitest';
import {
  createTestPlatform,
  describeEachDb,
  type DbKind,
  type TestPlatform,
} from '../../../test/support/platform.js';
import { fixedClock } from '../../platform/clock.js';
import { DomainError } from '../../platform/errors.js';
import type { BusEvent } from '../../platform/events/index.js';
import { COLOURS, GENDERS, type Summary } from './constants.js';
import { generateResponses } from './demo.js';
import { ALREADY_SUBMITTED, EMAIL_USED, EVENTS_CHANNEL, createSurveysService } from './service.js';
import { parseSurveysSettings } from './settings.js';
import { SORTS } from './repository.js';
import { summaryOf } from './summary.js';
import { surveysSystem } from './system.js';

const platforms: TestPlatform[] = [];
afterEach(async () => {
  while (platforms.length) await platforms.pop()!.dispose();
});

async function setup(kind: DbKind, env: Record<string, string> = {}) {
  const clock = fixedClock('2026-12-03T07:00:00.000Z');
  const platform = await createTestPlatform(kind, { clock, env, systems: [surveysSystem] });
  platforms.push(platform);
  const service = createSurveysService(platform, parseSurveysSettings(env));
  const events: BusEvent[] = [];
  await platform.events.subscribe(EVENTS_CHANNEL, (e) => void events.push(e));
  return { platform, service, clock, events };
}

const required = (email = 'ann@example.com') => ({ name: 'Ann', email, age: 30, about: 'Hi' });

/** The error a promise rejects with (a DomainError expected). */
async function failure(promise: Promise<unknown>): Promise<DomainError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof DomainError)) throw new Error(`expected a DomainError, got ${String(err)}`);
  return err;
}

describeEachDb('surveys service', (kind) => {
  it('resumes: current finds the response at its step with its answers, cookie id before header id', async () => {
    const { service, clock } = await setup(kind);
    const a = await service.create({ answers: { name: 'Ann' } });
    clock.set('2026-12-03T07:05:00.000Z');
    const saved = await service.save(a.id, { answers: { email: 'ann@example.com', age: '44' }, step: 2 });
    expect(saved).toMatchObject({
      step: 2,
      updatedAt: '2026-12-03T07:05:00.000Z',
      createdAt: '2026-12-03T07:00:00.000Z',
    });
    const b = await service.create();
    expect(await service.current([a.id, b.id])).toEqual(saved);
    expect((await service.current(['00000000-0000-4000-8000-000000000000', b.id]))?.id).toBe(b.id);
    expect(await service.current([])).toBeUndefined();
    expect(saved.answers).toEqual({ name: 'Ann', email: 'ann@example.com', age: 44 });
  });

  it('saves idempotently: the same PATCH again changes nothing, takes no event and keeps updatedAt', async () => {
    const { service, clock, events } = await setup(kind);
    const r = await service.create();
    const first = await service.save(r.id, { answers: { colours: ['Blue', 'Red'], book: 'Emma' } });
    clock.set('2026-12-03T08:00:00.000Z');
    const again = await service.save(r.id, { answers: { colours: ['Red', 'Blue', 'Red'], book: 'Emma' } });
    expect(again).toEqual(first);
    expect((await service.summary()).eventId).toBe(2);
    // The colour set is replaced as a whole.
    const replaced = await service.save(r.id, { answers: { colours: ['Green'] } });
    expect(replaced.answers.colours).toEqual(['Green']);
    const cleared = await service.save(r.id, { answers: { colours: null, book: null } });
    expect(cleared.answers).toEqual({});
    await expect.poll(() => events.map((e) => e.id)).toEqual([1, 2, 3, 4]);
  });

  it('commits saves made together in one batch: an event each, with the summary as it stood after it', async () => {
    const { service, events } = await setup(kind);
    const [a, b, c] = [await service.create(), await service.create(), await service.create()];
    const ids = [a!.id, b!.id, c!.id];
    // In one turn of the event loop, so one transaction; the second save of `a` changes nothing,
    // the third of `c` is refused: neither takes an event.
    const results = await Promise.allSettled([
      service.save(a!.id, { answers: { age: 20, colours: ['Red'] } }),
      service.save(b!.id, { answers: { age: 30, gender: 'Female' } }),
      service.save(a!.id, { answers: { age: 20 } }),
      service.save(c!.id, { answers: { age: 17 } }),
      service.save(c!.id, { answers: { age: 40 } }),
    ]);
    expect(results.map((r) => r.status)).toEqual([
      'fulfilled',
      'fulfilled',
      'fulfilled',
      'rejected',
      'fulfilled',
    ]);
    const stored = await service.eventsFrom(4);
    expect(stored.map((e) => [e.id, e.kind, (JSON.parse(e.payload) as { id: string }).id])).toEqual([
      [4, 'response', ids[0]],
      [5, 'response', ids[1]],
      [6, 'response', ids[2]],
    ]);
    const summaries = stored.map((e) => JSON.parse(e.summary) as Summary);
    expect(summaries.map((s) => [s.eventId, s.averageAge, s.gender.Female, s.topColours])).toEqual([
      [4, 20, 0, [{ colour: 'Red', count: 1 }]],
      [5, 25, 1, [{ colour: 'Red', count: 1 }]],
      [6, 30, 1, [{ colour: 'Red', count: 1 }]],
    ]);
    expect(await service.summary()).toEqual(summaries[2]);
    // Published as stored: the same JSON text.
    await expect.poll(() => events.length).toBe(6);
    expect(events.slice(3).map((e) => e.data)).toEqual(
      stored.map((e) => ({ payload: e.payload, summary: e.summary })),
    );
  });

  it('saves nothing of a request with one bad field, naming it', async () => {
    const { service } = await setup(kind);
    const r = await service.create({ answers: { name: 'Ann' } });
    const err = await failure(service.save(r.id, { answers: { name: 'Bob', email: 'bob@' } }));
    expect(err.kind).toBe('bad_input');
    expect(err.details).toEqual({ fields: { email: 'Enter a valid email address, like name@example.com' } });
    expect((await service.current([r.id]))!.answers).toEqual({ name: 'Ann' });
  });

  it('completes once; asks for missing required answers; refuses edits afterwards', async () => {
    const { service } = await setup(kind);
    const r = await service.create({ answers: { name: 'Ann' } });
    const missing = await failure(service.complete(r.id));
    expect(missing.kind).toBe('bad_input');
    expect(Object.keys(missing.details.fields as object)).toEqual(['email', 'age', 'about']);
    await service.save(r.id, { answers: required() });
    const done = await service.complete(r.id);
    expect(done).toMatchObject({ completed: true, completedAt: '2026-12-03T07:00:00.000Z' });
    for (const again of [service.complete(r.id), service.save(r.id, { answers: { name: 'B' } })]) {
      const err = await failure(again);
      expect([err.kind, err.message]).toEqual(['conflict', ALREADY_SUBMITTED]);
    }
    expect((await failure(service.save('00000000-0000-4000-8000-000000000000', {}))).kind).toBe('not_found');
  });

  it('refuses completing with an email a completed response used, whatever its case; in progress ones do not count', async () => {
    const { service } = await setup(kind);
    const first = await service.create({ answers: required('Ann@Example.com') });
    const second = await service.create({ answers: required('ann@example.COM') });
    await service.complete(second.id); // the first is still in progress: no clash
    const err = await failure(service.complete(first.id));
    expect([err.kind, err.message]).toEqual(['conflict', EMAIL_USED]);
    expect(err.details.fields).toEqual({ email: expect.stringMatching(/already been used/) });
    // The respondent corrects it and completes.
    await service.save(first.id, { answers: { email: 'ann.other@example.com' } });
    expect((await service.complete(first.id)).completed).toBe(true);
  });

  it('lets only one of two simultaneous completions with one email through', async () => {
    const { service } = await setup(kind);
    const a = await service.create({ answers: required() });
    const b = await service.create({ answers: required('ANN@example.com') });
    const results = await Promise.allSettled([service.complete(a.id), service.complete(b.id)]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    const rejected = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect((rejected.reason as DomainError).message).toBe(EMAIL_USED);
  });

  it('keeps concurrent saves, completions and deletes consistent: every save answered, no deadlock, sums equal a recount', async () => {
    const { service, events } = await setup(kind);
    const ids = await Promise.all(
      Array.from({ length: 12 }, (_, i) => service.create({ answers: required(`c${i}@example.com`) })).map(
        async (p) => (await p).id,
      ),
    );
    const work = ids.flatMap((id, i) => [
      ...Array.from({ length: 8 }, (_, n) =>
        service.save(id, { answers: { book: `Book ${n}`, colours: n % 2 ? ['Red'] : ['Blue', 'Green'] } }),
      ),
      i % 3 === 0
        ? service.complete(id)
        : i % 3 === 1
          ? service.remove(id)
          : service.save(id, { answers: { age: 50 + i } }),
    ]);
    const settled = await Promise.allSettled(work);
    // Refusals are domain errors (saves after a completion or a delete), never anything else.
    for (const r of settled) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(DomainError);
    const summary = await service.summary();
    expect(summaryOf(await service.recount(), summary.updatedAt, summary.eventId)).toEqual(summary);
    expect(summary.completed + summary.inProgress).toBe(8);
    // Every event id taken was published, once (writers publish after their own commits, so
    // the order may interleave; dashboards put it back in order, see live-events.ts).
    await expect.poll(() => events.length).toBe(summary.eventId);
    expect(events.map((e) => e.id).sort((a, b) => a - b)).toEqual(
      Array.from({ length: summary.eventId }, (_, i) => i + 1),
    );
  });

  it('seeds generated responses in batches; seeding again never clashes on email', async () => {
    const { service } = await setup(kind);
    const progress: number[] = [];
    await service.seed({ count: 30, onProgress: (done) => progress.push(done) });
    await service.seed({ count: 20 });
    expect(progress).toEqual([30]);
    const summary = await service.summary();
    expect(summary.completed + summary.inProgress).toBe(50);
    expect(summaryOf(await service.recount(), summary.updatedAt, summary.eventId)).toEqual(summary);
  });

  it('keeps the replay buffer bounded: the last SURVEYS_REPLAY_EVENTS events', async () => {
    const { service } = await setup(kind, { SURVEYS_REPLAY_EVENTS: '10' });
    const r = await service.create();
    for (let i = 0; i < 15; i++) await service.save(r.id, { answers: { book: `Book ${i}` } });
    const buffered = await service.eventsFrom(0);
    expect(buffered.map((e) => e.id)).toEqual(Array.from({ length: 10 }, (_, i) => i + 7));
    expect(JSON.parse(buffered.at(-1)!.payload).answers.book).toBe('Book 14');
    expect(JSON.parse(buffered.at(-1)!.summary).eventId).toBe(16);
  });

  it('lists with a status filter, a sort with no answer last either way, and the total from the sums', async () => {
    const { service } = await setup(kind);
    const ages = [40, undefined, 20, 30];
    const made = [];
    for (const [i, age] of ages.entries()) {
      const r = await service.create({ answers: { ...required(`p${i}@example.com`), age: age ?? null } });
      made.push(r);
    }
    await service.complete(made[0]!.id);
    const page = (dir: 'asc' | 'desc', status: 'all' | 'completed' | 'in_progress' = 'all') =>
      service.list({ status, sort: 'age', dir, offset: 0, limit: 10 });
    expect((await page('asc')).rows.map((r) => r.answers.age ?? null)).toEqual([20, 30, 40, null]);
    expect((await page('desc')).rows.map((r) => r.answers.age ?? null)).toEqual([40, 30, 20, null]);
    const inProgress = await page('asc', 'in_progress');
    expect([inProgress.total, inProgress.rows.length, inProgress.eventId]).toEqual([3, 3, 5]);
    expect((await page('asc', 'completed')).rows.map((r) => r.id)).toEqual([made[0]!.id]);
    const paged = await service.list({ status: 'all', sort: 'updatedAt', dir: 'desc', offset: 1, limit: 2 });
    expect([paged.total, paged.rows.length]).toEqual([4, 2]);
  });

  it('stores demo responses in one write with the sums to match', async () => {
    const { service, platform } = await setup(kind);
    const demo = generateResponses({ count: 300, now: platform.clock.now() });
    await service.insertMany(demo);
    const summary = await service.summary();
    expect(summary.completed + summary.inProgress).toBe(300);
    expect(summary.completed).toBeGreaterThan(100);
    expect(summary.inProgress).toBeGreaterThan(50);
    expect(summaryOf(await service.recount(), summary.updatedAt, summary.eventId)).toEqual(summary);
  });

  it('keeps the incremental summary equal to a full recount after random creates, edits, completions and deletes', async () => {
    const { service } = await setup(kind);
    const text = fc.option(fc.constantFrom('a', 'Zoë', '  ', 'book'), { nil: null });
    const answers = fc.record(
      {
        name: text,
        email: fc.option(
          fc.constantFrom('a@example.com', 'A@EXAMPLE.com', 'b@example.com', 'c@example.com'),
          { nil: null },
        ),
        age: fc.option(fc.integer({ min: 18, max: 100 }), { nil: null }),
        about: text,
        gender: fc.option(fc.constantFrom(...GENDERS), { nil: null }),
        book: text,
        colours: fc.option(fc.subarray([...COLOURS]), { nil: null }),
      },
      { requiredKeys: [] },
    );
    const op = fc.oneof(
      fc.record({ kind: fc.constant('create' as const), answers }),
      fc.record({ kind: fc.constant('save' as const), target: fc.nat(), answers }),
      fc.record({ kind: fc.constant('complete' as const), target: fc.nat() }),
      fc.record({ kind: fc.constant('delete' as const), target: fc.nat() }),
    );
    const ids: string[] = [];
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 12 }), async (ops) => {
        for (const o of ops) {
          const id = ids.length ? ids[('target' in o ? o.target : 0) % ids.length]! : undefined;
          // Refusals (completed, missing answers, used email) are part of the sequence too.
          const attempt = async () => {
            if (o.kind === 'create') ids.push((await service.create({ answers: o.answers })).id);
            else if (!id) return;
            else if (o.kind === 'save') await service.save(id, { answers: o.answers });
            else if (o.kind === 'complete') await service.complete(id);
            else if (await service.remove(id)) ids.splice(ids.indexOf(id), 1);
          };
          await attempt().catch((err: unknown) => {
            if (!(err instanceof DomainError)) throw err;
          });
        }
        const summary = await service.summary();
        expect(summaryOf(await service.recount(), summary.updatedAt, summary.eventId)).toEqual(summary);
        expect(summary.completed + summary.inProgress).toBe(ids.length);
      }),
      { numRuns: kind === 'sqlite' ? 60 : 25, seed: 20261203 },
    );
  });
});

it('reads a page of one status sorted by any column from an index, without sorting the responses (SQLite plan)', async () => {
  const { platform } = await setup('sqlite');
  const { native } = platform.database;
  if (native.dialect !== 'sqlite') throw new Error('expected SQLite');
  for (const [key, column] of Object.entries(SORTS))
    for (const dir of ['asc', 'desc']) {
      const plan = native.sqlite
        .prepare(
          `explain query plan select * from surveys_responses where completed = 1 ` +
            `order by ${column} ${dir} nulls last, id ${dir} limit 25`,
        )
        .all() as { detail: string }[];
      const details = plan.map((p) => p.detail).join(' | ');
      expect(details, `${key} ${dir}`).toContain(`INDEX surveys_responses_completed_${column}`);
      expect(details, `${key} ${dir}`).not.toContain('TEMP B-TREE');
    }
});
