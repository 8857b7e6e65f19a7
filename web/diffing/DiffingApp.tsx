// The diffing page: start a diff (saved exports or two uploads), follow the current job, recent jobs.
import { useCallback, useEffect, useRef, useState } from 'react';
import { api, errorMessage, isAbort } from '../ui/api.js';
import { Layout, Loading, Notice, PageHeading } from '../ui/Layout.js';
import { navigate, useLocation, withQuery } from '../ui/router.js';
import { JobPanel } from './JobPanel.js';
import { RecentJobs } from './RecentJobs.js';
import { StartDiff } from './StartDiff.js';
import type { JobStatus, Metric } from './types.js';

export const BASE = '/diffing';

export const jobHref = (id: number | null) => withQuery(BASE, { job: id });

function readJobId(params: URLSearchParams): number | null {
  const raw = params.get('job') ?? '';
  if (!/^\d{1,15}$/.test(raw)) return null;
  const id = Number(raw);
  return id > 0 ? id : null;
}

type Metrics =
  { kind: 'loading' } | { kind: 'ready'; metrics: Metric[] } | { kind: 'error'; message: string };

export function DiffingApp() {
  const { query } = useLocation();
  const jobId = readJobId(query);
  const [metrics, setMetrics] = useState<Metrics>({ kind: 'loading' });
  /** Reloads the recent jobs when a job starts or moves on. */
  const [reloadKey, setReloadKey] = useState('');
  const headingRef = useRef<HTMLHeadingElement>(null);
  const focusJob = useRef(false);

  useEffect(() => {
    const controller = new AbortController();
    api
      .get<{ metrics: Metric[] }>('/api/diffing/metrics', { signal: controller.signal })
      .then((res) => {
        if (res.ok && Array.isArray(res.data?.metrics))
          setMetrics({ kind: 'ready', metrics: res.data.metrics });
        else setMetrics({ kind: 'error', message: errorMessage(res, 'Could not load the metrics.') });
      })
      .catch((err: unknown) => {
        if (!isAbort(err)) setMetrics({ kind: 'error', message: 'Could not load the metrics.' });
      });
    return () => controller.abort();
  }, []);

  // A job was just started: move focus to its panel so keyboard and screen-reader users follow it.
  useEffect(() => {
    if (focusJob.current && jobId !== null) {
      focusJob.current = false;
      headingRef.current?.focus({ preventScroll: true });
      headingRef.current?.scrollIntoView({ block: 'nearest', behavior: 'smooth' });
    }
  }, [jobId]);

  const started = (id: number) => {
    focusJob.current = true;
    setReloadKey(`started-${id}`);
    navigate(jobHref(id));
  };

  /** The shown job as its panel last polled it: its row in the list shows the same. */
  const [live, setLive] = useState<JobStatus | null>(null);
  const onStatus = useCallback((job: JobStatus) => {
    setLive(job);
    setReloadKey(`${job.job_id}-${job.status}`);
  }, []);

  return (
    <Layout section="Diffing" sectionHref={BASE} width="wide">
      <PageHeading
        title={jobId !== null ? `Diff job ${jobId}` : 'CSV diffing'}
        lead="Compare a new CSV export of a metric with the previous one and get only the rows that are new or whose value changed, computed in the background."
      >
        CSV diffing
      </PageHeading>
      <div className={`diffing-grid${jobId !== null ? ' diffing-grid--job' : ''}`}>
        {metrics.kind === 'loading' && (
          <section className="card" aria-label="Start a diff">
            <Loading label="Loading the metrics…" />
          </section>
        )}
        {metrics.kind === 'error' && (
          <section className="card" aria-label="Start a diff">
            <Notice kind="error">{metrics.message}</Notice>
          </section>
        )}
        {metrics.kind === 'ready' && <StartDiff metrics={metrics.metrics} onStarted={started} />}
        {jobId !== null && (
          <JobPanel
            key={jobId}
            jobId={jobId}
            headingRef={headingRef}
            onStatus={onStatus}
            onClose={() => navigate(jobHref(null))}
          />
        )}
      </div>
      <RecentJobs
        selected={jobId}
        hrefFor={jobHref}
        reloadKey={reloadKey}
        live={live !== null && live.job_id === jobId ? live : null}
      />
    </Layout>
  );
}
