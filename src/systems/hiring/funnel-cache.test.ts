import { afterEach, expect, it } from 'vitest';
import { createPlatform, type Platform } from '../../platform/platform.js';
import { createTestPlatform, describeEachDb, type TestPlatform } from '../../../test/support/platform.js';
import { createHiringService } from './service.js';
import { hiringSystem } from './system.js';

const open: (TestPlatform | Platform)[] = [];
afterEach(async () => {
  while (open.length) {
    const p = open.pop()!;
    await ('dispose' in p ? p.dispose() : p.close());
  }
});

const application = (n: number) => ({
  first_name: 'Grace',
  last_name: `Hopper${n}`,
  email: `grace${n}@example.com`,
  phone: `(415) 555-01${String(n).padStart(2, '0')}`,
  region: 'San Francisco Bay Area',
  phone_type: 'Other',
  over_21: true,
});

const hiredIn = (body: Buffer) =>
  Object.values(JSON.parse(body.toString()) as Record<string, { hired: number; applied: number }>);

describeEachDb('funnel.json answers reused across requests', (kind) => {
  it('reflects a write made by another instance in the very next answer', async () => {
    const first = await createTestPlatform(kind, { systems: [hiringSystem] });
    open.push(first);
    // A second instance: its own connection to the same database, its own service and answers.
    const second = createPlatform(first.config);
    open.push(second); // closed before the first drops the database
    const a = createHiringService(first);
    const b = createHiringService(second);
    const today = first.clock.now().toISOString().slice(0, 10);

    const before = await a.funnelJson(today, today);
    expect(before.ok && hiredIn(before.body)[0]).toMatchObject({ applied: 0, hired: 0 });

    const applied = await b.apply(application(1), true);
    expect(applied.ok).toBe(true);
    const afterApply = await a.funnelJson(today, today);
    expect(afterApply.ok && hiredIn(afterApply.body)[0]).toMatchObject({ applied: 1, hired: 0 });

    await b.moveState(applied.ok ? applied.value.id : 0, 'hired');
    const afterMove = await a.funnelJson(today, today);
    expect(afterMove.ok && hiredIn(afterMove.body)[0]).toMatchObject({ applied: 0, hired: 1 });
  });

  it('answers a repeated range from the same rendered body while nothing changed', async () => {
    const platform = await createTestPlatform(kind, { systems: [hiringSystem] });
    open.push(platform);
    const service = createHiringService(platform);
    const one = await service.funnelJson('2026-01-01', '2026-03-31');
    const two = await service.funnelJson('2026-01-01', '2026-03-31');
    expect(one.ok && two.ok && one.body === two.body).toBe(true);
    expect(one.ok && Object.keys(JSON.parse(one.body.toString())).length).toBe(14);
  });
});
