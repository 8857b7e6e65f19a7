// The surveys system's rules: respondents create, save and complete their response; the admin
// lists, reads the summary, deletes and exports. Every write changes the summary's sums and takes
// an event id in its own transaction, then publishes the event after commit.
import crypto from 'node:crypto';
import type { Transaction } from 'kysely';
import { DomainError, badInput, conflict, notFound } from '../../platform/errors.js';
import type { BusEvent } from '../../platform/events/index.js';
import type { Platform } from '../../platform/platform.js';
import type { Status, StoredEvent, ListQuery } from './repository.js';
import * as repo from './repository.js';
import { csvLine } from '../../platform/csv/index.js';
import type { Summary, SurveyResponse } from './constants.js';
import type { SurveysSettings } from './settings.js';
import { generateResponses } from './demo.js';
import {
  addCounts,
  countAll,
  countsDelta,
  subtractCounts,
  summaryOf,
  zeroCounts,
  type SummaryCounts,
} from './summary.js';
import type { EventTable, SurveysDatabase, SurveysDb } from './tables.js';
import { groupCommit, type Outcome } from './group-commit.js';
import {
  applyChanges,
  checkAnswers,
  checkComplete,
  checkStep,
  sameAnswers,
  type AnswerChanges,
} from './validation.js';

/** The bus channel of the surveys' live events. */
export const EVENTS_CHANNEL = 'surveys';
export const ALREADY_SUBMITTED = 'Survey already submitted.';
export const EMAIL_USED = 'this email has already been used for a completed survey';

export interface AnswersInput {
  answers?: unknown;
  step?: unknown;
}

/**
 * What goes over the bus: the stored event's payload (the response, or {"id"} of a deleted one)
 * and summary as JSON text, serialised once for the replay buffer, the bus and every dashboard.
 */
export interface LiveEventData {
  payload: string;
  summary: string;
}

/** A write's answer and, when it changed something, its event (stored, then published after commit). */
interface Written<T> {
  result: T;
  event?: EventTable;
}

/** A response change: before -> after (undefined: none yet, or deleted) at a time. */
interface Change {
  before: SurveyResponse | undefined;
  after: SurveyResponse | undefined;
  at: string;
}

interface SaveItem {
  id: string;
  changes: AnswerChanges;
  step: number | undefined;
}

export interface ListPage {
  total: number;
  offset: number;
  limit: number;
  rows: SurveyResponse[];
  eventId: number;
}

export const CSV_HEADER = [
  'id',
  'name',
  'email',
  'age',
  'about',
  'address',
  'gender',
  'book',
  'colours',
  'completed',
  'created_at',
  'updated_at',
  'completed_at',
];

/** A spreadsheet runs a cell that starts with these as a formula: a leading ' keeps it text (OWASP). */
const FORMULA = /^[=+\-@\t\r]/;
const cell = (value: string | undefined) =>
  value === undefined ? '' : FORMULA.test(value) ? `'${value}` : value;

export function csvRecord(r: SurveyResponse): string[] {
  const a = r.answers;
  return [
    r.id,
    cell(a.name),
    cell(a.email),
    a.age === undefined ? '' : String(a.age),
    cell(a.about),
    cell(a.address),
    a.gender ?? '',
    cell(a.book),
    (a.colours ?? []).join(';'),
    r.completed ? 'true' : 'false',
    r.createdAt,
    r.updatedAt,
    r.completedAt ?? '',
  ];
}

