import { sql } from 'kysely';
import { afterEach, expect, it } from 'vitest';
import { createTestPlatform, describeEachDb, type TestPlatform } from '../../../test/support/platform.js';
import { bulkInsert, bulkInsertChunks, type Cell } from './bulk-load.js';

const platforms: TestPlatform[] = [];
afterEach(async () => {
  while (platforms.length) await platforms.pop()!.dispose();
});

const SPEC = {
  table: 'bulk_test',
  columns: ['store_id', 'at_ms', 'active', 'note', 'value'],
  conflict: ['store_id', 'at_ms'],
} as const;

async function setup(kind: 'sqlite' | 'postgres') {
  const platform = await createTestPlatform(kind);
  platforms.push(platform);
  await platform.db.schema
    .createTable('bulk_test')
    .addColumn('store_id', 'text', (c) => c.notNull())
    .addColumn('at_ms', 'bigint', (c) => c.notNull())
    .addColumn('active', 'boolean', (c) => c.notNull())
    .addColumn('note', 'text')
    .addColumn('value', 'double precision')
    .addPrimaryKeyConstraint('bulk_test_pk', ['store_id', 'at_ms'])
    .execute();
  const rows = async () =>
    (
      await platform.db.selectFrom('bulk_test').selectAll().orderBy('store_id').orderBy('at_ms').execute()
    ).map((r: Record<string, unknown>) => ({
      ...r,
      active: Boolean(r.active),
      at_ms: Number(r.at_ms),
    })) as Record<string, unknown>[];
  return { platform, rows };
}

describeEachDb('bulkInsert', (kind) => {
  it('stores every row with its values exactly, strings with quotes, commas, newlines and empty strings included', async () => {
    const { platform, rows } = await setup(kind);
    const tricky = ['plain', 'a,b', 'say "hi"', 'two\nlines', '', 'ünïcødé ✓'];
    const input: Cell[][] = tricky.map((note, i) => [
      '9876543210987654321',
      1_700_000_000_000 + i,
      i % 2 === 0,
      note,
      i / 3,
    ]);
    input.push(['uuid-0b6f', 42, false, null, null]);
    const result = await bulkInsert(platform.database, SPEC, input);
    expect(result).toEqual({ rows: 7, inserted: 7 });
    expect(await rows()).toEqual(
      [...input]
        .sort((a, b) => String(a[0]).localeCompare(String(b[0])) || Number(a[1]) - Number(b[1]))
        .map(([store_id, at_ms, active, note, value]) => ({ store_id, at_ms, active, note, value })),
    );
  });

  it('skips rows whose key is already stored or came earlier in the load, so a second load adds nothing', async () => {
    const { platform, rows } = await setup(kind);
    const input: Cell[][] = Array.from({ length: 2_500 }, (_, i) => [`s${i % 50}`, i, true, null, null]);
    const withRepeats = [...input, ...input.slice(0, 100)];
    const progress: number[] = [];
    const first = await bulkInsert(platform.database, { ...SPEC, batchRows: 1_000 }, withRepeats, (p) =>
      progress.push(p.rows),
    );
    expect(first).toEqual({ rows: 2_600, inserted: 2_500 });
    expect(progress).toEqual([1_000, 2_000, 2_600]);
    // The first row of a key wins: a repeat with other values changes nothing.
    const again = await bulkInsert(
      platform.database,
      SPEC,
      input.map(([s, t]): Cell[] => [s!, t!, false, 'changed', 1]),
    );
    expect(again).toEqual({ rows: 2_500, inserted: 0 });
    const stored = await rows();
    expect(stored).toHaveLength(2_500);
    expect(stored.every((r) => r.active === true && r.note === null)).toBe(true);
  });

  it('reads rows from an async source without holding more than a batch', async () => {
    const { platform, rows } = await setup(kind);
    async function* source() {
      for (let i = 0; i < 300; i++) yield [`a${i}`, i, false, `n${i}`, i] as Cell[];
    }
    expect(await bulkInsert(platform.database, { ...SPEC, batchRows: 128 }, source())).toEqual({
      rows: 300,
      inserted: 300,
    });
    expect(await rows()).toHaveLength(300);
  });

  it('takes rows in chunks of any size, regrouped into batches, repeats across chunks skipped', async () => {
    const { platform, rows } = await setup(kind);
    async function* chunks() {
      // Chunks of 1, 7 and 333 rows: batches of 100 cut across them; the last chunk repeats the first.
      for (const size of [1, 7, 333]) {
        yield Array.from({ length: size }, (_, i): Cell[] => [`c${size}`, i, true, null, size]);
      }
      yield [['c1', 0, false, 'repeat', null] as Cell[]];
    }
    const progress: number[] = [];
    const result = await bulkInsertChunks(platform.database, { ...SPEC, batchRows: 100 }, chunks(), (p) =>
      progress.push(p.rows),
    );
    expect(result).toEqual({ rows: 342, inserted: 341 });
    expect(progress).toEqual([100, 200, 300, 342]);
    const stored = await rows();
    expect(stored).toHaveLength(341);
    expect(stored.find((r) => r.store_id === 'c1')).toMatchObject({ active: true, note: null, value: 1 });
  });

  it('waits for a transaction another request holds instead of breaking into it', async () => {
    const { platform, rows } = await setup(kind);
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const transaction = platform.db.transaction().execute(async (trx) => {
      await sql`insert into bulk_test (store_id, at_ms, active) values ('trx', 1, ${kind === 'sqlite' ? 1 : true})`.execute(
        trx,
      );
      await held;
    });
    const load = bulkInsert(platform.database, SPEC, [['bulk', 1, true, null, null]]);
    await new Promise((r) => setTimeout(r, 50));
    release();
    await Promise.all([transaction, load]);
    expect((await rows()).map((r) => r.store_id)).toEqual(['bulk', 'trx']);
  });

  it('refuses identifiers that are not plain names, before touching the database', async () => {
    const { platform } = await setup(kind);
    await expect(
      bulkInsert(platform.database, { ...SPEC, table: 'bulk_test; drop table x' }, []),
    ).rejects.toThrow(/not a plain identifier/);
    await expect(bulkInsert(platform.database, { ...SPEC, conflict: ['other'] }, [])).rejects.toThrow(
      /not a plain identifier|not loaded/,
    );
  });
});
