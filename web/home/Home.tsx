import { useEffect, useState } from 'react';
import { api } from '../ui/api.js';
import { Layout, PageHeading } from '../ui/Layout.js';

interface SystemInfo {
  name: string;
  title: string;
  summary: string;
  href: string;
}

function isSystemInfo(value: unknown): value is SystemInfo {
  if (value === null || typeof value !== 'object') return false;
  const v = value as Record<string, unknown>;
  return typeof v['name'] === 'string' && typeof v['href'] === 'string';
}

type Status = { kind: 'loading' } | { kind: 'ready'; systems: SystemInfo[] } | { kind: 'error' };

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
        setStatus({ kind: 'ready', systems: result.data.filter(isSystemInfo) });
      })
      .catch(() => {
        /* aborted */
      });
    return () => controller.abort();
  }, []);

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
          lead="One TypeScript service hosting small, data-backed web systems; these are the ones this server runs."
        >
          Quintet
        </PageHeading>
      </div>

      <h2 id="systems-heading" className="visually-hidden">
        Systems
      </h2>
      {status.kind === 'error' && (
        <p className="notice" role="alert">
          Could not load the list of systems from this server. Reload the page to try again.
        </p>
      )}
      {status.kind === 'loading' && (
        <p className="notice" role="status">
          Loading the systems…
        </p>
      )}
      {status.kind === 'ready' && (
        <ul className="system-list" aria-labelledby="systems-heading">
          {status.systems.map((info) => (
            <li key={info.name} className="system system--on" data-testid={`system-${info.name}`}>
              <h2>
                <a href={info.href}>{info.title}</a>
              </h2>
              <p>{info.summary}</p>
              <p className="system__status">
                <span className="badge badge--accent">Open →</span>
              </p>
            </li>
          ))}
        </ul>
      )}

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
