import fs from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { LEGACY_SAMPLE, tempDir, writeLegacyFile } from '../../../test/support/hiring-legacy.js';
import { LegacyFileError, openLegacyFile } from './legacy-source.js';
import { APPLICANT_COLUMNS } from './constants.js';
import { checkAndPack, checkLegacyRow, type LegacyRow, type PackedBatch } from './legacy.js';

const dirs: string[] = [];
afterEach(() => {
  while (dirs.length) fs.rmSync(dirs.pop()!, { recursive: true, force: true });
});

function fileIn(name: string): string {
  const dir = tempDir();
  dirs.push(dir);
  return path.join(dir, name);
}

async function allBatches(source: { batches(): AsyncIterable<LegacyRow[]> }): Promise<LegacyRow[][]> {
  const batches: LegacyRow[][] = [];
  for await (const batch of source.batches()) batches.push(batch);
  return batches;
}

async function openError(file: string): Promise<LegacyFileError> {
  try {
    const source = await openLegacyFile(file);
    await source.close();
  } catch (err) {
    if (err instanceof LegacyFileError) return err;
    throw err;
  }
  throw new Error(`expected ${file} to be refused`);
}

describe('openLegacyFile', () => {
  it('refuses a file that does not exist, naming it', async () => {
    const file = fileIn('missing.sqlite3');
    expect((await openError(file)).message).toBe(`${file}: no such file`);
  });

  it('refuses a file that is not an SQLite database', async () => {
    const file = fileIn('applicants.csv');
    fs.writeFileSync(file, 'id,first_name,last_name\n1,Ada,Lovelace\n'.repeat(50));
    expect((await openError(file)).message).toMatch(/not a readable SQLite database/);
  });

  it('refuses a database without an applicants table', async () => {
    const file = fileIn('other.sqlite3');
    const db = new SQLite(file);
    db.exec('create table shoppers (id integer primary key, email text)');
    db.close();
    expect((await openError(file)).message).toBe(`${file}: has no table "applicants"`);
  });

  it('refuses an applicants table that lacks columns, naming each missing one', async () => {
    const file = fileIn('partial.sqlite3');
    const db = new SQLite(file);
    db.exec(`create table applicants (id integer primary key, first_name text, last_name text, region text, email text,
      phone_type text, source text, over_21 boolean, reason text, created_at datetime, updated_at datetime)`);
    db.close();
    expect((await openError(file)).message).toBe(
      `${file}: table "applicants" lacks column(s) phone, workflow_state`,
    );
  });

  it('reads every row once, in id order, page by page, and reports the total', async () => {
    const ids = [9, 2, 5, 1, 7];
    const file = writeLegacyFile(
      fileIn('five.sqlite3'),
      ids.map((id) => ({ id })),
    );
    const source = await openLegacyFile(file, 2);
    let pages: number[][];
    try {
      pages = (await allBatches(source)).map((batch) => batch.map((r) => r.id));
    } finally {
      await source.close();
    }
    expect(source.total).toBe(5);
    expect(pages).toEqual([[1, 2], [5, 7], [9]]);
  });

  it('gives the columns as stored, without converting them', async () => {
    const file = writeLegacyFile(fileIn('one.sqlite3'), [
      { id: 3, email: 'Mixed@Case.com', phone: '276.239.8397 x9941' },
    ]);
    const source = await openLegacyFile(file);
    try {
      const row = (await allBatches(source))[0]?.[0];
      expect(row).toMatchObject({
        id: 3,
        email: 'Mixed@Case.com',
        phone: '276.239.8397 x9941',
        created_at: '2014-07-07 02:10:46.503458',
      });
    } finally {
      await source.close();
    }
  });

  it('does not modify the file it reads', async () => {
    const file = writeLegacyFile(fileIn('ro.sqlite3'), [{ id: 1 }]);
    const before = fs.readFileSync(file);
    const source = await openLegacyFile(file);
    await allBatches(source);
    await source.close();
    expect(fs.readFileSync(file).equals(before)).toBe(true);
  });

  it.skipIf(!fs.existsSync(LEGACY_SAMPLE))(
    'opens ../shared/data/hiring/applicants_sample.sqlite3 (skipped when absent) and counts its 1,999 applicants',
    async () => {
      const source = await openLegacyFile(LEGACY_SAMPLE);
      try {
        expect(source.total).toBe(1999);
      } finally {
        await source.close();
      }
    },
  );

  it('checks rows in a worker thread with the same verdicts, in the same order, as checking them here', async () => {
    const file = fileIn('mixed.sqlite3');
    writeLegacyFile(file, [
      { id: 1, email: 'ok@example.com', phone: '(415) 555-0101' },
      { id: 2, email: null },
      { id: 3, email: 'ext@example.com', phone: '276.239.8397 x9941' },
      { id: 4, email: 'state@example.com', workflow_state: 'promoted' },
      { id: 5, email: 'date@example.com', created_at: '2014-02-30 10:00:00' },
      ...Array.from({ length: 12 }, (_, i) => ({ id: 10 + i, email: `bulk${i}@example.com` })),
    ]);
    const source = await openLegacyFile(file, 4);
    try {
      const threaded: PackedBatch[] = [];
      for await (const batch of source.packedBatches!()) {
        expect(batch.ids.length).toBeLessThanOrEqual(4);
        threaded.push(batch);
      }
      const here = (await allBatches(source)).map((batch) => checkAndPack(batch));
      expect(threaded).toEqual(here);
      const ids = threaded.flatMap((b) => b.ids);
      const reasons = threaded.flatMap((b) => b.reasons);
      expect(ids.filter((_, i) => reasons[i] !== null)).toEqual([2, 4, 5]);
      // Packed as checked: each usable row's values in APPLICANT_COLUMNS order, its warnings joined.
      const all = (await allBatches(source)).flat();
      const usable = all.flatMap((legacy) => {
        const check = checkLegacyRow(legacy);
        return check.ok ? [check] : [];
      });
      expect(threaded.flatMap((b) => b.values)).toEqual(
        usable.flatMap((c) => APPLICANT_COLUMNS.map((column) => c.row[column] ?? null)),
      );
      expect(threaded.flatMap((b) => b.warnings)).toEqual(
        all.map((legacy) => {
          const check = checkLegacyRow(legacy);
          return check.ok && check.warnings.length ? check.warnings.join('; ') : null;
        }),
      );
      expect(threaded.flatMap((b) => b.warnings)[2]).toBe(
        'phone "276.239.8397 x9941" would be refused today',
      );
    } finally {
      await source.close();
    }
  });
});
