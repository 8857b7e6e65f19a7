// Saving answers as the respondent types (pure: the request and the timers are injected).
//
// Changes to text fields wait until typing pauses (debounced); choices, blurs and step changes go
// out at once. One request is in flight at a time and carries every change made so far, so a
// burst of typing costs one request and the server always ends with the latest value of each
// field. A refused field (400) is not sent again until it changes; a failed request (network,
// 5xx, 429) is merged back under newer values and retried with a growing delay.
import type { AnswerPatch, Field, Step } from './survey.js';

export interface SaveRequest {
  answers: AnswerPatch;
  step?: Step;
}

export type SaveOutcome =
  /** Everything in the request was saved. */
  | { kind: 'saved' }
  /** The server refused these fields and saved nothing of the request. */
  | { kind: 'invalid'; fields: Record<string, string> }
  /** Not saved for a passing reason (offline, server busy): try again later. */
  | { kind: 'retry'; message: string }
  /** Never again (the survey was submitted meanwhile). */
  | { kind: 'stop'; message: string };

export type SaveStatus = 'idle' | 'pending' | 'saving' | 'saved' | 'invalid' | 'retrying' | 'stopped';

export interface FlushResult {
  ok: boolean;
  /** Why not, when not ok (offline, or the survey cannot be changed any more). */
  message?: string;
  stopped?: boolean;
}

export interface Timers {
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

export interface SaveQueueOptions {
  send(request: SaveRequest): Promise<SaveOutcome>;
  /** Quiet time after a keystroke before it is sent. */
  delayMs?: number;
  /** Delay before the n-th retry (n from 1). */
  retryDelayMs?: (attempt: number) => number;
  timers?: Timers;
  onStatus?: (status: SaveStatus, message?: string) => void;
  /** Fields the server accepted (their old error messages can go). */
  onSaved?: (fields: readonly Field[]) => void;
  /** Fields the server refused, with its messages. */
  onInvalid?: (errors: Record<string, string>) => void;
  onStop?: (message: string) => void;
}

const defaultTimers: Timers = {
  set: (fn, ms) => setTimeout(fn, ms),
  clear: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export const defaultRetryDelay = (attempt: number) => Math.min(30_000, 1000 * 2 ** Math.min(attempt - 1, 5));

type Pending = Map<Field, AnswerPatch[Field]>;

export class SaveQueue {
  private readonly options: SaveQueueOptions;
  private readonly timers: Timers;
  private readonly delayMs: number;
  private pending: Pending = new Map();
  private pendingStep: Step | undefined;
  private timer: unknown = null;
  private inFlight = false;
  private attempts = 0;
  private stopped = false;
  private lastFailure: string | undefined;
  private waiters: ((result: FlushResult) => void)[] = [];
  private status: SaveStatus = 'idle';

  constructor(options: SaveQueueOptions) {
    this.options = options;
    this.timers = options.timers ?? defaultTimers;
    this.delayMs = options.delayMs ?? 400;
  }

  /** A new value for a field: sent once typing pauses (`debounce`), else at once. */
  change<K extends Field>(field: K, value: AnswerPatch[K], { debounce = false } = {}): void {
    if (this.stopped) return;
    this.pending.set(field, value);
    if (debounce && this.attempts === 0) {
      this.clearTimer();
      this.timer = this.timers.set(() => {
        this.timer = null;
        this.kick();
      }, this.delayMs);
      if (!this.inFlight) this.setStatus('pending');
    } else if (this.attempts === 0) {
      this.clearTimer();
      this.kick();
    }
    // While retrying, the change rides along with the next attempt.
  }

  /** The step the respondent is on (saved at once, with any pending answers). */
  setStep(step: Step): void {
    if (this.stopped) return;
    this.pendingStep = step;
    this.clearTimer();
    this.kick();
  }

  /** Sends what is waiting now and resolves once nothing is waiting or in flight. */
  flush(): Promise<FlushResult> {
    if (this.stopped) return Promise.resolve({ ok: false, stopped: true, message: this.lastFailure });
    if (!this.inFlight && !this.hasPending()) return Promise.resolve({ ok: true });
    const done = new Promise<FlushResult>((resolve) => this.waiters.push(resolve));
    this.clearTimer();
    this.attempts = 0; // the respondent is waiting: try now rather than after the back-off
    this.kick();
    return done;
  }

  /** Whether anything is waiting to be sent or in flight. */
  get busy(): boolean {
    return this.inFlight || this.hasPending();
  }

  get currentStatus(): SaveStatus {
    return this.status;
  }

  /** Forgets everything waiting and sends nothing more. */
  stop(message = 'stopped'): void {
    this.stopped = true;
    this.lastFailure = message;
    this.clearTimer();
    this.pending.clear();
    this.pendingStep = undefined;
    this.setStatus('stopped', message);
    this.resolveWaiters({ ok: false, stopped: true, message });
  }

  private hasPending(): boolean {
    return this.pending.size > 0 || this.pendingStep !== undefined;
  }

  private clearTimer(): void {
    if (this.timer !== null) {
      this.timers.clear(this.timer);
      this.timer = null;
    }
  }

  private setStatus(status: SaveStatus, message?: string): void {
    this.status = status;
    this.options.onStatus?.(status, message);
  }

  private resolveWaiters(result: FlushResult): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) resolve(result);
  }

