// The hiring system's rules. Routes, the CLI and the demo loader all call this; SQL lives in repository.ts.
import type { Dialect, NativeHandle } from '../../platform/db/database.js';
import type { Clock } from '../../platform/clock.js';
import type { Platform } from '../../platform/platform.js';
import { APPLY_CHECKS, AttemptLimiter, TRACKING_TRIES } from './attempt-limits.js';
import { conflict } from '../../platform/errors.js';
import { STATE_LABELS, type WorkflowState } from './constants.js';
import { PACKED, checkAndPack, type LegacyRow, type PackedBatch } from './legacy.js';
import {
  buildFunnel,
  checkRange,
  conversions,
  formatDay,
  mondayOnOrBefore,
  sumCounts,
  type Conversion,
  type StateCounts,
} from './funnel.js';
import {
  CountDeltas,
  applyCountDeltas,
  countApplicants,
  countsVersionReader,
  findApplicant,
  findApplicantByEmail,
  insertApplicant,
  applicantValuesInserter,
  takenAmong,
  hasApplicants,
  insertApplicantsSkippingTaken,
  listApplicants,
  takenBy,
  uniqueViolation,
  updateApplicant,
  weekCounts,
  type ApplicantRow,
  type NewApplicantRow,
} from './repository.js';
import { generateApplicants, seededRandom } from './seed.js';
import type { HiringDb } from './tables.js';
import {
  lastFourDigits,
  validateApplication,
  type Application,
  type ApplicationInput,
  type FieldErrors,
  type Validated,
} from './validation.js';

/** An applicant as the API shows it. */
export interface Applicant {
  id: number;
  first_name: string;
  last_name: string;
  email: string;
  phone: string;
  region: string | null;
  phone_type: string | null;
  over_21: boolean | null;
  source: string | null;
  reason: string | null;
  workflow_state: WorkflowState;
  created_at: string;
  updated_at: string;
}

export interface FunnelWeek {
  week: string;
  start: string;
  end: string;
  counts: StateCounts;
}

export interface FunnelReport {
  start_date: string;
  end_date: string;
  weeks: FunnelWeek[];
  totals: StateCounts;
  conversions: Conversion[];
}

export type FunnelResult = { ok: true; report: FunnelReport } | { ok: false; error: string };

export interface ApplicantPage {
  items: Applicant[];
  total: number;
  page: number;
  per_page: number;
}

const TAKEN: Record<'email' | 'phone', string> = {
  email: 'This email is already registered',
  phone: 'This phone number is already registered',
};
const TRACKING_MISMATCH = 'No application matches that email and phone number.';

