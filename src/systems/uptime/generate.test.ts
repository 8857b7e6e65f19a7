import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { isOpenAt } from './business-hours.js';
import {
  DEMO_ZONES,
  POLL_CSV_HEADER,
  generateDemoStores,
  generatePollCsv,
  generatePolls,
  planStores,
  writePollCsv,
  type GeneratedPoll,
  type PollGeneratorOptions,
} from './generate.js';
import { formatTimeOfDay, mapHeader, readHoursRow, readPollRow } from './rows.js';
import { storeUptime } from './report.js';

const MIN = 60_000;
const END = Date.parse('2024-10-14T23:55:18Z');
const demo = generateDemoStores(400, 7);
const options: PollGeneratorOptions = {
  hours: demo.hours,
  timezones: demo.timezones,
  days: 11,
  end: END,
  seed: 3,
};

function byStore(polls: GeneratedPoll[]): Map<string, GeneratedPoll[]> {
  const m = new Map<string, GeneratedPoll[]>();
  for (const p of polls) {
    const list = m.get(p.storeId);
    if (list) list.push(p);
    else m.set(p.storeId, [p]);
  }
  return m;
}

/** Lengths of the runs of consecutive inactive polls. */
function inactiveRuns(polls: GeneratedPoll[]): number[] {
  const runs: number[] = [];
  let run = 0;
  for (const p of polls) {
    if (!p.active) run += 1;
    else if (run > 0) {
      runs.push(run);
      run = 0;
    }
  }
  if (run > 0) runs.push(run);
  return runs;
}

describe('generatePolls', () => {
  const polls = [...generatePolls(options)];
  const plans = planStores(options);
  const stores = byStore(polls);

  it('is deterministic for a seed and differs for another', () => {
    const again = [...generatePolls(options)];
    expect(JSON.stringify(again)).toBe(JSON.stringify(polls));
    const other = [...generatePolls({ ...options, seed: 4 })];
    expect(other.slice(0, 50)).not.toEqual(polls.slice(0, 50));
  });

  it('polls every store of the files, in time order, within the span', () => {
    expect(new Set(polls.map((p) => p.storeId)).size).toBe(400);
    expect(polls.every((p, i) => i === 0 || p.at >= polls[i - 1]!.at)).toBe(true);
    expect(polls[0]!.at).toBeGreaterThanOrEqual(END - 11 * 86_400_000);
    expect(polls[polls.length - 1]!.at).toBeLessThan(END);
  });

  it('polls each store every 20 to 45 minutes, about 487 times in 11 days', () => {
    let fewest = Infinity;
    let most = 0;
    let shortest = Infinity;
    let longest = 0;
    for (const plan of plans) {
      if (plan.profile === 'never_in_hours') continue;
      const list = stores.get(plan.storeId)!;
      fewest = Math.min(fewest, list.length);
      most = Math.max(most, list.length);
      for (let i = 1; i < list.length; i++) {
        const gap = list[i]!.at - list[i - 1]!.at;
        shortest = Math.min(shortest, gap);
        longest = Math.max(longest, gap);
      }
    }
    expect(fewest).toBeGreaterThan(350);
    expect(most).toBeLessThan(800);
    expect(shortest).toBeGreaterThanOrEqual(20 * MIN - 1);
    expect(shortest).toBeLessThan(21 * MIN);
    expect(longest).toBeLessThanOrEqual(45 * MIN + 1);
    expect(longest).toBeGreaterThan(44 * MIN);
    const mean = polls.length / 400;
    expect(mean).toBeGreaterThan(430);
    expect(mean).toBeLessThan(500);
  });

  it('has every outage kind: single inactive polls, runs of hours, runs of days, stores mostly down', () => {
    const runs = [...stores.values()].flatMap(inactiveRuns);
    expect(runs.filter((r) => r === 1).length).toBeGreaterThan(20);
    expect(runs.filter((r) => r >= 3 && r <= 12).length).toBeGreaterThan(20);
    expect(runs.filter((r) => r >= 30).length).toBeGreaterThan(5);
    const profiles = new Map(plans.map((p) => [p.storeId, p.profile]));
    const share = (id: string) => stores.get(id)!.filter((p) => !p.active).length / stores.get(id)!.length;
    const mostlyDown = plans.filter((p) => p.profile === 'mostly_down');
    expect(mostlyDown.length).toBeGreaterThan(5);
    const medianDown = mostlyDown.map((p) => share(p.storeId)).sort((a, b) => a - b)[mostlyDown.length >> 1]!;
    expect(medianDown).toBeGreaterThan(0.6);
    const steady = plans.filter((p) => profiles.get(p.storeId) === 'steady').map((p) => share(p.storeId));
    expect(steady.reduce((a, b) => a + b, 0) / steady.length).toBeLessThan(0.2);
  });

  it('polls some stores only while they are closed, so the report counts all their business time down', () => {
    const never = plans.filter((p) => p.profile === 'never_in_hours');
    expect(never.length).toBeGreaterThan(3);
    for (const plan of never) {
      const list = stores.get(plan.storeId)!;
      expect(list.length).toBeGreaterThan(0);
      expect(list.filter((p) => isOpenAt(plan.schedule, p.at))).toEqual([]);
      const u = storeUptime(plan.storeId, plan.schedule, list, END);
      expect(u.up.week).toBe(0);
      expect(u.down.week).toBeGreaterThan(0);
    }
  });

  it('gives a store the same polls whatever the order or the number of stores', () => {
    const storeOrder = byStore([...generatePolls({ ...options, order: 'store' })]);
    const id = plans[17]!.storeId;
    expect(storeOrder.get(id)).toEqual(stores.get(id));
    const few = byStore([...generatePolls({ ...options, maxStores: 50 })]);
    expect(few.size).toBe(50);
    const some = [...few.keys()][3]!;
    expect(few.get(some)).toEqual(stores.get(some));
  });
});

