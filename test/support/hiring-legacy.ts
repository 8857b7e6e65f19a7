// Small SQLite files shaped like the original hiring challenge's database, for import tests.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import SQLite from 'better-sqlite3';
import type { LegacyRow } from '../../src/systems/hiring/legacy.js';
import { STATE_MIX } from '../../src/systems/hiring/seed.js';

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

/**
 * How the phones of generated original-format rows look: `valid`, numbers today's form accepts
 * (312-200-0001, …, unique); `historical`, numbers it refuses, like most of the original data's
 * (201-000-0001, 202-000-0002, …: exchange 000, and more than four line digits past id 9999).
 */
export type LegacyPhoneShape = 'valid' | 'historical';

export function legacyPhone(id: number, shape: LegacyPhoneShape): string {
  return shape === 'historical'
    ? `${200 + (id % 800)}-000-${String(id).padStart(4, '0')}`
    : `312-${200 + Math.floor(id / 10_000)}-${String(id % 10_000).padStart(4, '0')}`;
}

/** `n` rows shaped like the original challenge's: naive microsecond timestamps, the original state mix. */
export function* legacyRows(n: number, shape: LegacyPhoneShape): Generator<LegacyFixtureRow> {
  const states = Object.entries(STATE_MIX);
  const start = Date.parse('2014-07-07T00:00:00Z');
  const span = Date.parse('2015-01-06T23:59:59Z') - start;
  for (let id = 1; id <= n; id++) {
    let pick = ((id * 7919) % 1000) / 10;
    const state = states.find(([, share]) => (pick -= share) < 0)?.[0] ?? 'applied';
    const at = new Date(start + Math.floor((span * Math.sqrt(id / n)) % span))
      .toISOString()
      .replace('T', ' ')
      .replace('Z', '123');
    yield {
      id,
      first_name: 'Linda',
      last_name: 'Smith',
      region: 'Chicago',
      phone: legacyPhone(id, shape),
      email: `linda.smith.${id}@example.com`,
      phone_type: 'Windows Phone',
      workflow_state: state,
      created_at: at,
      updated_at: at,
    };
  }
}
