// Hiring admin: applicants (search, filter, page, detail, move state) and the weekly funnel.
import { PageHeading } from '../ui/Layout.js';
import { Link, useLocation } from '../ui/router.js';
import { AdminLayout } from './AdminLayout.js';
import { ApplicantDetailPage } from './ApplicantDetailPage.js';
import { ApplicantsPanel, listHref } from './ApplicantsPanel.js';
import { FunnelPanel } from './FunnelPanel.js';

export function AdminApp() {
  const { pathname, query } = useLocation();
  const path = pathname.replace(/\/+$/, '');
  const detail = /^\/hiring\/admin\/applicants\/([^/]+)$/.exec(path);
  if (detail?.[1] !== undefined) {
    const id = decodeURIComponent(detail[1]);
    return <ApplicantDetailPage key={id} id={id} />;
  }
  if (path !== '/hiring/admin') {
    return (
      <AdminLayout>
        <PageHeading>Page not found</PageHeading>
        <p>
          <Link href="/hiring/admin">Back to the hiring admin</Link>
        </p>
      </AdminLayout>
    );
  }
  const tab = query.get('tab') === 'funnel' ? 'funnel' : 'applicants';
  return (
    <AdminLayout>
      <PageHeading title={tab === 'funnel' ? 'Hiring funnel' : 'Applicants'}>Hiring admin</PageHeading>
      <nav aria-label="Hiring admin sections">
        <ul className="tabs">
          <li>
            <Link href={listHref()} aria-current={tab === 'applicants' ? 'page' : undefined}>
              Applicants
            </Link>
          </li>
          <li>
            <Link href="/hiring/admin?tab=funnel" aria-current={tab === 'funnel' ? 'page' : undefined}>
              Funnel
            </Link>
          </li>
        </ul>
      </nav>
      {tab === 'funnel' ? <FunnelPanel /> : <ApplicantsPanel />}
    </AdminLayout>
  );
}
