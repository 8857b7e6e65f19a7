// The respondent's side of the API: the response id kept in localStorage (the server also sets a
// cookie) and sent as X-Survey-Respondent, and the requests the survey page makes.
import { api, errorMessage, fieldErrors, type ApiResult } from '../ui/api.js';
import type { SaveOutcome, SaveRequest } from './save-queue.js';
import { readResponse, type SurveyResponse } from './survey.js';

const KEY = 'quintet.surveys.respondent';
export const RESPONDENT_HEADER = 'x-survey-respondent';
export const ALREADY_SUBMITTED = 'Survey already submitted.';

export function storedRespondent(): string | null {
  try {
    return window.localStorage.getItem(KEY);
  } catch {
    return null;
  }
}

export function storeRespondent(id: string | null): void {
  try {
    if (id === null) window.localStorage.removeItem(KEY);
    else window.localStorage.setItem(KEY, id);
  } catch {
    // Storage disabled: the cookie still identifies the respondent.
  }
}

function headers(): Record<string, string> {
  const id = storedRespondent();
  return id === null ? {} : { [RESPONDENT_HEADER]: id };
}

export type Loaded =
  { kind: 'found'; response: SurveyResponse } | { kind: 'none' } | { kind: 'error'; message: string };

/** The respondent's response (by cookie or stored id), if there is one. */
export async function loadCurrent(signal?: AbortSignal): Promise<Loaded> {
  const result = await api.get<unknown>('/api/surveys/responses/current', { signal, headers: headers() });
  if (result.ok) {
    const response = readResponse(result.data);
    if (response !== null) {
      storeRespondent(response.id);
      return { kind: 'found', response };
    }
  }
  if (result.status === 404) {
    storeRespondent(null);
    return { kind: 'none' };
  }
  return { kind: 'error', message: errorMessage(result, 'Could not load the survey.') };
}

export type Created =
  { ok: true; response: SurveyResponse } | { ok: false; outcome: SaveOutcome; message: string };

/** Starts a new response, with its first answers (the server sets the cookie; the id is stored here too). */
export async function createResponse(first: SaveRequest = { answers: {} }): Promise<Created> {
  const result = await api.post<unknown>('/api/surveys/responses', first);
  const response = result.ok ? readResponse(result.data) : null;
  if (response === null) {
    const outcome = saveOutcome(result);
    return {
      ok: false,
      outcome:
        outcome === 'gone' || outcome.kind === 'saved'
          ? { kind: 'retry', message: errorMessage(result) }
          : outcome,
      message: errorMessage(result, 'Could not start the survey.'),
    };
  }
  storeRespondent(response.id);
  return { ok: true, response };
}

/** What a save's answer means for the save queue. */
export function saveOutcome(result: ApiResult<unknown>): SaveOutcome | 'gone' {
  if (result.ok) return { kind: 'saved' };
  if (result.status === 404) return 'gone';
  if (result.status === 409) return { kind: 'stop', message: ALREADY_SUBMITTED };
  if (result.status === 400 || result.status === 413) return { kind: 'invalid', fields: fieldErrors(result) };
  // Offline, rate-limited, the server busy: try again later.
  return { kind: 'retry', message: errorMessage(result) };
}

export function patchResponse(id: string, request: SaveRequest): Promise<ApiResult<unknown>> {
  return api.patch<unknown>(`/api/surveys/responses/${encodeURIComponent(id)}`, request, {
    headers: headers(),
  });
}

export type Completed =
  | { kind: 'completed'; response: SurveyResponse | null }
  | { kind: 'invalid'; fields: Record<string, string>; message: string }
  | { kind: 'already' }
  | { kind: 'gone' }
  | { kind: 'error'; message: string };

export async function completeResponse(id: string): Promise<Completed> {
  const result = await api.post<unknown>(
    `/api/surveys/responses/${encodeURIComponent(id)}/complete`,
    undefined,
    {
      headers: headers(),
    },
  );
  if (result.ok) return { kind: 'completed', response: readResponse(result.data) };
  const fields = fieldErrors(result);
  if ((result.status === 400 || result.status === 409) && Object.keys(fields).length > 0) {
    return { kind: 'invalid', fields, message: errorMessage(result) };
  }
  if (result.status === 409) return { kind: 'already' };
  if (result.status === 404) return { kind: 'gone' };
  return { kind: 'error', message: errorMessage(result, 'Could not submit the survey, please try again.') };
}
