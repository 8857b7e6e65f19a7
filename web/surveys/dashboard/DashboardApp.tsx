// The responses dashboard: the summary and a page of responses, kept live by the event stream.
import { useCallback, useEffect, useRef, useState } from 'react';
import { api, errorMessage } from '../../ui/api.js';
import { Button } from '../../ui/Button.js';
import { Layout, Loading, Notice, PageHeading } from '../../ui/Layout.js';
import { LogoutButton } from '../../ui/LogoutButton.js';
import { Pager } from '../../ui/Pager.js';
import { navigate, useLocation, withQuery } from '../../ui/router.js';
import {
  applyEvents,
  fromSnapshot,
  isSortKey,
  isStatus,
  readSummary,
  type ListPage,
  type ListQuery,
  type LiveEvent,
  type LiveState,
  type SortKey,
  type Status,
  type Summary,
} from '../live-table.js';
import { readResponse, type SurveyResponse } from '../survey.js';
import { ColumnPicker } from './ColumnPicker.js';
import { firstDirection, loadShownColumns, saveShownColumns } from './columns.js';
import { ConfirmDialog } from './ConfirmDialog.js';
import { Count, SummaryPanel } from './SummaryPanel.js';
import { ResponsesTable } from './ResponsesTable.js';

const BASE = '/dashboard';
const PER_PAGE = 25;
/** Events kept while paused; beyond it the dashboard reloads on resume instead. */
const MAX_QUEUED = 50_000;
const APPLY_EVERY_MS = 150;
const REFETCH_EVERY_MS = 1000;

type Connection = 'connecting' | 'live' | 'reconnecting' | 'offline';

interface UrlQuery {
  status: Status;
  sort: SortKey;
  dir: 'asc' | 'desc';
  page: number;
}

function readQuery(params: URLSearchParams): UrlQuery {
  const status = params.get('status');
  const sort = params.get('sort');
  const dir = params.get('dir');
  const page = Number.parseInt(params.get('page') ?? '1', 10);
  const sortKey = isSortKey(sort) ? sort : 'updatedAt';
  return {
    status: isStatus(status) ? status : 'all',
    sort: sortKey,
    dir: dir === 'asc' || dir === 'desc' ? dir : sortKey === 'updatedAt' ? 'desc' : firstDirection(sortKey),
    page: Number.isFinite(page) && page > 0 ? page : 1,
  };
}

function hrefFor(q: UrlQuery): string {
  return withQuery(BASE, {
    status: q.status === 'all' ? undefined : q.status,
    sort: q.sort === 'updatedAt' ? undefined : q.sort,
    dir: q.dir === (q.sort === 'updatedAt' ? 'desc' : firstDirection(q.sort)) ? undefined : q.dir,
    page: q.page > 1 ? q.page : undefined,
  });
}

function readPage(raw: unknown): ListPage | null {
  if (raw === null || typeof raw !== 'object') return null;
  const r = raw as Record<string, unknown>;
  if (!Array.isArray(r['rows'])) return null;
  return {
    total: Number(r['total']) || 0,
    offset: Number(r['offset']) || 0,
    limit: Number(r['limit']) || PER_PAGE,
    rows: (r['rows'] as unknown[]).map(readResponse).filter((x): x is SurveyResponse => x !== null),
    eventId: Number(r['eventId']) || 0,
  };
}

/** One SSE message as a LiveEvent (null when it cannot be read). */
function readEvent(type: string, message: MessageEvent<string>): LiveEvent | null {
  const id = Number(message.lastEventId) || 0;
  let data: unknown;
  try {
    data = JSON.parse(message.data);
  } catch {
    return null;
  }
  if (type === 'reset') return { type: 'reset', id };
  if (type === 'deleted') {
    const responseId = (data as { id?: unknown } | null)?.id;
    return responseId === undefined ? null : { type: 'deleted', id, responseId: String(responseId) };
  }
  if (type === 'summary') {
    const summary = readSummary(data, id);
    return summary === null ? null : { type: 'summary', id, summary };
  }
  const response = readResponse(data);
  return response === null ? null : { type: 'response', id, response };
}

