// The public hiring site: landing, apply (2 steps + confirmation), track and edit an application.
import { PageHeading } from '../ui/Layout.js';
import { configureRouter, Link, useLocation } from '../ui/router.js';
import { ApplyPage, BackgroundCheckPage, ConfirmationPage } from './Apply.js';
import { useApplyFlow } from './flow.js';
import { HiringLayout } from './HiringLayout.js';
import { Landing, TrackPage } from './Landing.js';
import { MyApplication } from './MyApplication.js';

/** Paths this page renders itself (the hiring admin is another page). */
export function ownsHiringPath(pathname: string): boolean {
  if (
    pathname === '/hiring' ||
    pathname === '/instacart_shopper' ||
    pathname.startsWith('/instacart_shopper/')
  ) {
    return true;
  }
  if (!pathname.startsWith('/hiring/')) return false;
  return !/^\/hiring\/(admin|api)(\/|$)/.test(pathname);
}

configureRouter(ownsHiringPath);

function normalize(pathname: string): string {
  const trimmed = pathname.replace(/\/+$/, '');
  return trimmed === '' ? '/' : trimmed;
}

export function App() {
  const { pathname } = useLocation();
  const flow = useApplyFlow();

  switch (normalize(pathname)) {
    case '/hiring':
    case '/instacart_shopper':
      return <Landing />;
    case '/hiring/apply':
      return <ApplyPage flow={flow} />;
    case '/hiring/apply/background-check':
      return <BackgroundCheckPage flow={flow} />;
    case '/hiring/apply/confirmation':
      return <ConfirmationPage flow={flow} />;
    case '/hiring/track':
      return <TrackPage />;
    case '/hiring/application':
      return <MyApplication />;
    default:
      return <NotFound />;
  }
}

function NotFound() {
  return (
    <HiringLayout width="narrow">
      <PageHeading lead="This page doesn't exist. It may have moved.">Page not found</PageHeading>
      <p>
        <Link href="/hiring/">Go to the hiring home page</Link>
      </p>
    </HiringLayout>
  );
}
