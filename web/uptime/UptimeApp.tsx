// The uptime page (admin): start a report and follow it, browse a complete one as a table with the
// fleet's totals, open a store's hours, figures and week; recent reports below.
import { useCallback, useEffect, useRef, useState, type ReactNode, type Ref } from 'react';
import { Layout, PageHeading } from '../ui/Layout.js';
import { LogoutButton } from '../ui/LogoutButton.js';
import { navigate, useLocation } from '../ui/router.js';
import { BASE, readPageQuery, reportHref, type TableQuery } from './links.js';
import { RecentReports } from './RecentReports.js';
import { ReportPanel, useReport } from './ReportPanel.js';
import { ReportTable } from './ReportTable.js';
import { StoreView } from './StoreView.js';
import { TriggerReport } from './TriggerReport.js';
import type { Report } from './types.js';

export function UptimeApp() {
  const { query } = useLocation();
  const page = readPageQuery(query);
  /** Reloads the recent reports when a report starts or moves on. */
  const [reloadKey, setReloadKey] = useState('');
  const headingRef = useRef<HTMLHeadingElement>(null);
  const focusReport = useRef(false);
  const pickedLatest = useRef(false);

  // A report was just started: move focus to its panel so keyboard and screen-reader users follow it.
  useEffect(() => {
    if (focusReport.current && page.report !== null) {
      focusReport.current = false;
      headingRef.current?.focus({ preventScroll: true });
      headingRef.current?.scrollIntoView({ block: 'nearest', behavior: 'smooth' });
    }
  }, [page.report]);

  const started = (report: Report) => {
    focusReport.current = true;
    pickedLatest.current = true;
    setReloadKey(`started-${report.id}`);
    navigate(reportHref(report.id));
  };

  const onStatus = useCallback((report: Report) => setReloadKey(`${report.id}-${report.status}`), []);

  // Opening the page without a report shows the newest one (once: "Hide" leaves it hidden).
  const onLoaded = useCallback((reports: readonly Report[]) => {
    if (pickedLatest.current) return;
    pickedLatest.current = true;
    const latest = reports[0];
    if (latest !== undefined && new URLSearchParams(window.location.search).get('report') === null) {
      navigate(reportHref(latest.id), { replace: true });
    }
  }, []);

  if (page.report !== null && page.store !== null) {
    return (
      <UptimeLayout>
        <PageHeading key="store" title={`Store ${page.store}`}>
          Store <code className="store-id">{page.store}</code>
        </PageHeading>
        <StoreView
          key={`${page.store}|${page.at ?? ''}`}
          storeId={page.store}
          at={page.at}
          backHref={reportHref(page.report, page.table)}
        />
      </UptimeLayout>
    );
  }

  return (
    <UptimeLayout>
      <PageHeading
        key="reports"
        title="Store uptime"
        lead="How long each store was up and down during its business hours in the last hour, day and week, worked out in the background from the polls in the database."
      >
        Store uptime
      </PageHeading>
      <div className={`uptime-grid${page.report !== null ? ' uptime-grid--report' : ''}`}>
        <TriggerReport onStarted={started} />
        {page.report !== null && (
          <SelectedReport
            key={page.report}
            id={page.report}
            table={page.table}
            headingRef={headingRef}
            onStatus={onStatus}
          />
        )}
      </div>
      {page.report === null && (
        <p className="small-print">Start a report, or open one of the recent ones below.</p>
      )}
      <RecentReports
        selected={page.report}
        hrefFor={(id) => reportHref(id)}
        reloadKey={reloadKey}
        onLoaded={onLoaded}
      />
    </UptimeLayout>
  );
}

function UptimeLayout({ children }: { children: ReactNode }) {
  return (
    <Layout section="Uptime" sectionHref={BASE} width="wide" actions={<LogoutButton />}>
      {children}
    </Layout>
  );
}

/** The selected report's panel and, once it is complete, its table (rendered after the grid). */
function SelectedReport({
  id,
  table,
  headingRef,
  onStatus,
}: {
  id: string;
  table: TableQuery;
  headingRef: Ref<HTMLHeadingElement>;
  onStatus: (report: Report) => void;
}) {
  const view = useReport(id);
  const report = view.kind === 'ready' ? view.data : null;
  const status = report?.status;

  const latest = useRef({ report, onStatus });
  useEffect(() => {
    latest.current = { report, onStatus };
  });
  // Tell the page when the report moves on (the recent list refreshes then), not on every poll.
  useEffect(() => {
    const { report: current, onStatus: notify } = latest.current;
    if (current !== null) notify(current);
  }, [status]);

  return (
    <>
      <ReportPanel view={view} id={id} headingRef={headingRef} onClose={() => navigate(reportHref(null))} />
      {report !== null && report.status === 'complete' && (
        <div className="uptime-grid__full">
          <ReportTable report={report} table={table} />
        </div>
      )}
    </>
  );
}