  private kick(): void {
    if (this.inFlight || this.stopped) return;
    if (!this.hasPending()) {
      this.resolveWaiters({ ok: true });
      return;
    }
    const answers = Object.fromEntries(this.pending) as AnswerPatch;
    const request: SaveRequest =
      this.pendingStep === undefined ? { answers } : { answers, step: this.pendingStep };
    const sent = this.pending;
    this.pending = new Map();
    this.pendingStep = undefined;
    this.inFlight = true;
    this.setStatus('saving');
    this.options
      .send(request)
      .catch((err: unknown): SaveOutcome => ({
        kind: 'retry',
        message: err instanceof Error ? err.message : String(err),
      }))
      .then((outcome) => this.settle(request, sent, outcome))
      .catch(() => {
        /* settle does not throw; a throwing callback must not stop the queue */
      });
  }

  /** Puts fields of a request that was not saved back, under any newer value. */
  private requeue(sent: Pending, step: Step | undefined, except: ReadonlySet<string> = new Set()): void {
    const merged: Pending = new Map();
    for (const [field, value] of sent) if (!except.has(field)) merged.set(field, value);
    for (const [field, value] of this.pending) merged.set(field, value);
    this.pending = merged;
    if (this.pendingStep === undefined) this.pendingStep = step;
  }

  private settle(request: SaveRequest, sent: Pending, outcome: SaveOutcome): void {
    this.inFlight = false;
    if (this.stopped) return;
    switch (outcome.kind) {
      case 'saved': {
        this.attempts = 0;
        this.lastFailure = undefined;
        this.options.onSaved?.([...sent.keys()]);
        break;
      }
      case 'invalid': {
        this.attempts = 0;
        this.options.onInvalid?.(outcome.fields);
        // Nothing of the request was saved: the accepted fields (and the step) go again at once.
        // A refusal that names none of the request's fields would repeat forever: then drop it all.
        const refused = new Set(
          Object.keys(outcome.fields).filter((f) => sent.has(f as Field) || f === 'step'),
        );
        if (refused.size === 0) this.requeue(new Map(), undefined);
        else this.requeue(sent, refused.has('step') ? undefined : request.step, refused);
        this.clearTimer();
        if (!this.hasPending()) {
          this.setStatus('invalid');
          this.resolveWaiters({ ok: true });
          return;
        }
        this.kick();
        return;
      }
      case 'retry': {
        this.attempts += 1;
        this.lastFailure = outcome.message;
        this.requeue(sent, request.step);
        this.setStatus('retrying', outcome.message);
        this.resolveWaiters({ ok: false, message: outcome.message });
        this.clearTimer();
        this.timer = this.timers.set(
          () => {
            this.timer = null;
            this.kick();
          },
          (this.options.retryDelayMs ?? defaultRetryDelay)(this.attempts),
        );
        return;
      }
      case 'stop': {
        this.options.onStop?.(outcome.message);
        this.stop(outcome.message);
        return;
      }
    }
    if (this.hasPending() && (this.timer === null || this.waiters.length > 0)) {
      this.clearTimer();
      this.kick();
      return;
    }
    if (!this.hasPending()) {
      this.setStatus('saved');
      this.resolveWaiters({ ok: true });
    } else {
      this.setStatus('pending');
    }
  }
}
