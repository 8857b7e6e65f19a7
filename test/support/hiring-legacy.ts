// Small SQLite files shaped like the original hiring challenge's database, for import tests.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import SQLite from 'better-sqlite3';
import type { LegacyRow } from '../../src/systems/hiring/legacy.js';

/** The sample database of the original challenge, outside the repository (may be absent). */
export const LEGACY_SAMPLE = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../../shared/data/hiring/applicants_sample.sqlite3',
);

/** The original table, as the challenge's Django app created it. */
const APPLICANTS_DDL = `CREATE TABLE "applicants" ("id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
  "first_name" varchar, "last_name" varchar, "region" varchar, "phone" varchar,
  "email" varchar, "phone_type" varchar, "source" varchar, "over_21" boolean,
  "reason" text, "workflow_state" varchar,
  "created_at" datetime NOT NULL, "updated_at" datetime NOT NULL)`;

export interface LegacyFixtureRow {
  id: number;
  first_name?: string | null;
  last_name?: string | null;
  region?: string | null;
  phone?: string | null;
  email?: string | null;
  phone_type?: string | null;
  source?: string | null;
  over_21?: number | null;
  reason?: string | null;
  workflow_state?: string | null;
  created_at?: string;
  updated_at?: string;
}

/** A fresh temporary directory; remove it with `fs.rmSync(dir, { recursive: true, force: true })`. */
export function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'quintet-hiring-legacy-'));
}

/** An `applicants` row of the original format: a valid applicant unless `overrides` say otherwise. */
export function legacyRow(id: number, overrides: Partial<LegacyRow> = {}): LegacyRow {
  return {
    id,
    first_name: 'Sam',
    last_name: `Legacy${id}`,
    region: 'Chicago',
    phone: `312-555-${String(1000 + id).slice(-4)}`,
    email: `sam.${id}@example.com`,
    phone_type: 'Other',
    source: null,
    over_21: 1,
    reason: null,
    workflow_state: 'applied',
    created_at: '2014-07-07 02:10:46.503458',
    updated_at: '2014-07-07 02:23:00.503458',
    ...overrides,
  };
}

/** Writes `applicants` rows (defaults fill the fields a test does not care about) to a new SQLite file. */
export function writeLegacyFile(
  file: string,
  rows: readonly LegacyFixtureRow[],
  ddl = APPLICANTS_DDL,
): string {
  const db = new SQLite(file);
  try {
    db.exec(ddl);
    const insert = db.prepare(
      `insert into applicants (id, first_name, last_name, region, phone, email, phone_type, source, over_21, reason, workflow_state, created_at, updated_at)
       values (@id, @first_name, @last_name, @region, @phone, @email, @phone_type, @source, @over_21, @reason, @workflow_state, @created_at, @updated_at)`,
    );
    const insertAll = db.transaction((all: readonly LegacyFixtureRow[]) => {
      for (const row of all) {
        insert.run(legacyRow(row.id, row));
      }
    });
    insertAll(rows);
  } finally {
    db.close();
  }
  return file;
}