export function createSurveysService(platform: Platform, settings: SurveysSettings) {
  const db = platform.db as SurveysDb;
  const { dialect } = platform.database;
  const now = () => platform.clock.now().toISOString();

  /** A change's event (its payload and the summary after it, as JSON text) for the replay buffer. */
  function eventOf({ before, after, at }: Change, counts: SummaryCounts, id: number): EventTable {
    return {
      id,
      kind: after ? 'response' : 'deleted',
      payload: JSON.stringify(after ?? { id: before!.id }),
      summary: JSON.stringify(summaryOf(counts, at, id)),
      created_at: at,
    };
  }

  /**
   * Records the changes of a transaction, in order: one summary update for all of them (their
   * deltas added up, one event id each) and an event each with the summary as it stood after it.
   */
  async function commit(tx: Transaction<SurveysDatabase>, changes: readonly Change[]): Promise<EventTable[]> {
    if (!changes.length) return [];
    const deltas = changes.map((c) => countsDelta(c.before, c.after));
    const total = deltas.reduce(addCounts, zeroCounts());
    const state = await repo.applySummaryDelta(tx, total, changes.at(-1)!.at, changes.length);
    // The sums before this transaction, then each change's in turn.
    let counts = subtractCounts(state.counts, total);
    const first = state.lastEventId - changes.length + 1;
    return changes.map((change, i) => {
      counts = addCounts(counts, deltas[i]!);
      return eventOf(change, counts, first + i);
    });
  }

  /** Stores a transaction's events in the replay buffer (one insert) and drops the oldest. */
  async function storeEvents(tx: Transaction<SurveysDatabase>, events: readonly EventTable[]) {
    if (!events.length) return;
    await repo.insertEvents(tx, events);
    await repo.pruneEvents(tx, events.at(-1)!.id, settings.replayEvents);
  }

  /**
   * Publishes a committed event. A failed publish is logged, not thrown: the change is saved, and
   * every dashboard fills the gap from the replay buffer with the next event or heartbeat.
   */
  async function publish(event: EventTable): Promise<void> {
    const message: BusEvent<LiveEventData> = {
      id: event.id,
      type: event.kind,
      data: { payload: event.payload, summary: event.summary },
    };
    try {
      await platform.events.publish(EVENTS_CHANNEL, message);
    } catch (err) {
      platform.log.warn(
        { err, eventId: event.id },
        'surveys: an event was not published; dashboards catch up',
      );
    }
  }

  /** A single write's event: its change recorded in the transaction. */
  const commitOne = async (tx: Transaction<SurveysDatabase>, change: Change) =>
    (await commit(tx, [change]))[0]!;

  /** Runs a write in a transaction and publishes its event once committed. */
  async function write<T extends SurveyResponse | undefined>(
    fn: (tx: Transaction<SurveysDatabase>) => Promise<Written<T>>,
  ): Promise<T> {
    const { result, event } = await db.transaction().execute(async (tx) => {
      const written = await fn(tx);
      if (written.event) await storeEvents(tx, [written.event]);
      return written;
    });
    if (event) await publish(event);
    return result;
  }

  function checked(input: AnswersInput) {
    const answers = checkAnswers(input.answers);
    const step = checkStep(input.step);
    const fields = { ...(answers.ok ? {} : answers.fields), ...(step.ok ? {} : step.fields) };
    if (!answers.ok || !step.ok) {
      const names = Object.keys(fields);
      throw badInput(names.length === 1 ? fields[names[0]!]! : 'Please correct the highlighted answers', {
        fields,
      });
    }
    return { changes: answers.value, step: step.value };
  }

  /**
   * One save inside a batch's transaction: the response's new state, or undefined when the save
   * changes nothing; a refusal is thrown before anything is written. `current` holds the batch's
   * responses, kept up to date as the batch goes.
   */
  async function saveIn(
    tx: Transaction<SurveysDatabase>,
    current: Map<string, SurveyResponse>,
    { id, changes, step }: SaveItem,
  ): Promise<Change | undefined> {
    const before = current.get(id);
    if (!before) throw notFound('no response');
    if (before.completed) throw conflict(ALREADY_SUBMITTED);
    const answers = applyChanges(before.answers, changes);
    const nextStep = step ?? before.step;
    if (nextStep === before.step && sameAnswers(answers, before.answers)) return undefined;
    const at = now();
    const after: SurveyResponse = { ...before, answers, step: nextStep, updatedAt: at };
    await repo.updateResponse(tx, before, after);
    current.set(id, after);
    return { before, after, at };
  }

  const saves = groupCommit<SaveItem, Written<SurveyResponse>>(
    (items) =>
      db.transaction().execute(async (tx) => {
        // Every response of the batch read (and on PostgreSQL locked) first, in id order, and the
        // summary row last: nothing that holds the summary row then waits for a response, so
        // writes never deadlock.
        const current = await repo.lockResponses(tx, dialect, [...new Set(items.map((i) => i.id))].sort());
        const outcomes: Outcome<Written<SurveyResponse>>[] = [];
        const changes: Change[] = [];
        const changedBy: (number | undefined)[] = [];
        for (const item of items) {
          try {
            const change = await saveIn(tx, current, item);
            changedBy.push(change ? changes.push(change) - 1 : undefined);
            outcomes.push({ ok: true, value: { result: change?.after ?? current.get(item.id)! } });
          } catch (error) {
            if (!(error instanceof DomainError)) throw error;
            changedBy.push(undefined);
            outcomes.push({ ok: false, error });
          }
        }
        const events = await commit(tx, changes);
        outcomes.forEach((o, i) => {
          const k = changedBy[i];
          if (o.ok && k !== undefined) o.value.event = events[k];
        });
        await storeEvents(tx, events);
        return outcomes;
      }),
    {
      // All published at once, in order: the bus delivers them one after the other within this
      // turn, so each dashboard stream sends the batch in one write (live-events.ts).
      after: async (values) => {
        await Promise.all(values.flatMap(({ event }) => (event ? [publish(event)] : [])));
      },
    },
  );

  return {
    /** A new response (optionally with first answers), for a new respondent. */
    async create(input: AnswersInput = {}): Promise<SurveyResponse> {
      const { changes, step } = checked(input);
      const at = now();
      const response: SurveyResponse = {
        id: crypto.randomUUID(),
        step: step ?? 1,
        answers: applyChanges({}, changes),
        completed: false,
        createdAt: at,
        updatedAt: at,
        completedAt: null,
      };
      return write(async (tx) => {
        await repo.insertResponses(tx, [response]);
        return { result: response, event: await commitOne(tx, { before: undefined, after: response, at }) };
      });
    },

    /** The first of these responses that exists (the cookie's, then the header's). */
    async current(ids: readonly string[]): Promise<SurveyResponse | undefined> {
      for (const id of ids) {
        const found = await repo.findResponse(db, id);
        if (found) return found;
      }
      return undefined;
    },

    /**
     * Saves answers: each field set, cleared (null) or left alone; colours replaced as a set. A
     * request that changes nothing writes nothing (same updatedAt, no event): saving is idempotent.
     * Saves that arrive together share one transaction (group-commit.ts).
     */
    async save(id: string, input: AnswersInput): Promise<SurveyResponse> {
      return (await saves.run({ id, ...checked(input) })).result;
    },

    /** Completes a response: the required answers given and its email not used by a completed one. */
    async complete(id: string): Promise<SurveyResponse> {
      try {
        return await write(async (tx) => {
          const before = await repo.lockResponse(tx, dialect, id);
          if (!before) throw notFound('no response');
          if (before.completed) throw conflict(ALREADY_SUBMITTED);
          const fields = checkComplete(before.answers);
          if (Object.keys(fields).length) throw badInput('Please answer the required questions', { fields });
          if (await repo.completedEmailTaken(tx, before.answers.email!, id)) throw emailUsed();
          const at = now();
          const after: SurveyResponse = { ...before, completed: true, completedAt: at, updatedAt: at };
          await repo.updateResponse(tx, before, after);
          return { result: after, event: await commitOne(tx, { before, after, at }) };
        });
      } catch (err) {
        // Two completions with one email at the same instant: the unique index refuses the second.
        if (repo.isUniqueViolation(err)) throw emailUsed();
        throw err;
      }
    },

    /** Deletes a response (admin); false when there is none. */
    async remove(id: string): Promise<boolean> {
      const removed = await write(async (tx) => {
        const before = await repo.lockResponse(tx, dialect, id);
        if (!before) return { result: undefined };
        await repo.deleteResponse(tx, id);
        return { result: before, event: await commitOne(tx, { before, after: undefined, at: now() }) };
      });
      return removed !== undefined;
    },

    async summary(): Promise<Summary> {
      const state = await repo.readSummary(db);
      return summaryOf(state.counts, state.updatedAt, state.lastEventId);
    },

    lastEventId: () => repo.lastEventId(db),

    /** A page and its total, read in one transaction so both reflect the same event id. */
    async list(query: ListQuery): Promise<ListPage> {
      return db.transaction().execute(async (tx) => {
        const state = await repo.readSummary(tx);
        const { completed, inProgress } = state.counts;
        const total =
          query.status === 'all'
            ? completed + inProgress
            : query.status === 'completed'
              ? completed
              : inProgress;
        const rows = await repo.listResponses(tx, query);
        return { total, offset: query.offset, limit: query.limit, rows, eventId: state.lastEventId };
      });
    },

    /** The export as CSV text chunks, read in batches in creation order (nothing held whole). */
    async *csv(status: Status): AsyncGenerator<string> {
      yield csvLine(CSV_HEADER);
      let after: { createdAt: string; id: string } | undefined;
      for (;;) {
        const batch = await repo.responsesAfter(db, status, after, 1000);
        if (!batch.length) return;
        yield batch.map((r) => csvLine(csvRecord(r))).join('');
        const last = batch.at(-1)!;
        after = { createdAt: last.createdAt, id: last.id };
      }
    },

    /** Buffered events with an id of at least `fromId`, oldest first. */
    eventsFrom: (fromId: number, limit = 1000): Promise<StoredEvent[]> => repo.eventsFrom(db, fromId, limit),

    count: () => repo.countResponses(db),

    /**
     * Stores `count` generated responses over the last `days` days, in batches of 5,000 (one
     * transaction each); emails carry a tag of this run, so seeding twice never clashes.
     */
    async seed(options: {
      count: number;
      seed?: number;
      days?: number;
      onProgress?: (done: number) => void;
    }) {
      const tag = crypto.randomBytes(3).toString('hex');
      const seed = options.seed ?? 2017;
      for (let done = 0, batch = 0; done < options.count; batch++) {
        const n = Math.min(5000, options.count - done);
        await this.insertMany(
          generateResponses({
            count: n,
            seed: seed + batch,
            now: platform.clock.now(),
            days: options.days ?? 30,
            emailPrefix: `s${tag}b${batch}n`,
          }),
        );
        done += n;
        options.onProgress?.(done);
      }
      return options.count;
    },

    /** The sums counted afresh (tests compare them with the incremental row). */
    recount: () => repo.recountSummary(db),

    /**
     * Stores many responses in one transaction with one summary change (demo data, benchmarks);
     * they must be valid and their completed emails distinct. It takes an event id but stores no
     * event, so a dashboard that is connected meanwhile gets `reset` and reloads.
     */
    async insertMany(responses: readonly SurveyResponse[]): Promise<void> {
      if (!responses.length) return;
      await db.transaction().execute(async (tx) => {
        await repo.insertResponses(tx, responses);
        await repo.applySummaryDelta(tx, countAll(responses), now());
      });
    },
  };
}

const emailUsed = () =>
  new DomainError('conflict', EMAIL_USED, {
    fields: { email: 'This email has already been used for a completed survey; use another one' },
  });

export type SurveysService = ReturnType<typeof createSurveysService>;
