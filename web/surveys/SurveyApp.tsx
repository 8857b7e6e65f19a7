// The public survey: four steps saved as the respondent types, resumed where they left off.
import { useCallback, useEffect, useMemo, useRef, useState, type FormEvent } from 'react';
import { Button, ButtonRow } from '../ui/Button.js';
import { focusFirstError, FormAlert } from '../ui/fields.js';
import { Layout, Loading, Notice, PageHeading } from '../ui/Layout.js';
import {
  ALREADY_SUBMITTED,
  completeResponse,
  createResponse,
  loadCurrent,
  patchResponse,
  saveOutcome,
  storedRespondent,
  storeRespondent,
} from './respondent.js';
import { SaveQueue, type SaveOutcome, type SaveRequest, type SaveStatus } from './save-queue.js';
import { StepFields } from './StepFields.js';
import {
  FIELDS,
  firstStepWith,
  missingAnswers,
  STEP_COUNT,
  STEPS,
  toPatchValue,
  type AnswerPatch,
  type Answers,
  type Field,
  type Step,
} from './survey.js';

type Phase =
  | { kind: 'loading' }
  | { kind: 'form' }
  | { kind: 'thanks' }
  | { kind: 'submitted' }
  | { kind: 'error'; message: string };

type Errors = Partial<Record<Field, string>>;

const START_OVER = '/survey?start=over';

/** Every answer given, as a PATCH (used when a response has to be started again). */
function allAnswers(answers: Answers): AnswerPatch {
  const patch: AnswerPatch = {};
  for (const field of FIELDS) {
    const value = answers[field];
    if (value !== undefined) (patch as Record<string, unknown>)[field] = value;
  }
  return patch;
}

const STATUS_TEXT: Record<SaveStatus, string> = {
  idle: '',
  pending: 'Saving…',
  saving: 'Saving…',
  saved: 'All answers saved',
  invalid: 'Not saved yet',
  retrying: 'Not saved yet, trying again…',
  stopped: '',
};

function StepList({ current }: { current: Step }) {
  return (
    <ol className="steps" aria-label="Survey steps">
      {STEPS.map(({ step, title }) => (
        <li
          key={step}
          aria-current={step === current ? 'step' : undefined}
          className={step < current ? 'is-done' : undefined}
        >
          <span className="steps__title">{title}</span>
          {step < current && <span className="visually-hidden"> (done)</span>}
        </li>
      ))}
    </ol>
  );
}

function StartOver() {
  return (
    <p>
      <a href={START_OVER} data-testid="start-over">
        Start over
      </a>{' '}
      <span className="small-print">(begins a new, empty response)</span>
    </p>
  );
}