const STATUS_LABELS: Record<Status, string> = {
  all: 'All',
  completed: 'Completed',
  in_progress: 'In progress',
};
const CONNECTION_TEXT: Record<Connection, string> = {
  connecting: 'Connecting…',
  live: 'Live',
  reconnecting: 'Reconnecting…',
  offline: 'Offline, retrying',
};

export function DashboardApp() {
  const { query: params } = useLocation();
  const url = readQuery(params);
  const query: ListQuery = {
    status: url.status,
    sort: url.sort,
    dir: url.dir,
    offset: (url.page - 1) * PER_PAGE,
    limit: PER_PAGE,
  };

  const [live, setLive] = useState<LiveState | null>(null);
  const [error, setError] = useState<string | undefined>();
  const [loading, setLoading] = useState(false);
  const [paused, setPaused] = useState(false);
  const [queued, setQueued] = useState(0);
  const [connection, setConnection] = useState<Connection>('connecting');
  const [shown, setShown] = useState<Set<string>>(loadShownColumns);
  const [deleting, setDeleting] = useState<SurveyResponse | null>(null);
  const [deleteBusy, setDeleteBusy] = useState(false);
  const [deleteError, setDeleteError] = useState<string | undefined>();
  const [notice, setNotice] = useState<string | undefined>();
  const [streamFrom, setStreamFrom] = useState<number | null>(null);

  const liveRef = useRef<LiveState | null>(null);
  const headingRef = useRef<HTMLHeadingElement>(null);
  /** Whether the open dialog's response was deleted (focus then moves to the table's heading). */
  const deleted = useRef(false);
  const incoming = useRef<LiveEvent[]>([]);
  const overflowed = useRef(false);
  const pausedRef = useRef(false);
  const loadingRef = useRef(0);
  const loadSeq = useRef(0);
  const lastFetch = useRef(0);
  const queryRef = useRef(query);
  queryRef.current = query;
  pausedRef.current = paused;

  const commit = useCallback((next: LiveState) => {
    liveRef.current = next;
    setLive(next);
  }, []);

  /** Fetches the page (and the summary when asked) and makes it the new snapshot. */
  const load = useCallback(
    async (q: ListQuery, { summary: withSummary, quiet }: { summary: boolean; quiet: boolean }) => {
      const seq = ++loadSeq.current;
      loadingRef.current += 1;
      if (!quiet) setLoading(true);
      lastFetch.current = Date.now();
      try {
        const listUrl = withQuery('/api/surveys/responses', {
          status: q.status,
          sort: q.sort,
          dir: q.dir,
          offset: q.offset,
          limit: q.limit,
        });
        const [pageRes, summaryRes] = await Promise.all([
          api.get<unknown>(listUrl),
          withSummary ? api.get<unknown>('/api/surveys/summary') : Promise.resolve(null),
        ]);
        if (seq !== loadSeq.current) return;
        const page = pageRes.ok ? readPage(pageRes.data) : null;
        const summary =
          summaryRes === null
            ? (liveRef.current?.summary ?? null)
            : summaryRes.ok
              ? readSummary(summaryRes.data)
              : null;
        if (page === null || summary === null) {
          const failed = page === null ? pageRes : summaryRes;
          if (failed !== null && failed.status !== 401) {
            setError(errorMessage(failed, 'Could not load the responses.'));
          }
          return;
        }
        setError(undefined);
        commit(fromSnapshot(q, page, summary));
        setStreamFrom((from) => from ?? Math.min(page.eventId, summary.eventId));
      } finally {
        loadingRef.current -= 1;
        if (seq === loadSeq.current) setLoading(false);
      }
    },
    [commit],
  );

  const reloadAll = useCallback(() => {
    incoming.current = [];
    overflowed.current = false;
    void load(queryRef.current, { summary: true, quiet: true });
  }, [load]);

  // The URL's query: a fresh page (the summary too on the first load).
  const { status, sort, dir, offset } = query;
  useEffect(() => {
    void load(
      { status, sort, dir, offset, limit: PER_PAGE },
      { summary: liveRef.current === null, quiet: liveRef.current !== null },
    );
  }, [load, status, sort, dir, offset]);

  // The event stream, opened after the first snapshot and from its event id, so nothing between the
  // two is missed. EventSource resumes with Last-Event-ID by itself; when it gives up (the server
  // closed it for good), a new one asks for what came after the last event seen.
  useEffect(() => {
    if (streamFrom === null) return;
    let source: EventSource | null = null;
    let retry: ReturnType<typeof setTimeout> | undefined;
    let lastSeen = streamFrom;
    const push = (event: LiveEvent | null) => {
      if (event === null) return;
      if (event.id > lastSeen) lastSeen = event.id;
      if (incoming.current.length >= MAX_QUEUED) {
        overflowed.current = true;
        incoming.current = [];
      }
      incoming.current.push(event);
    };
    const open = () => {
      const es = new EventSource(
        withQuery('/api/surveys/events', { lastEventId: lastSeen > 0 ? lastSeen : undefined }),
      );
      source = es;
      es.onopen = () => setConnection('live');
      es.onerror = () => {
        if (es.readyState === EventSource.CLOSED) {
          setConnection('offline');
          es.close();
          // A lapsed admin session shows up here too: any API call then leads to the login.
          void api.get<unknown>('/api/surveys/summary');
          retry = setTimeout(open, 5000);
        } else {
          setConnection('reconnecting');
        }
      };
      for (const type of ['response', 'deleted', 'summary', 'reset']) {
        es.addEventListener(type, (message) => push(readEvent(type, message as MessageEvent<string>)));
      }
    };
    open();
    return () => {
      source?.close();
      if (retry !== undefined) clearTimeout(retry);
    };
  }, [streamFrom]);

  // Apply what arrived, a batch at a time (a busy survey sends thousands of events a second).
  useEffect(() => {
    const timer = setInterval(() => {
      if (pausedRef.current) {
        setQueued(overflowed.current ? MAX_QUEUED : incoming.current.length);
        return;
      }
      const state = liveRef.current;
      if (state === null || loadingRef.current > 0) return;
      if (overflowed.current) {
        reloadAll();
        return;
      }
      if (incoming.current.length === 0) return;
      const batch = incoming.current;
      incoming.current = [];
      const { state: next, reload } = applyEvents(state, batch);
      if (reload) {
        reloadAll();
        return;
      }
      if (next !== state) commit(next);
    }, APPLY_EVERY_MS);
    return () => clearInterval(timer);
  }, [commit, reloadAll]);

  // A page left short or out of order by live changes is fetched again (at most once a second).
  const stale = live?.stale === true;
  useEffect(() => {
    if (!stale || paused) return;
    const wait = Math.max(0, REFETCH_EVERY_MS - (Date.now() - lastFetch.current));
    const timer = setTimeout(() => void load(queryRef.current, { summary: false, quiet: true }), wait);
    return () => clearTimeout(timer);
  }, [stale, paused, load]);

  const togglePause = () => {
    if (paused) setQueued(0);
    setPaused(!paused);
  };

  const sortBy = (key: SortKey) => {
    const dirNext = url.sort === key ? (url.dir === 'asc' ? 'desc' : 'asc') : firstDirection(key);
    navigate(hrefFor({ ...url, sort: key, dir: dirNext, page: 1 }));
  };

  const confirmDelete = async () => {
    if (deleting === null) return;
    setDeleteBusy(true);
    setDeleteError(undefined);
    const result = await api.delete<unknown>(`/api/surveys/responses/${encodeURIComponent(deleting.id)}`);
    setDeleteBusy(false);
    if (!result.ok && result.status !== 404) {
      setDeleteError(errorMessage(result, 'Could not delete the response.'));
      return;
    }
    const state = liveRef.current;
    if (state !== null) commit({ ...state, rows: state.rows.filter((r) => r.id !== deleting.id) });
    setNotice(`The response of ${deleting.answers.name ?? 'an anonymous respondent'} was deleted.`);
    // Its Delete button is gone with the row: keyboard users continue from the table's heading,
    // focused by the dialog as it closes (a frame callback here could run before that and lose).
    deleted.current = true;
    setDeleting(null);
  };

  const summary: Summary | null = live?.summary ?? null;
  const connectionState = paused ? 'paused' : connection;
  return (
    <Layout section="Survey dashboard" sectionHref={BASE} width="wide" actions={<LogoutButton />}>
      <PageHeading title="Survey responses" lead="Answers appear here as respondents type them.">
        Survey responses
      </PageHeading>
      {error !== undefined && <Notice kind="error">{error}</Notice>}
      {live === null && error === undefined && <Loading label="Loading the responses…" />}
      {live !== null && summary !== null && (
        <>
          <div className="live-bar">
            <p className="small-print" data-testid="live-status" style={{ margin: 0 }}>
              <span className={`live-dot live-dot--${connectionState}`} aria-hidden="true" />
              {/* Announced when the connection changes; the waiting count (which ticks) is not. */}
              <span role="status">{paused ? 'Live updates paused' : CONNECTION_TEXT[connection]}</span>
              {paused && queued > 0 && <span>{` · ${queued.toLocaleString('en-US')} waiting`}</span>}
            </p>
            <Button variant="secondary" size="small" onClick={togglePause}>
              {paused ? 'Resume live updates' : 'Pause live updates'}
            </Button>
          </div>
          <SummaryPanel summary={summary} />
          <section aria-labelledby="responses-heading">
            <div className="dash-toolbar">
              <h2 id="responses-heading" ref={headingRef} tabIndex={-1} style={{ margin: 0 }}>
                Responses
              </h2>
              <div className="live-bar__controls">
                <div className="segmented" role="group" aria-label="Show">
                  {(['all', 'completed', 'in_progress'] as const).map((s) => (
                    <button
                      key={s}
                      type="button"
                      aria-pressed={url.status === s}
                      onClick={() => navigate(hrefFor({ ...url, status: s, page: 1 }))}
                    >
                      {STATUS_LABELS[s]}{' '}
                      <span className="small-count">
                        (
                        <Count
                          value={
                            s === 'all'
                              ? summary.completed + summary.inProgress
                              : s === 'completed'
                                ? summary.completed
                                : summary.inProgress
                          }
                        />
                        )
                      </span>
                    </button>
                  ))}
                </div>
                <ColumnPicker
                  shown={shown}
                  onChange={(next) => {
                    setShown(next);
                    saveShownColumns(next);
                  }}
                />
                <a
                  className="btn btn--secondary btn--small"
                  href={withQuery('/api/surveys/responses.csv', { status: url.status })}
                  download
                  data-testid="export-csv"
                >
                  Export CSV
                </a>
              </div>
            </div>
            {notice !== undefined && <Notice kind="success">{notice}</Notice>}
            <div aria-busy={loading} className={loading ? 'is-loading' : undefined}>
              <ResponsesTable
                rows={live.rows}
                query={live.query}
                shown={shown}
                onSort={sortBy}
                onDelete={(r) => {
                  setDeleteError(undefined);
                  setNotice(undefined);
                  deleted.current = false;
                  setDeleting(r);
                }}
                empty={url.status === 'all' ? 'No responses yet.' : 'No responses match this filter.'}
              />
              <Pager
                page={url.page}
                perPage={PER_PAGE}
                total={live.total}
                hrefFor={(p) => hrefFor({ ...url, page: p })}
                noun={['response', 'responses']}
              />
            </div>
          </section>
        </>
      )}
      {deleting !== null && (
        <ConfirmDialog
          title="Delete this response?"
          confirmLabel="Delete"
          busy={deleteBusy}
          error={deleteError}
          onCancel={() => setDeleting(null)}
          onConfirm={() => void confirmDelete()}
          focusOnClose={() => (deleted.current ? headingRef.current : null)}
        >
          <p>
            The answers of <strong>{deleting.answers.name ?? 'an anonymous respondent'}</strong>
            {deleting.answers.email !== undefined ? ` (${deleting.answers.email})` : ''} will be removed for
            good.
          </p>
        </ConfirmDialog>
      )}
    </Layout>
  );
}
