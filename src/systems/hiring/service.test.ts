import fs from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { sql } from 'kysely';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { fixedClock } from '../../platform/clock.js';
import {
  LEGACY_SAMPLE,
  legacyRow,
  tempDir,
  writeLegacyFile,
  type LegacyFixtureRow,
} from '../../../test/support/hiring-legacy.js';
import { application } from '../../../test/support/hiring.js';
import { createTestPlatform, describeEachDb, type TestPlatform } from '../../../test/support/platform.js';
import { PHONE_TYPES, REGIONS, STATES } from './constants.js';
import type { LegacyRow } from './legacy.js';
import { openLegacyFile } from './legacy-source.js';
import { createHiringService, type HiringService, type LegacySource } from './service.js';
import type { HiringDb } from './tables.js';
import type { ApplicationInput } from './validation.js';
import { hiringSystem } from './system.js';

const DAY_MS = 86_400_000;

function mondayOf(day: string): string {
  const d = new Date(`${day}T00:00:00Z`);
  return new Date(d.getTime() - ((d.getUTCDay() + 6) % 7) * DAY_MS).toISOString().slice(0, 10);
}

/** hiring_daily_counts as `day|state -> count`, leaving out rows at zero; checks each row's week. */
async function dailyCounts(db: HiringDb): Promise<Map<string, number>> {
  const rows = await db.selectFrom('hiring_daily_counts').selectAll().execute();
  const result = new Map<string, number>();
  for (const r of rows) {
    expect(r.week, `week of ${r.day}`).toBe(mondayOf(r.day));
    if (Number(r.count) !== 0) result.set(`${r.day}|${r.state}`, Number(r.count));
  }
  return result;
}

/** The same figures, recounted from the applicants themselves with a GROUP BY. */
async function countsFromApplicants(db: HiringDb): Promise<Map<string, number>> {
  const day = sql<string>`substr(created_at, 1, 10)`;
  const rows = await db
    .selectFrom('hiring_applicants')
    .select([day.as('day'), 'workflow_state', (eb) => eb.fn.countAll<number>().as('n')])
    .groupBy([day, 'workflow_state'])
    .execute();
  return new Map(rows.map((r) => [`${r.day}|${r.workflow_state}`, Number(r.n)]));
}

async function expectCountsInStep(db: HiringDb): Promise<void> {
  expect(Object.fromEntries(await dailyCounts(db))).toEqual(
    Object.fromEntries(await countsFromApplicants(db)),
  );
}