export function SurveyApp() {
  const [phase, setPhase] = useState<Phase>({ kind: 'loading' });
  const [step, setStep] = useState<Step>(1);
  const [answers, setAnswers] = useState<Answers>({});
  const [serverErrors, setServerErrors] = useState<Errors>({});
  const [missing, setMissing] = useState<Errors>({});
  const [touched, setTouched] = useState<ReadonlySet<Field>>(new Set());
  const [saveStatus, setSaveStatus] = useState<SaveStatus>('idle');
  const [formError, setFormError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const [focusKey, setFocusKey] = useState(0);
  const [attempt, setAttempt] = useState(0);

  const idRef = useRef<string | null>(null);
  // Kept in a ref as well, so a step change right after a save sees that save's verdict.
  const serverErrorsRef = useRef<Errors>({});
  const updateServerErrors = useCallback((update: (errors: Errors) => Errors) => {
    serverErrorsRef.current = update(serverErrorsRef.current);
    setServerErrors(serverErrorsRef.current);
  }, []);
  const answersRef = useRef<Answers>({});
  const stepRef = useRef<Step>(1);
  const headingRef = useRef<HTMLHeadingElement>(null);
  const moved = useRef(false);
  answersRef.current = answers;
  stepRef.current = step;

  const send = useCallback(async (request: SaveRequest): Promise<SaveOutcome> => {
    for (let tries = 0; ; tries++) {
      if (idRef.current === null) {
        if (tries > 0) {
          // The old response is gone (deleted): everything answered so far goes into the new one.
          request = {
            answers: { ...allAnswers(answersRef.current), ...request.answers },
            step: stepRef.current,
          };
        }
        // The first save starts the response, with the answers it carries.
        const created = await createResponse(request);
        if (!created.ok) return created.outcome;
        idRef.current = created.response.id;
        return { kind: 'saved' };
      }
      const outcome = saveOutcome(await patchResponse(idRef.current, request));
      if (outcome !== 'gone' || tries > 0)
        return outcome === 'gone' ? { kind: 'retry', message: 'Could not save your answers.' } : outcome;
      idRef.current = null;
      storeRespondent(null);
    }
  }, []);

  const queue = useMemo(
    () =>
      new SaveQueue({
        send,
        onStatus: (status) => setSaveStatus(status),
        onSaved: (fields) =>
          updateServerErrors((errors) => {
            const next = { ...errors };
            for (const f of fields) delete next[f];
            return next;
          }),
        onInvalid: (fields) => updateServerErrors((errors) => ({ ...errors, ...fields })),
        onStop: () => setPhase({ kind: 'submitted' }),
      }),
    [send, updateServerErrors],
  );

  // Load (or start over): continue at the saved step with the answers filled in.
  useEffect(() => {
    const controller = new AbortController();
    const params = new URLSearchParams(window.location.search);
    const run = async () => {
      if (params.get('start') === 'over') {
        storeRespondent(null);
        const created = await createResponse();
        if (controller.signal.aborted) return;
        if (!created.ok) {
          setPhase({ kind: 'error', message: created.message });
          return;
        }
        window.history.replaceState(null, '', '/survey');
        idRef.current = created.response.id;
        setPhase({ kind: 'form' });
        return;
      }
      const loaded = await loadCurrent(controller.signal);
      if (controller.signal.aborted) return;
      if (loaded.kind === 'error') {
        setPhase({ kind: 'error', message: loaded.message });
        return;
      }
      if (loaded.kind === 'found') {
        idRef.current = loaded.response.id;
        if (loaded.response.completed) {
          setPhase({ kind: 'submitted' });
          return;
        }
        setAnswers(loaded.response.answers);
        setStep(loaded.response.step);
      } else {
        idRef.current = storedRespondent();
      }
      setPhase({ kind: 'form' });
    };
    run().catch(() => {
      /* aborted */
    });
    return () => controller.abort();
  }, [attempt]);

  // After a step change, focus its heading (so keyboard and screen-reader users start there).
  useEffect(() => {
    if (!moved.current) return;
    headingRef.current?.focus();
  }, [step, phase.kind]);

  useEffect(() => {
    if (focusKey > 0) focusFirstError(FIELDS, { ...serverErrors, ...missing });
    // Only when asked (after Next / Submit), not on every new message: focusKey is the only dependency.
  }, [focusKey]);

  useEffect(() => {
    // Leaving with a save still waiting: send it now, and let the browser ask before the page goes.
    const warn = (event: BeforeUnloadEvent) => {
      if (!queue.busy) return;
      void queue.flush();
      event.preventDefault();
    };
    window.addEventListener('beforeunload', warn);
    return () => window.removeEventListener('beforeunload', warn);
  }, [queue]);

  const change = <K extends Field>(field: K, value: Answers[K] | undefined, typing: boolean) => {
    setAnswers((current) => {
      const next = { ...current };
      if (value === undefined || value === '') delete next[field];
      else next[field] = value;
      return next;
    });
    setMissing((m) => (m[field] === undefined ? m : { ...m, [field]: undefined }));
    setFormError(undefined);
    queue.change(field, toPatchValue(field, value) as AnswerPatch[K], { debounce: typing });
  };

  const blur = (field: Field) => {
    setTouched((t) => (t.has(field) ? t : new Set(t).add(field)));
    if (queue.busy) void queue.flush();
  };

  const goTo = (next: Step) => {
    moved.current = true;
    setStep(next);
    setMissing({});
    queue.setStep(next);
    window.scrollTo({ top: 0 });
  };

  const showErrors = (errors: Errors, at: Step) => {
    const fields = Object.keys(errors) as Field[];
    setTouched((t) => new Set([...t, ...fields]));
    if (at !== stepRef.current) {
      moved.current = true;
      setStep(at);
      queue.setStep(at);
    }
    setFocusKey((k) => k + 1);
  };

  const next = async () => {
    setFormError(undefined);
    setBusy(true);
    const saved = await queue.flush().finally(() => setBusy(false));
    if (saved.stopped) return;
    const definition = STEPS[step - 1];
    const fields = definition?.fields ?? [];
    const needed = missingAnswers(step, answersRef.current);
    const refused = Object.fromEntries(
      fields.filter((f) => serverErrorsRef.current[f]).map((f) => [f, serverErrorsRef.current[f]]),
    );
    if (Object.keys(needed).length > 0 || Object.keys(refused).length > 0) {
      setMissing(needed);
      showErrors({ ...refused, ...needed }, step);
      return;
    }
    if (!saved.ok)
      setFormError(`Your answers are not saved yet (${saved.message ?? 'offline'}); we keep trying.`);
    goTo((step + 1) as Step);
  };

  const submit = async () => {
    setFormError(undefined);
    setBusy(true);
    try {
      for (let tries = 0; tries < 2; tries++) {
        const saved = await queue.flush();
        if (saved.stopped) return;
        if (!saved.ok || idRef.current === null) {
          setFormError(`Could not save your answers: ${saved.message ?? 'please try again'}.`);
          return;
        }
        const result = await completeResponse(idRef.current);
        switch (result.kind) {
          case 'completed':
            queue.stop('completed');
            moved.current = true;
            setPhase({ kind: 'thanks' });
            return;
          case 'already':
            queue.stop(ALREADY_SUBMITTED);
            setPhase({ kind: 'submitted' });
            return;
          case 'invalid': {
            const fields = result.fields as Errors;
            updateServerErrors((e) => ({ ...e, ...fields }));
            showErrors(fields, firstStepWith(Object.keys(fields)) ?? step);
            return;
          }
          case 'gone': {
            // The response was removed meanwhile: save everything into a new one, then submit that.
            idRef.current = null;
            storeRespondent(null);
            for (const [field, value] of Object.entries(allAnswers(answersRef.current))) {
              queue.change(field as Field, value);
            }
            queue.setStep(stepRef.current);
            continue;
          }
          case 'error':
            setFormError(result.message);
            return;
        }
      }
      setFormError('Could not submit the survey, please try again.');
    } finally {
      setBusy(false);
    }
  };

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    if (busy) return;
    void (step < STEP_COUNT ? next() : submit());
  };

  const visibleErrors: Errors = {};
  for (const field of FIELDS) {
    const message = missing[field] ?? serverErrors[field];
    if (message !== undefined && (touched.has(field) || missing[field] !== undefined))
      visibleErrors[field] = message;
  }

  const definition = STEPS[step - 1]!;
  return (
    <Layout section="Survey" sectionHref="/survey" width="narrow">
      <PageHeading title="Survey" lead="Four short steps; the first two are required, the last two optional.">
        Tell us about yourself
      </PageHeading>
      {phase.kind === 'loading' && <Loading label="Loading the survey…" />}
      {phase.kind === 'error' && (
        <>
          <Notice kind="error">{phase.message}</Notice>
          <Button variant="secondary" onClick={() => setAttempt((a) => a + 1)}>
            Try again
          </Button>
        </>
      )}
      {phase.kind === 'submitted' && (
        <div className="card" data-testid="submitted">
          <h2 ref={headingRef} tabIndex={-1}>
            Survey already submitted.
          </h2>
          <StartOver />
        </div>
      )}
      {phase.kind === 'thanks' && (
        <div className="card" data-testid="thanks">
          <h2 ref={headingRef} tabIndex={-1}>
            Thank you!
          </h2>
          <p>Your answers have been submitted. We appreciate you taking the time.</p>
          <StartOver />
        </div>
      )}
      {phase.kind === 'form' && (
        <>
          <StepList current={step} />
          <form
            className="card form survey-form"
            noValidate
            onSubmit={onSubmit}
            aria-labelledby="step-heading"
          >
            <div className="survey-form__top">
              <h2 id="step-heading" ref={headingRef} tabIndex={-1}>
                <span className="survey-form__count">
                  Step {step} of {STEP_COUNT}
                  <span className="visually-hidden">:</span>
                </span>{' '}
                {definition.title}
              </h2>
              <span className={`save-status save-status--${saveStatus}`} data-testid="save-status">
                {STATUS_TEXT[saveStatus]}
              </span>
            </div>
            <p className="save-note" data-testid="save-note">
              Your answers are saved as you type, so you can close this page and carry on later.
            </p>
            {saveStatus === 'retrying' && (
              <Notice kind="error">We could not save your latest answers; we keep trying.</Notice>
            )}
            {formError !== undefined && <FormAlert>{formError}</FormAlert>}
            <StepFields
              step={step}
              answers={answers}
              errors={visibleErrors}
              onChange={change}
              onBlur={blur}
            />
            <ButtonRow align="between">
              {step > 1 ? (
                <Button variant="secondary" onClick={() => goTo((step - 1) as Step)}>
                  <span aria-hidden="true">← </span>Previous
                </Button>
              ) : (
                <span />
              )}
              <Button type="submit" busy={busy} size="large">
                {step < STEP_COUNT ? (
                  <>
                    Next<span aria-hidden="true"> →</span>
                  </>
                ) : (
                  'Submit'
                )}
              </Button>
            </ButtonRow>
          </form>
        </>
      )}
    </Layout>
  );
}