function toApplicant(row: ApplicantRow): Applicant {
  return {
    id: row.id,
    first_name: row.first_name,
    last_name: row.last_name,
    email: row.email,
    phone: row.phone,
    region: row.region,
    phone_type: row.phone_type,
    over_21: row.over_21 === null ? null : Boolean(row.over_21),
    source: row.source,
    reason: row.reason,
    workflow_state: row.workflow_state as WorkflowState,
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

function applicationColumns(app: Application) {
  return {
    first_name: app.first_name,
    last_name: app.last_name,
    email: app.email,
    phone: app.phone,
    phone_key: app.phone,
    region: app.region,
    phone_type: app.phone_type,
    over_21: app.over_21 ? 1 : 0,
    source: app.source,
    reason: app.reason,
  };
}

export interface SeedRequest {
  count: number;
  from: Date;
  to: Date;
  seed?: number;
  onProgress?: (done: number, total: number) => void;
}

/** How many distinct funnel ranges keep a rendered answer. */
const FUNNEL_CACHE_ENTRIES = 256;

export class HiringService {
  private readonly countsVersion: () => Promise<number>;
  /** range -> the funnel.json body rendered at a counts version. */
  private readonly funnelBodies = new Map<string, { version: number; body: Buffer }>();
  private readonly limiter: AttemptLimiter;

  constructor(
    private readonly db: HiringDb,
    private readonly dialect: Dialect,
    private readonly clock: Clock,
    private readonly native: NativeHandle,
  ) {
    this.countsVersion = countsVersionReader(db, native);
    this.limiter = new AttemptLimiter(db, clock);
  }

  /**
   * The apply form's check, for a client address: each answer may say that an email or phone is
   * registered, so checks and applications from one address share a tight limit (APPLY_CHECKS).
   */
  async validateFor(client: string, input: ApplicationInput): Promise<Validated<Application>> {
    await this.limiter.hit(APPLY_CHECKS, client);
    return this.checkApplication(input);
  }

  /** An application from a client address, under the same limit as its checks. */
  async applyFor(
    client: string,
    input: ApplicationInput,
    backgroundCheckConsent: unknown,
  ): Promise<Validated<Applicant>> {
    await this.limiter.hit(APPLY_CHECKS, client);
    return this.apply(input, backgroundCheckConsent);
  }

  /** Validation plus uniqueness of email and phone (ignoring the applicant `exceptId`). */
  async checkApplication(input: ApplicationInput, exceptId?: number): Promise<Validated<Application>> {
    const result = validateApplication(input);
    if (!result.ok) return result;
    const taken = await takenBy(this.db, result.value.email, result.value.phone, exceptId);
    const fields: FieldErrors = {};
    if (taken.email) fields.email = TAKEN.email;
    if (taken.phone) fields.phone = TAKEN.phone;
    return Object.keys(fields).length ? { ok: false, fields } : result;
  }

  /** Creates the application in state `applied`, counting it in the same transaction. */
  async apply(input: ApplicationInput, backgroundCheckConsent: unknown): Promise<Validated<Applicant>> {
    const checked = await this.checkApplication(input);
    const consentError =
      backgroundCheckConsent === true
        ? {}
        : { background_check_consent: 'You must agree to the background check to apply' };
    if (!checked.ok) return { ok: false, fields: { ...checked.fields, ...consentError } };
    if (backgroundCheckConsent !== true) return { ok: false, fields: consentError };
    const now = this.clock.now().toISOString();
    try {
      const row = await this.db.transaction().execute(async (tx) => {
        const inserted = await insertApplicant(tx, {
          ...applicationColumns(checked.value),
          workflow_state: 'applied',
          created_at: now,
          updated_at: now,
        });
        const deltas = new CountDeltas();
        deltas.add(inserted.created_at, inserted.workflow_state, 1);
        await applyCountDeltas(tx, deltas);
        return inserted;
      });
      return { ok: true, value: toApplicant(row) };
    } catch (err) {
      const field = uniqueViolation(err);
      if (field) return { ok: false, fields: { [field]: TAKEN[field] } };
      throw err;
    }
  }

  /**
   * The applicant whose email and phone's last four digits match; one answer for every mismatch.
   * Every try counts against the email (known or not, so the limit reveals nothing): past 5 in an
   * hour, tries are refused, the right code included, until the hour ends; a match starts afresh.
   */
  async findForTracking(email: string, phoneLast4: string): Promise<Validated<Applicant>> {
    const key = email.trim().toLowerCase();
    await this.limiter.hit(TRACKING_TRIES, key);
    const row = await findApplicantByEmail(this.db, key);
    if (!row || !/^\d{4}$/.test(phoneLast4.trim()) || lastFourDigits(row.phone) !== phoneLast4.trim()) {
      return { ok: false, fields: { form: TRACKING_MISMATCH } };
    }
    await this.limiter.clear(TRACKING_TRIES, key);
    return { ok: true, value: toApplicant(row) };
  }

  async getApplicant(id: number): Promise<Applicant | undefined> {
    const row = await findApplicant(this.db, id);
    return row && toApplicant(row);
  }

  /** Edits the applicant's own fields; state and application date are not theirs to change. */
  async updateApplication(id: number, input: ApplicationInput): Promise<Validated<Applicant> | undefined> {
    const checked = await this.checkApplication(input, id);
    if (!checked.ok) return checked;
    try {
      const row = await updateApplicant(this.db, id, {
        ...applicationColumns(checked.value),
        updated_at: this.clock.now().toISOString(),
      });
      return row && { ok: true, value: toApplicant(row) };
    } catch (err) {
      const field = uniqueViolation(err);
      if (field) return { ok: false, fields: { [field]: TAKEN[field] } };
      throw err;
    }
  }

  /**
   * Moves an applicant to another state, moving its count between states in the same transaction.
   * A move to the state it is in changes nothing and is refused (conflict), so nobody is told it moved.
   */
  async moveState(id: number, state: WorkflowState): Promise<Applicant | undefined> {
    const row = await this.db.transaction().execute(async (tx) => {
      let query = tx.selectFrom('hiring_applicants').selectAll().where('id', '=', id);
      // SQLite serialises writers already; PostgreSQL needs the row lock against a concurrent move.
      if (this.dialect === 'postgres') query = query.forUpdate();
      const current = await query.executeTakeFirst();
      if (!current) return undefined;
      if (current.workflow_state === state)
        throw conflict(`applicant ${id} is already ${STATE_LABELS[state]}: nothing to change`);
      const updated = await updateApplicant(tx, id, {
        workflow_state: state,
        updated_at: this.clock.now().toISOString(),
      });
      const deltas = new CountDeltas();
      deltas.add(current.created_at, current.workflow_state, -1);
      deltas.add(current.created_at, state, 1);
      await applyCountDeltas(tx, deltas);
      return updated;
    });
    return row && toApplicant(row);
  }

  async list(query: {
    q?: string;
    state?: WorkflowState;
    page: number;
    perPage: number;
  }): Promise<ApplicantPage> {
    const { rows, total } = await listApplicants(this.db, {
      q: query.q,
      state: query.state,
      limit: query.perPage,
      offset: (query.page - 1) * query.perPage,
    });
    return { items: rows.map(toApplicant), total, page: query.page, per_page: query.perPage };
  }

  /** Whole Monday–Sunday weeks covering the range, from the per-day counts (never from applicant rows). */
  async funnel(startDate: string | undefined, endDate: string | undefined): Promise<FunnelResult> {
    const checked = checkRange(startDate, endDate);
    if (!checked.ok) return checked;
    const { range } = checked;
    const rows = await weekCounts(
      this.db,
      formatDay(mondayOnOrBefore(range.start)),
      formatDay(mondayOnOrBefore(range.end)),
    );
    const weeks = buildFunnel(range, rows).map(({ week, counts }) => ({
      week: week.key,
      start: week.start,
      end: week.end,
      counts,
    }));
    const totals = sumCounts(weeks.map((w) => w.counts));
    return {
      ok: true,
      report: { start_date: startDate!, end_date: endDate!, weeks, totals, conversions: conversions(totals) },
    };
  }

  /**
   * The body of funnel.json. Rendered answers are reused only while the counts' version, read
   * from the database on every request, is unchanged: every applicant write bumps it in its own
   * transaction, so an answer is never stale, with any number of instances. A version read before
   * the counts can only make a reused answer older than needed, never newer than its version.
   */
  async funnelJson(
    startDate: string | undefined,
    endDate: string | undefined,
  ): Promise<{ ok: true; body: Buffer } | { ok: false; error: string }> {
    const key = `${startDate}|${endDate}`;
    const version = await this.countsVersion();
    const hit = this.funnelBodies.get(key);
    if (hit && hit.version === version) return { ok: true, body: hit.body };
    const result = await this.funnel(startDate, endDate);
    if (!result.ok) return result;
    // Kept as bytes: encoding the 4 KB string again on every request was measurable under load.
    const body = Buffer.from(
      JSON.stringify(Object.fromEntries(result.report.weeks.map((w) => [w.week, w.counts]))),
    );
    this.funnelBodies.delete(key);
    this.funnelBodies.set(key, { version, body });
    if (this.funnelBodies.size > FUNNEL_CACHE_ENTRIES)
      this.funnelBodies.delete(this.funnelBodies.keys().next().value!);
    return { ok: true, body };
  }

  async count(): Promise<number> {
    return countApplicants(this.db);
  }

  /**
   * Creates `count` random applicants in batches (one transaction per batch, so live requests are
   * not blocked for long). Rows whose email or phone is taken are skipped and made up for.
   */
  async seed(request: SeedRequest): Promise<number> {
    const seed = request.seed ?? Math.floor(Math.random() * 2 ** 31);
    const random = seededRandom(seed);
    const runTag = seed.toString(36).slice(0, 4);
    const opts = {
      from: request.from,
      to: request.to,
      random,
      runTag,
      phoneOffset: seed % 8_000_000,
      total: request.count,
    };
    // 2,000 rows x 13 columns stays under SQLite's 32,766 and PostgreSQL's 65,535 bound parameters.
    const batchSize = 2000;
    // SQLite rewrites every index page a transaction touches: 50,000 rows per transaction touch
    // each page of the (random-order) email index several times, and seed ~35 % faster than 10,000.
    const batchesPerTx = this.dialect === 'postgres' ? 10 : 25;
    let created = 0;
    let index = 0;
    let fruitless = 0;
    while (created < request.count) {
      const inserted = await this.db.transaction().execute(async (tx) => {
        const deltas = new CountDeltas();
        let n = 0;
        for (let b = 0; b < batchesPerTx && created + n < request.count; b++) {
          const want = Math.min(batchSize, request.count - created - n);
          const rows: NewApplicantRow[] = [...generateApplicants(want, opts, index)];
          index += want;
          const done = await insertApplicantsSkippingTaken(tx, rows);
          for (const r of done) deltas.add(r.created_at, r.workflow_state, 1);
          n += done.length;
        }
        await applyCountDeltas(tx, deltas);
        return n;
      });
      created += inserted;
      fruitless = inserted === 0 ? fruitless + 1 : 0;
      if (fruitless > 3) throw new Error('seeding stopped: every generated email and phone is already taken');
      request.onProgress?.(created, request.count);
    }
    return created;
  }

  /**
   * Imports the original challenge's applicants. Unusable rows (no email, email or phone taken,
   * unknown state, unreadable date) are rejected with their id and reason; all accepted rows go in
   * one transaction with their counts, so a failure leaves nothing half-imported.
   */
  async importLegacy(
    source: LegacySource,
    onProgress?: (done: number, total: number) => void,
  ): Promise<ImportSummary> {
    const summary: ImportSummary = { read: 0, imported: 0, rejected: [], warnings: 0, warningExamples: [] };
    const seenEmails = new Set<string>();
    const seenPhones = new Set<string>();
    await this.db.transaction().execute(async (tx) => {
      const deltas = new CountDeltas();
      // Rows this import inserted are in seenEmails/seenPhones already, so the database only has to
      // be asked about rows that were there before. On SQLite nothing else writes while this
      // transaction runs (one connection here; another process's write makes ours fail, never
      // duplicate), so into an empty table those lookups (~1 µs a row, a tenth of the main
      // thread's work) are skipped. PostgreSQL always asks: applications may arrive meanwhile.
      const nothingBefore = this.dialect === 'sqlite' && !(await hasApplicants(tx));
      const none = { emails: new Set<string>(), phoneKeys: new Set<string>() };
      const { width } = PACKED;
      const insertValues = applicantValuesInserter(tx, this.native);
      for await (const { ids, reasons, warnings, values } of packedBatches(source)) {
        const usable = values.length / width;
        const column = (offset: number) =>
          Array.from({ length: usable }, (_, r) => values[r * width + offset] as string);
        const taken = nothingBefore
          ? none
          : await takenAmong(tx, column(PACKED.email), column(PACKED.phoneKey));
        // The accepted rows' values; while every row is accepted, the batch's own array.
        let accepted: unknown[] | undefined;
        let acceptedRows = 0;
        for (let i = 0, at = 0; i < ids.length; i++) {
          summary.read++;
          const id = ids[i]!;
          const reason = reasons[i];
          if (reason !== null && reason !== undefined) {
            summary.rejected.push({ id, reason });
            accepted ??= values.slice(0, acceptedRows * width);
            continue;
          }
          const start = at;
          at += width;
          const email = values[start + PACKED.email] as string;
          const phoneKey = values[start + PACKED.phoneKey] as string;
          if (taken.emails.has(email) || seenEmails.has(email)) {
            summary.rejected.push({ id, reason: `email ${email} already taken` });
            accepted ??= values.slice(0, acceptedRows * width);
            continue;
          }
          if (taken.phoneKeys.has(phoneKey) || seenPhones.has(phoneKey)) {
            summary.rejected.push({
              id,
              reason: `phone ${String(values[start + PACKED.phone])} already taken`,
            });
            accepted ??= values.slice(0, acceptedRows * width);
            continue;
          }
          seenEmails.add(email);
          seenPhones.add(phoneKey);
          const warning = warnings[i];
          if (warning !== null && warning !== undefined) {
            summary.warnings++;
            if (summary.warningExamples.length < 10) summary.warningExamples.push(`id ${id}: ${warning}`);
          }
          if (accepted) for (let k = start; k < at; k++) accepted.push(values[k]);
          acceptedRows++;
          deltas.add(values[start + PACKED.createdAt] as string, values[start + PACKED.state] as string, 1);
        }
        await insertValues(accepted ?? values);
        summary.imported += acceptedRows;
        onProgress?.(summary.read, source.total);
      }
      await applyCountDeltas(tx, deltas);
    });
    return summary;
  }
}

export interface ImportSummary {
  read: number;
  imported: number;
  rejected: { id: number; reason: string }[];
  /** Rows kept as written although today's form would refuse a value (e.g. `276.239.8397 x9941`). */
  warnings: number;
  warningExamples: string[];
}

/** Where legacy rows come from (a file, in production; an array, in tests). */
export interface LegacySource {
  total: number;
  batches(): AsyncIterable<LegacyRow[]>;
  /** The rows checked and packed, when the source checks them itself (e.g. in a worker thread). */
  packedBatches?(): AsyncIterable<PackedBatch>;
}

async function* packedBatches(source: LegacySource): AsyncIterable<PackedBatch> {
  if (source.packedBatches) {
    yield* source.packedBatches();
    return;
  }
  for await (const batch of source.batches()) yield checkAndPack(batch);
}

export function createHiringService(platform: Platform): HiringService {
  return new HiringService(
    platform.db as HiringDb,
    platform.database.dialect,
    platform.clock,
    platform.database.native,
  );
}