async function applicantTotal(db: HiringDb): Promise<number> {
  const row = await db
    .selectFrom('hiring_applicants')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Reads the original's timestamp text (`2014-07-07 02:10:46.503458`) as ISO milliseconds, the simple way. */
function legacyIso(text: string): string {
  const [date, time = ''] = text.split(' ');
  const [hms, fraction = ''] = time.split('.');
  return `${date}T${hms}.${fraction.padEnd(3, '0').slice(0, 3)}Z`;
}

function arraySource(rows: LegacyRow[], failAfterBatches?: number): LegacySource {
  return {
    total: rows.length,
    async *batches() {
      for (let i = 0; i < rows.length; i += 2) {
        if (failAfterBatches !== undefined && i / 2 >= failAfterBatches) throw new Error('source broke');
        yield rows.slice(i, i + 2);
      }
    },
  };
}

describeEachDb('hiring service', (kind) => {
  let clock: ReturnType<typeof fixedClock>;
  let platform: TestPlatform;
  let service: HiringService;
  let db: HiringDb;
  const dirs: string[] = [];

  beforeEach(async () => {
    clock = fixedClock('2015-01-07T10:00:00.000Z');
    platform = await createTestPlatform(kind, { clock, systems: [hiringSystem] });
    service = createHiringService(platform);
    db = platform.db as HiringDb;
  });

  afterEach(async () => {
    await platform.dispose();
    while (dirs.length) fs.rmSync(dirs.pop()!, { recursive: true, force: true });
  });

  function dir(): string {
    const d = tempDir();
    dirs.push(d);
    return d;
  }

  async function applyOk(input: ApplicationInput) {
    const result = await service.apply(input, true);
    if (!result.ok) throw new Error(`apply failed: ${JSON.stringify(result.fields)}`);
    return result.value;
  }

  it('creates an application in state applied, dated now, and counts it on its day and week', async () => {
    const applicant = await applyOk(
      application(1, { email: ' Person1@Example.COM ', phone: '415.555.0101' }),
    );
    expect(applicant).toMatchObject({
      email: 'person1@example.com',
      phone: '+14155550101',
      workflow_state: 'applied',
      over_21: true,
      created_at: '2015-01-07T10:00:00.000Z',
      updated_at: '2015-01-07T10:00:00.000Z',
    });
    const rows = await db.selectFrom('hiring_daily_counts').selectAll().execute();
    expect(rows.map((r) => ({ ...r, count: Number(r.count) }))).toEqual([
      { day: '2015-01-07', week: '2015-01-05', state: 'applied', count: 1 },
    ]);
  });

  it('counts an application in the same transaction: when counting fails, the applicant is not created', async () => {
    await db.schema.dropTable('hiring_daily_counts').execute();
    await expect(service.apply(application(1), true)).rejects.toThrow();
    expect(await applicantTotal(db)).toBe(0);
  });

  it('refuses to apply without background_check_consent true, creating nothing', async () => {
    for (const consent of [false, undefined, 'true', 1]) {
      expect(await service.apply(application(1), consent)).toEqual({
        ok: false,
        fields: { background_check_consent: expect.stringMatching(/background check/) },
      });
    }
    expect(await applicantTotal(db)).toBe(0);
  });

  it('reports field errors and the missing consent together', async () => {
    const result = await service.apply(application(1, { email: 'nope' }), false);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(Object.keys(result.fields).sort()).toEqual(['background_check_consent', 'email']);
  });

  it('moves the count from the old state to the new one on the day the applicant applied', async () => {
    const a = await applyOk(application(1));
    clock.set('2015-01-20T08:00:00.000Z');
    const moved = await service.moveState(a.id, 'quiz_started');
    expect(moved).toMatchObject({
      workflow_state: 'quiz_started',
      created_at: a.created_at,
      updated_at: '2015-01-20T08:00:00.000Z',
    });
    expect(Object.fromEntries(await dailyCounts(db))).toEqual({ '2015-01-07|quiz_started': 1 });
    expect((await service.getApplicant(a.id))?.workflow_state).toBe('quiz_started');
  });

  it('refuses, and changes nothing, when an applicant is moved to the state it is already in', async () => {
    const a = await applyOk(application(1));
    clock.set('2015-01-20T08:00:00.000Z');
    await expect(service.moveState(a.id, 'applied')).rejects.toMatchObject({
      kind: 'conflict',
      message: `applicant ${a.id} is already Applied: nothing to change`,
    });
    expect(await service.getApplicant(a.id)).toEqual(a);
    expect(Object.fromEntries(await dailyCounts(db))).toEqual({ '2015-01-07|applied': 1 });
  });

  it('gives undefined when moving an applicant that does not exist, and counts nothing', async () => {
    expect(await service.moveState(9999, 'hired')).toBeUndefined();
    expect((await dailyCounts(db)).size).toBe(0);
  });

  it('keeps the daily counts equal to a GROUP BY over the applicants after applies, moves and seeds', async () => {
    const times = [
      '2015-01-04T23:59:59.999Z',
      '2015-01-05T00:00:00.000Z',
      '2014-12-31T12:00:00.000Z',
      '2015-01-01T00:30:00.000Z',
    ];
    const applied = [];
    for (const [i, at] of times.entries()) {
      clock.set(at);
      applied.push(await applyOk(application(i)));
    }
    await service.seed({
      count: 300,
      from: new Date('2014-12-20T00:00:00Z'),
      to: new Date('2015-01-10T00:00:00Z'),
      seed: 7,
    });
    await service.moveState(applied[0]!.id, 'quiz_started');
    await service.moveState(applied[0]!.id, 'quiz_completed');
    await service.moveState(applied[1]!.id, 'rejected');
    await service.moveState(applied[2]!.id, 'hired');
    await service.moveState(applied[2]!.id, 'applied');
    const seeded = await db
      .selectFrom('hiring_applicants')
      .select(['id', 'workflow_state'])
      .orderBy('id')
      .offset(4)
      .limit(40)
      .execute();
    // Always to another state: a move to the current one is refused (nothing to change).
    for (const [i, { id, workflow_state }] of seeded.entries()) {
      const to = STATES[i % STATES.length]!;
      await service.moveState(id, to === workflow_state ? STATES[(i + 1) % STATES.length]! : to);
    }
    clock.set('2015-01-11T10:00:00.000Z');
    await applyOk(application(10));
    await service.seed({
      count: 50,
      from: new Date('2015-01-01T00:00:00Z'),
      to: new Date('2015-01-02T00:00:00Z'),
      seed: 8,
    });

    await expectCountsInStep(db);
    const total = [...(await dailyCounts(db)).values()].reduce((a, b) => a + b, 0);
    expect(total).toBe(4 + 300 + 1 + 50);
    expect(await applicantTotal(db)).toBe(total);
  });

  it('refuses an email already registered, whatever its case, and a phone already registered, however written', async () => {
    await applyOk(application(1));
    const byEmail = await service.apply(application(2, { email: 'PERSON1@example.com' }), true);
    expect(byEmail).toEqual({ ok: false, fields: { email: 'This email is already registered' } });
    for (const phone of ['415.555.0101', '+1 415 555 0101', '4155550101']) {
      const byPhone = await service.apply(application(2, { phone }), true);
      expect(byPhone).toEqual({ ok: false, fields: { phone: 'This phone number is already registered' } });
    }
    const both = await service.apply(
      application(2, { email: 'person1@example.com', phone: '415-555-0101' }),
      true,
    );
    expect(both.ok).toBe(false);
    if (!both.ok) expect(Object.keys(both.fields).sort()).toEqual(['email', 'phone']);
    expect(await applicantTotal(db)).toBe(1);
    await expectCountsInStep(db);
  });

  it('tells validate the same: an email or phone someone else holds is refused', async () => {
    await applyOk(application(1));
    expect(await service.checkApplication(application(2, { email: 'Person1@Example.com' }))).toEqual({
      ok: false,
      fields: { email: 'This email is already registered' },
    });
    expect((await service.checkApplication(application(2))).ok).toBe(true);
  });

  it("lets an applicant update their own details but not take another applicant's email or phone", async () => {
    const a = await applyOk(application(1));
    const b = await applyOk(application(2));
    clock.set('2015-01-08T09:00:00.000Z');
    expect(await service.updateApplication(b.id, application(2, { email: 'Person1@EXAMPLE.com' }))).toEqual({
      ok: false,
      fields: { email: 'This email is already registered' },
    });
    expect(await service.updateApplication(b.id, application(2, { phone: '+1 (415) 555-0101' }))).toEqual({
      ok: false,
      fields: { phone: 'This phone number is already registered' },
    });
    // Keeping one's own email and phone (written differently) is fine.
    const same = await service.updateApplication(
      a.id,
      application(1, { first_name: 'Renamed', email: 'PERSON1@example.com', phone: '415.555.0101' }),
    );
    expect(same).toEqual({
      ok: true,
      value: expect.objectContaining({
        first_name: 'Renamed',
        email: 'person1@example.com',
        phone: '+14155550101',
        workflow_state: 'applied',
        created_at: a.created_at,
        updated_at: '2015-01-08T09:00:00.000Z',
      }),
    });
    expect((await service.getApplicant(b.id))?.email).toBe('person2@example.com');
    await expectCountsInStep(db);
  });

  it('reports validation errors on update and gives undefined for an applicant that does not exist', async () => {
    const a = await applyOk(application(1));
    expect(await service.updateApplication(a.id, application(1, { phone: 'call me' }))).toEqual({
      ok: false,
      fields: { phone: expect.any(String) },
    });
    expect(await service.updateApplication(9999, application(3))).toBeUndefined();
  });

  it('finds an application by email and the last four digits of its phone, with one answer for every mismatch', async () => {
    const a = await applyOk(application(1));
    expect(await service.findForTracking(' PERSON1@example.com ', '0101')).toEqual({ ok: true, value: a });
    const wrongDigits = await service.findForTracking('person1@example.com', '0102');
    const unknownEmail = await service.findForTracking('nobody@example.com', '0101');
    const notDigits = await service.findForTracking('person1@example.com', '01a1');
    expect(wrongDigits.ok).toBe(false);
    expect(unknownEmail).toEqual(wrongDigits);
    expect(notDigits).toEqual(wrongDigits);
  });

  it('searches by name, email and phone, case-insensitively, newest first', async () => {
    clock.set('2015-01-01T10:00:00.000Z');
    const ada = await applyOk(
      application(1, { first_name: 'Ada', last_name: 'Lovelace', email: 'ada@example.com' }),
    );
    clock.set('2015-01-02T10:00:00.000Z');
    const alan = await applyOk(
      application(2, { first_name: 'Alan', last_name: 'Turing', email: 'alan@math.example.org' }),
    );
    clock.set('2015-01-03T10:00:00.000Z');
    const grace = await applyOk(
      application(3, { first_name: 'Grace', last_name: 'Hopper', email: 'grace@navy.example.com' }),
    );
    const ids = async (q: string) => (await service.list({ q, page: 1, perPage: 10 })).items.map((i) => i.id);

    expect(await ids('LOVEL')).toEqual([ada.id]);
    expect(await ids('ada lovelace')).toEqual([ada.id]);
    expect(await ids('math.example')).toEqual([alan.id]);
    expect(await ids('(415) 555-0103')).toEqual([grace.id]);
    expect(await ids('555-0102')).toEqual([alan.id]);
    expect(await ids('+14155550101')).toEqual([ada.id]);
    expect(await ids('a')).toEqual([grace.id, alan.id, ada.id]);
    expect(await ids('nobody')).toEqual([]);
  });

  it('treats % and _ in a search as plain characters', async () => {
    await applyOk(application(1, { first_name: 'Ada' }));
    await applyOk(application(2, { first_name: 'Per_cy' }));
    expect((await service.list({ q: '%', page: 1, perPage: 10 })).total).toBe(0);
    expect((await service.list({ q: '_', page: 1, perPage: 10 })).items.map((i) => i.first_name)).toEqual([
      'Per_cy',
    ]);
  });

  it('filters by state and pages through the results with the total of the filtered list', async () => {
    const made = [];
    for (let i = 0; i < 7; i++) {
      clock.set(new Date(Date.UTC(2015, 0, 1 + i, 10)));
      made.push(await applyOk(application(i)));
    }
    for (const a of made.slice(0, 5)) await service.moveState(a.id, 'hired');
    // Newest first: the hired ones are made[4], made[3], ... made[0].
    const hiredIds = made
      .slice(0, 5)
      .reverse()
      .map((a) => a.id);
    const page1 = await service.list({ state: 'hired', page: 1, perPage: 2 });
    const page3 = await service.list({ state: 'hired', page: 3, perPage: 2 });
    const page4 = await service.list({ state: 'hired', page: 4, perPage: 2 });
    expect(page1).toMatchObject({ total: 5, page: 1, per_page: 2 });
    expect(page1.items.map((i) => i.id)).toEqual(hiredIds.slice(0, 2));
    expect(page3.items.map((i) => i.id)).toEqual(hiredIds.slice(4));
    expect(page4.items).toEqual([]);
    expect((await service.list({ state: 'applied', page: 1, perPage: 10 })).items.map((i) => i.id)).toEqual([
      made[6]!.id,
      made[5]!.id,
    ]);
    expect((await service.list({ state: 'rejected', page: 1, perPage: 10 })).total).toBe(0);
    expect((await service.list({ q: 'First6', state: 'hired', page: 1, perPage: 10 })).total).toBe(0);
  });

  it('seeds exactly N applicants with unique emails and phones, in the date range, every state represented', async () => {
    const from = new Date('2014-06-01T00:00:00.000Z');
    const to = new Date('2014-12-31T23:59:59.999Z');
    const progress: number[] = [];
    const created = await service.seed({
      count: 5000,
      from,
      to,
      seed: 42,
      onProgress: (done) => progress.push(done),
    });
    expect(created).toBe(5000);
    expect(progress.at(-1)).toBe(5000);
    const rows = await db
      .selectFrom('hiring_applicants')
      .select(['email', 'phone', 'phone_key', 'workflow_state', 'created_at', 'updated_at'])
      .execute();
    expect(rows).toHaveLength(5000);
    expect(new Set(rows.map((r) => r.email)).size).toBe(5000);
    expect(new Set(rows.map((r) => r.phone_key)).size).toBe(5000);
    expect(new Set(rows.map((r) => r.phone)).size).toBe(5000);
    for (const r of rows) {
      expect(r.created_at >= from.toISOString() && r.created_at <= to.toISOString(), r.created_at).toBe(true);
      expect(r.updated_at >= r.created_at, `${r.updated_at} < ${r.created_at}`).toBe(true);
    }
    expect(new Set(rows.map((r) => r.workflow_state))).toEqual(new Set(STATES));
    await expectCountsInStep(db);
  });

  it('stores every seeded column in its own place (the bulk insert binds columns by position)', async () => {
    await service.seed({
      count: 1500,
      from: new Date('2014-06-01T00:00:00Z'),
      to: new Date('2014-07-01T00:00:00Z'),
      seed: 9,
    });
    const rows = await db.selectFrom('hiring_applicants').selectAll().execute();
    expect(rows).toHaveLength(1500);
    for (const r of rows) {
      expect(r.first_name).toMatch(/^[A-Z]/);
      expect(r.last_name).toMatch(/^[A-Z]/);
      expect(r.email).toMatch(/^[a-z]+\.[a-z]+\.[0-9a-z]+@example\.(com|org|net)$/);
      expect(
        r.email.startsWith(
          `${r.first_name
            .normalize('NFD')
            .replace(/[^A-Za-z]/g, '')
            .toLowerCase()}.`,
        ),
      ).toBe(true);
      expect(r.phone).toMatch(/^\+\d{10,12}$/);
      expect(r.phone_key).toBe(r.phone);
      expect(REGIONS).toContain(r.region);
      expect(PHONE_TYPES).toContain(r.phone_type);
      expect([0, 1, true, false]).toContain(r.over_21);
      expect(STATES).toContain(r.workflow_state);
      expect(r.created_at).toMatch(/^2014-06-\d\dT.*Z$/);
      expect(r.updated_at >= r.created_at).toBe(true);
    }
  });

  it('seeds N more when run again with the same seed, skipping the emails and phones it made before', async () => {
    const range = { from: new Date('2014-06-01T00:00:00Z'), to: new Date('2014-07-01T00:00:00Z') };
    expect(await service.seed({ count: 120, ...range, seed: 5 })).toBe(120);
    expect(await service.seed({ count: 120, ...range, seed: 5 })).toBe(120);
    expect(await applicantTotal(db)).toBe(240);
    await expectCountsInStep(db);
  });

  it('imports the legacy rows it can use and rejects each other row with its id and reason', async () => {
    const file = writeLegacyFile(path.join(dir(), 'crafted.sqlite3'), [
      {
        id: 1,
        email: 'good.one@example.com',
        workflow_state: 'hired',
        created_at: '2014-07-07 02:10:46.503458',
      },
      { id: 2, email: null },
      { id: 3, workflow_state: 'archived' },
      { id: 4, created_at: '2014-02-30 10:00:00' },
      { id: 5, email: 'GOOD.ONE@example.com' },
      {
        id: 6,
        phone: '276.239.8397 x9941',
        workflow_state: 'quiz_started',
        created_at: '2014-12-31 23:59:59.999999',
      },
      { id: 7, phone: '(312) 555 1001' },
      { id: 8, phone: '' },
    ] satisfies LegacyFixtureRow[]);
    const source = await openLegacyFile(file);
    let summary;
    try {
      summary = await service.importLegacy(source);
    } finally {
      await source.close();
    }
    expect(summary.rejected).toEqual([
      { id: 2, reason: 'no email' },
      { id: 3, reason: 'unknown workflow state "archived"' },
      { id: 4, reason: 'unreadable created_at "2014-02-30 10:00:00"' },
      { id: 5, reason: 'email good.one@example.com already taken' },
      { id: 7, reason: 'phone (312) 555 1001 already taken' },
    ]);
    expect(summary).toMatchObject({ read: 8, imported: 3, warnings: 2 });
    expect(summary.warningExamples).toEqual([
      'id 6: phone "276.239.8397 x9941" would be refused today',
      'id 8: no phone',
    ]);
    const rows = await db
      .selectFrom('hiring_applicants')
      .select(['email', 'phone', 'workflow_state', 'created_at'])
      .orderBy('email')
      .execute();
    expect(rows).toEqual([
      {
        email: 'good.one@example.com',
        phone: '312-555-1001',
        workflow_state: 'hired',
        created_at: '2014-07-07T02:10:46.503Z',
      },
      {
        email: 'sam.6@example.com',
        phone: '276.239.8397 x9941',
        workflow_state: 'quiz_started',
        created_at: '2014-12-31T23:59:59.999Z',
      },
      {
        email: 'sam.8@example.com',
        phone: '',
        workflow_state: 'applied',
        created_at: '2014-07-07T02:10:46.503Z',
      },
    ]);
    await expectCountsInStep(db);
  });

  it('rejects legacy rows whose email or phone an applicant registered here already holds', async () => {
    await applyOk(application(1, { email: 'sam.1@example.com', phone: '415-555-0199' }));
    await applyOk(application(2, { region: 'Chicago', phone: '312-555-1002' }));
    await applyOk(application(3, { region: 'Berlin', phone: '+49 30 901820' }));
    const summary = await service.importLegacy(
      arraySource([
        legacyRow(1),
        legacyRow(2),
        legacyRow(3, { region: 'Berlin', phone: '030 901820' }),
        legacyRow(4),
      ]),
    );
    expect(summary.rejected).toEqual([
      { id: 1, reason: 'email sam.1@example.com already taken' },
      { id: 2, reason: 'phone 312-555-1002 already taken' },
      { id: 3, reason: 'phone 030 901820 already taken' },
    ]);
    expect(summary.imported).toBe(1);
    await expectCountsInStep(db);
  });

  it("into an empty table, still rejects a row repeating an earlier batch's email or phone (batches of two)", async () => {
    const summary = await service.importLegacy(
      arraySource([
        legacyRow(1, { phone: '312-555-1001' }),
        legacyRow(2),
        legacyRow(3, { email: 'SAM.2@example.com' }),
        legacyRow(4, { phone: '(312) 555 1001' }),
        legacyRow(5, { phone: '201-000-0001' }),
        legacyRow(6, { phone: '201.000.0001' }),
      ]),
    );
    expect(summary.rejected).toEqual([
      { id: 3, reason: 'email sam.2@example.com already taken' },
      { id: 4, reason: 'phone (312) 555 1001 already taken' },
      { id: 6, reason: 'phone 201.000.0001 already taken' },
    ]);
    expect(summary.imported).toBe(3);
    expect(summary.warnings).toBe(1);
    await expectCountsInStep(db);
  });

  it('stores exactly the accepted rows of a batch that mixes them with rejected ones, each with its own values', async () => {
    const rows = [
      legacyRow(1, { workflow_state: 'hired', created_at: '2014-07-01 10:00:00' }),
      legacyRow(2, { email: null }),
      legacyRow(3, { workflow_state: 'quiz_started', created_at: '2014-07-03 10:00:00' }),
      legacyRow(4, { email: 'Sam.1@example.com' }),
      legacyRow(5, { phone: '201-000-0005', created_at: '2014-07-05 10:00:00' }),
      legacyRow(6, { phone: '312-555-1003' }),
      legacyRow(7, { workflow_state: 'rejected', created_at: '2014-07-07 10:00:00' }),
    ];
    const summary = await service.importLegacy({
      total: rows.length,
      async *batches() {
        yield rows;
      },
    });
    expect(summary.rejected).toEqual([
      { id: 2, reason: 'no email' },
      { id: 4, reason: 'email sam.1@example.com already taken' },
      { id: 6, reason: 'phone 312-555-1003 already taken' },
    ]);
    expect(summary).toMatchObject({ read: 7, imported: 4, warnings: 1 });
    expect(summary.warningExamples).toEqual(['id 5: phone "201-000-0005" would be refused today']);
    const stored = await db
      .selectFrom('hiring_applicants')
      .select(['last_name', 'email', 'phone', 'workflow_state', 'created_at'])
      .orderBy('id')
      .execute();
    expect(stored).toEqual([
      {
        last_name: 'Legacy1',
        email: 'sam.1@example.com',
        phone: '312-555-1001',
        workflow_state: 'hired',
        created_at: '2014-07-01T10:00:00.000Z',
      },
      {
        last_name: 'Legacy3',
        email: 'sam.3@example.com',
        phone: '312-555-1003',
        workflow_state: 'quiz_started',
        created_at: '2014-07-03T10:00:00.000Z',
      },
      {
        last_name: 'Legacy5',
        email: 'sam.5@example.com',
        phone: '201-000-0005',
        workflow_state: 'applied',
        created_at: '2014-07-05T10:00:00.000Z',
      },
      {
        last_name: 'Legacy7',
        email: 'sam.7@example.com',
        phone: '312-555-1007',
        workflow_state: 'rejected',
        created_at: '2014-07-07T10:00:00.000Z',
      },
    ]);
    await expectCountsInStep(db);
  });

  it('refuses a new application with the phone of an imported applicant written another way', async () => {
    await service.importLegacy(
      arraySource([
        legacyRow(1, { region: 'Berlin', phone: '030 901820' }),
        legacyRow(2, { phone: '276.239.8397 x9941' }),
      ]),
    );
    const berlin = await service.apply(application(5, { region: 'Berlin', phone: '+49 30 901820' }), true);
    expect(berlin).toEqual({ ok: false, fields: { phone: 'This phone number is already registered' } });
    const us = await service.apply(application(6, { phone: '(276) 239-8397' }), true);
    expect(us).toEqual({ ok: false, fields: { phone: 'This phone number is already registered' } });
  });

  it('imports rows with values too long for their columns without failing: email and phone rejected, free text cut', async () => {
    const summary = await service.importLegacy(
      arraySource([
        legacyRow(1, { source: 's'.repeat(300), phone_type: 'p'.repeat(80), region: 'r'.repeat(70) }),
        legacyRow(2, { phone: '1'.repeat(70) }),
        legacyRow(3, { email: `${'a'.repeat(260)}@example.com` }),
        legacyRow(4),
      ]),
    );
    expect(summary.rejected).toEqual([
      { id: 2, reason: 'phone too long (70 characters)' },
      { id: 3, reason: 'email longer than 254 characters' },
    ]);
    expect(summary.imported).toBe(2);
    const row = await db
      .selectFrom('hiring_applicants')
      .select(['source', 'phone_type', 'region'])
      .where('email', '=', 'sam.1@example.com')
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ source: 's'.repeat(200), phone_type: 'p'.repeat(64), region: 'r'.repeat(64) });
    await expectCountsInStep(db);
  });

  it('creates one of two simultaneous applications with the same email and tells the other it is taken', async () => {
    const results = await Promise.all([
      service.apply(application(1), true),
      service.apply(application(2, { email: 'PERSON1@example.com' }), true),
    ]);
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.find((r) => !r.ok)).toEqual({
      ok: false,
      fields: { email: 'This email is already registered' },
    });
    expect(await applicantTotal(db)).toBe(1);
    await expectCountsInStep(db);
  });

  it('creates one of two simultaneous applications with the same phone and tells the other it is taken', async () => {
    const results = await Promise.all([
      service.apply(application(1), true),
      service.apply(application(2, { phone: '+1 415 555 0101' }), true),
    ]);
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.find((r) => !r.ok)).toEqual({
      ok: false,
      fields: { phone: 'This phone number is already registered' },
    });
    expect(await applicantTotal(db)).toBe(1);
  });

  it('keeps the counts in step when one applicant is moved by several requests at once', async () => {
    const a = await applyOk(application(1));
    const b = await applyOk(application(2));
    const moves = [
      'quiz_started',
      'hired',
      'rejected',
      'quiz_completed',
      'applied',
      'onboarding_requested',
    ] as const;
    await Promise.all(
      moves.flatMap((state) => [service.moveState(a.id, state), service.moveState(b.id, state)]),
    );
    await expectCountsInStep(db);
    const total = [...(await dailyCounts(db)).values()].reduce((x, y) => x + y, 0);
    expect(total).toBe(2);
  });

  it('imports nothing when the source fails part-way (one transaction)', async () => {
    const rows = [1, 2, 3, 4, 5].map((id) => legacyRow(id));
    await expect(service.importLegacy(arraySource(rows, 2))).rejects.toThrow('source broke');
    expect(await applicantTotal(db)).toBe(0);
    expect((await dailyCounts(db)).size).toBe(0);
  });

  it.skipIf(!fs.existsSync(LEGACY_SAMPLE))(
    'imports all 1,999 rows of ../shared/data/hiring/applicants_sample.sqlite3 (skipped when absent) with their dates and states; a second import writes nothing',
    async () => {
      const original = new SQLite(LEGACY_SAMPLE, { readonly: true, fileMustExist: true });
      const expected = original.prepare('select email, workflow_state, created_at from applicants').all() as {
        email: string;
        workflow_state: string;
        created_at: string;
      }[];
      original.close();
      expect(expected).toHaveLength(1999);

      const first = await openLegacyFile(LEGACY_SAMPLE);
      let summary;
      try {
        summary = await service.importLegacy(first);
      } finally {
        await first.close();
      }
      expect(summary).toMatchObject({ read: 1999, imported: 1999, rejected: [] });

      const rows = await db
        .selectFrom('hiring_applicants')
        .select(['email', 'workflow_state', 'created_at'])
        .execute();
      const byEmail = new Map(rows.map((r) => [r.email, r]));
      expect(byEmail.size).toBe(1999);
      for (const e of expected) {
        expect(byEmail.get(e.email.toLowerCase()), e.email).toEqual({
          email: e.email.toLowerCase(),
          workflow_state: e.workflow_state,
          created_at: legacyIso(e.created_at),
        });
      }
      const perState = (list: { workflow_state: string }[]) =>
        Object.fromEntries(STATES.map((s) => [s, list.filter((r) => r.workflow_state === s).length]));
      expect(perState(rows)).toEqual(perState(expected));
      await expectCountsInStep(db);
      const countsBefore = Object.fromEntries(await dailyCounts(db));

      const second = await openLegacyFile(LEGACY_SAMPLE);
      let again;
      try {
        again = await service.importLegacy(second);
      } finally {
        await second.close();
      }
      expect(again.read).toBe(1999);
      expect(again.imported).toBe(0);
      expect(again.rejected).toHaveLength(1999);
      expect(again.rejected.every((r) => / already taken$/.test(r.reason))).toBe(true);
      expect(await applicantTotal(db)).toBe(1999);
      expect(Object.fromEntries(await dailyCounts(db))).toEqual(countsBefore);
    },
  );
});