describe('generatePollCsv and writePollCsv', () => {
  const small: PollGeneratorOptions = { ...options, days: 2, maxStores: 60 };

  it('writes the older export format that the row validation reads back', () => {
    const text = [...generatePollCsv(small)].join('');
    expect(text.startsWith(POLL_CSV_HEADER)).toBe(true);
    const lines = text.split('\n');
    expect(lines.pop()).toBe(''); // ends in a newline
    const cols = mapHeader('polls', lines[0]!.split(','));
    if (!cols.ok) throw new Error(cols.message);
    const expected = [...generatePolls(small)];
    expect(lines.length - 1).toBe(expected.length);
    const shape = /^[0-9a-f-]{36},(active|inactive),\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d{1,6})? UTC$/;
    expect(lines.slice(1).filter((line) => !shape.test(line))).toEqual([]);
    const read = lines.slice(1).map((line) => readPollRow(line.split(','), cols.columns));
    expect(read).toEqual(
      expected.map((p) => ({ ok: true, row: { storeId: p.storeId, active: p.active, at: p.at } })),
    );
    expect(lines.some((line) => / \d\d:\d\d:\d\d\.\d{1,5} UTC$/.test(line))).toBe(true); // fractions vary in length
  });

  it('streams to a slow writer through backpressure, byte for byte', async () => {
    const parts: string[] = [];
    let waits = 0;
    const out = new Writable({
      highWaterMark: 1024,
      write(chunk: Buffer, _enc, done) {
        parts.push(chunk.toString());
        waits += 1;
        setImmediate(done);
      },
    });
    const fractions: number[] = [];
    const summary = await writePollCsv(out, small, (f) => fractions.push(f));
    const text = parts.join('');
    expect(text).toBe([...generatePollCsv(small)].join(''));
    expect(waits).toBeGreaterThan(0);
    expect(summary).toEqual({
      rows: text.split('\n').length - 2,
      stores: 60,
      bytes: Buffer.byteLength(text),
    });
    expect(fractions[fractions.length - 1]).toBe(1);
  });
});

describe('writePollCsv when the stream fails', () => {
  it('rejects with the stream error instead of writing on', async () => {
    let writes = 0;
    const out = new Writable({
      write(_chunk, _enc, done) {
        writes += 1;
        done(new Error('disk full'));
      },
    });
    await expect(writePollCsv(out, { ...options, days: 2, maxStores: 60 })).rejects.toThrow('disk full');
    expect(writes).toBe(1);
  });
});

describe('generateDemoStores', () => {
  it('has every hours shape, every zone and stores without a timezone, even when small', () => {
    const few = generateDemoStores(12, 1);
    expect(new Set(few.stores.map((s) => s.kind)).size).toBe(8);
    expect(new Set(few.stores.map((s) => s.timezone))).toEqual(new Set([...DEMO_ZONES, null]));
    const many = generateDemoStores(300, 1);
    expect(many.stores.filter((s) => s.timezone === null).length).toBeGreaterThan(15);
    expect(many.timezones.length).toBe(many.stores.filter((s) => s.timezone !== null).length);
  });

  it('writes hours that the row validation accepts, with overnight rows, several a day and closed days', () => {
    const { hours, stores } = generateDemoStores(300, 2);
    const cols = mapHeader('hours', ['store_id', 'dayOfWeek', 'start_time_local', 'end_time_local']);
    if (!cols.ok) throw new Error(cols.message);
    for (const h of hours) {
      const fields = [h.storeId, String(h.weekday), formatTimeOfDay(h.start), formatTimeOfDay(h.end)];
      expect(readHoursRow(fields, cols.columns)).toEqual({ ok: true, row: h });
    }
    expect(hours.some((h) => h.end < h.start)).toBe(true);
    const perDay = new Map<string, number>();
    for (const h of hours)
      perDay.set(`${h.storeId}/${h.weekday}`, (perDay.get(`${h.storeId}/${h.weekday}`) ?? 0) + 1);
    expect(Math.max(...perDay.values())).toBe(4);
    const withRows = new Set(hours.map((h) => h.storeId));
    expect(stores.some((s) => !withRows.has(s.storeId))).toBe(true); // 24x7
    const closedDay = stores.find((s) => s.kind === 'closed_mondays')!;
    expect(hours.filter((h) => h.storeId === closedDay.storeId).some((h) => h.weekday === 0)).toBe(false);
  });

  it('is deterministic for a seed, with unique UUID store ids', () => {
    expect(generateDemoStores(50, 9)).toEqual(generateDemoStores(50, 9));
    const ids = generateDemoStores(300, 9).stores.map((s) => s.storeId);
    expect(new Set(ids).size).toBe(300);
    for (const id of ids)
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
