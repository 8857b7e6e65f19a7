import { useEffect, useState } from 'react';
import { api } from '../ui/api.js';
import { Layout, PageHeading } from '../ui/Layout.js';

interface SystemInfo {
  name: string;
  title: string;
  summary: string;
  href: string;
}

/** The five systems, in order; GET /api/systems says which are built (and may refine the text). */
const PLANNED: readonly SystemInfo[] = [
  {
    name: 'hiring',
    title: 'Hiring',
    summary: 'Shopper applicant site and weekly hiring-funnel analytics',
    href: '/hiring/',
  },
  {
    name: 'diffing',
    title: 'Diffing',
    summary: 'Diff two large CSV exports of a metric as a background job',
    href: '/diffing',
  },
  {
    name: 'banners',
    title: 'Banners',
    summary: "Serve each campaign's best banners, rotated per visitor",
    href: '/campaigns/1',
  },
  {
    name: 'uptime',
    title: 'Uptime',
    summary: 'Restaurant uptime and downtime within business hours',
    href: '/uptime',
  },
  {
    name: 'surveys',
    title: 'Surveys',
    summary: 'Multi-step survey saved as you type, with a live dashboard',
    href: '/survey',
  },
];

function isSystemInfo(value: unknown): value is SystemInfo {
  if (value === null || typeof value !== 'object') return false;
  const v = value as Record<string, unknown>;
  return typeof v['name'] === 'string' && typeof v['href'] === 'string';
}

type Status = { kind: 'loading' } | { kind: 'ready'; built: Map<string, SystemInfo> } | { kind: 'error' };

export function Home() {
  const [status, setStatus] = useState<Status>({ kind: 'loading' });

  useEffect(() => {
    const controller = new AbortController();
    api
      .get<unknown>('/api/systems', { signal: controller.signal })
      .then((result) => {
        if (!result.ok || !Array.isArray(result.data)) {
          setStatus({ kind: 'error' });
          return;
        }
        const built = new Map<string, SystemInfo>();
        for (const item of result.data) if (isSystemInfo(item)) built.set(item.name, item);
        setStatus({ kind: 'ready', built });
      })
      .catch(() => {
        /* aborted */
      });
    return () => controller.abort();
  }, []);

  const extra =
    status.kind === 'ready'
      ? [...status.built.values()].filter((s) => !PLANNED.some((p) => p.name === s.name))
      : [];

  return (
    <Layout
      nav={[
        { href: '/docs', label: 'API docs' },
        { href: '/admin/login', label: 'Admin' },
      ]}
    >
      <div className="hero">
        <PageHeading
          title="Home"
          lead="One TypeScript service hosting five small, data-backed web systems: hiring, CSV diffing, banners, uptime and surveys."
        >
          Quintet
        </PageHeading>
      </div>

      <h2 id="systems-heading" className="visually-hidden">
        Systems
      </h2>
      {status.kind === 'error' && (
        <p className="notice" role="status">
          Could not check which systems are running right now; links may not work yet.
        </p>
      )}
      <ul className="system-list" aria-labelledby="systems-heading" aria-busy={status.kind === 'loading'}>
        {[...PLANNED, ...extra].map((planned) => {
          const built = status.kind === 'ready' ? status.built.get(planned.name) : undefined;
          const available = status.kind === 'error' || built !== undefined;
          const info: SystemInfo = {
            name: planned.name,
            title: built?.title || planned.title,
            summary: built?.summary || planned.summary,
            href: built?.href || planned.href,
          };
          const state = status.kind === 'loading' ? 'loading' : available ? 'on' : 'off';
          return (
            <li key={info.name} className={`system system--${state}`} data-testid={`system-${info.name}`}>
              <h2>{state === 'on' ? <a href={info.href}>{info.title}</a> : info.title}</h2>
              <p>{info.summary}</p>
              <p className="system__status">
                {state === 'loading' && <span className="badge badge--muted">Checking…</span>}
                {state === 'on' && <span className="badge badge--accent">Open →</span>}
                {state === 'off' && <span className="badge badge--muted">not built yet</span>}
              </p>
            </li>
          );
        })}
      </ul>

      <section className="card" aria-labelledby="more-heading">
        <h2 id="more-heading">More</h2>
        <ul className="link-list">
          <li>
            <a className="btn btn--secondary" href="/docs">
              API documentation
            </a>
          </li>
          <li>
            <a className="btn btn--ghost" href="/admin/login">
              Admin login
            </a>
          </li>
        </ul>
      </section>
    </Layout>
  );
}
