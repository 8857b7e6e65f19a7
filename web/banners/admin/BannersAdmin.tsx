// Banners admin: each campaign's collection per quarter (numbers and rule), the imports, and the
// impressions served per banner.
import { useCallback, useEffect, useState } from 'react';
import type { AdminOverviewView } from '../../../src/systems/banners/views.js';
import { api, errorMessage } from '../../ui/api.js';
import { Button } from '../../ui/Button.js';
import { Layout, Loading, Notice, PageHeading } from '../../ui/Layout.js';
import { Link, useLocation, withQuery } from '../../ui/router.js';
import { CollectionsPanel } from './CollectionsPanel.js';
import { ImportsPanel } from './ImportsPanel.js';
import { ServedPanel } from './ServedPanel.js';

const BASE = '/banners/admin';
const TABS = [
  { id: 'collections', label: 'Collections' },
  { id: 'imports', label: 'Imports' },
  { id: 'served', label: 'Served impressions' },
] as const;
type Tab = (typeof TABS)[number]['id'];

type State =
  { kind: 'loading' } | { kind: 'ready'; data: AdminOverviewView } | { kind: 'error'; message: string };

function LogoutButton() {
  const [busy, setBusy] = useState(false);
  const logout = async () => {
    setBusy(true);
    await api.post<unknown>('/api/admin/logout');
    window.location.assign('/admin/login');
  };
  return (
    <Button variant="ghost" size="small" busy={busy} onClick={() => void logout()}>
      Log out
    </Button>
  );
}

export function BannersAdmin() {
  const { query } = useLocation();
  const tabParam = query.get('tab');
  const tab: Tab = TABS.some((t) => t.id === tabParam) ? (tabParam as Tab) : 'collections';
  const [state, setState] = useState<State>({ kind: 'loading' });

  const load = useCallback(async () => {
    const result = await api.get<AdminOverviewView>('/api/banners/admin/overview');
    setState(
      result.ok ? { kind: 'ready', data: result.data } : { kind: 'error', message: errorMessage(result) },
    );
  }, []);
  useEffect(() => {
    void load();
  }, [load]);

  const current = TABS.find((t) => t.id === tab)!;
  return (
    <Layout section="Banners admin" sectionHref={BASE} width="wide" actions={<LogoutButton />}>
      <PageHeading title={`${current.label} · Banners`}>Campaign banners</PageHeading>
      <nav aria-label="Banners admin sections">
        <ul className="tabs">
          {TABS.map((t) => (
            <li key={t.id}>
              <Link
                href={withQuery(BASE, {
                  tab: t.id === 'collections' ? undefined : t.id,
                  quarter: query.get('quarter'),
                })}
                aria-current={tab === t.id ? 'page' : undefined}
              >
                {t.label}
              </Link>
            </li>
          ))}
        </ul>
      </nav>
      {state.kind === 'loading' && <Loading />}
      {state.kind === 'error' && <Notice kind="error">{state.message}</Notice>}
      {state.kind === 'ready' && (
        <>
          <p className="small-print" data-testid="banners-version">
            Collections version {state.data.version} · current quarter of the hour (UTC):{' '}
            {state.data.current_quarter}{' '}
            <Button variant="ghost" size="small" onClick={() => void load()}>
              Refresh
            </Button>
          </p>
          {tab === 'collections' && <CollectionsPanel data={state.data} />}
          {tab === 'imports' && <ImportsPanel data={state.data} onImported={() => void load()} />}
          {tab === 'served' && <ServedPanel data={state.data} />}
        </>
      )}
    </Layout>
  );
}
