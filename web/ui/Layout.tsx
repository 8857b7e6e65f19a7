import { useEffect, useRef, type ReactNode } from 'react';
import { hasNavigatedClientSide, Link, useLocation } from './router.js';

export interface NavItem {
  href: string;
  label: string;
  /** Whether the item is the current page; by default the paths are compared. */
  current?: boolean;
}

export interface LayoutProps {
  /** The part of Quintet this page belongs to, shown next to the brand ("Hiring", "Admin"). */
  section?: string;
  sectionHref?: string;
  nav?: readonly NavItem[];
  /** Extra header controls (e.g. a "Log out" button). */
  actions?: ReactNode;
  /** Page width: "narrow" for forms, "wide" for tables and charts. */
  width?: 'narrow' | 'normal' | 'wide';
  children: ReactNode;
}

/** The page frame: skip link, header with brand + nav, main content, footer. */
export function Layout({ section, sectionHref, nav = [], actions, width = 'normal', children }: LayoutProps) {
  const { pathname } = useLocation();
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="site-header">
        <div className="site-header__inner">
          <div className="brand">
            <a className="brand__name" href="/">
              <span className="brand__mark" aria-hidden="true">
                Q
              </span>
              Quintet
            </a>
            {section !== undefined &&
              (sectionHref !== undefined ? (
                <Link className="brand__section" href={sectionHref}>
                  {section}
                </Link>
              ) : (
                <span className="brand__section">{section}</span>
              ))}
          </div>
          {(nav.length > 0 || actions !== undefined) && (
            <div className="site-header__end">
              {nav.length > 0 && (
                <nav aria-label="Main">
                  <ul className="nav-list">
                    {nav.map((item) => {
                      const current = item.current ?? item.href === pathname;
                      return (
                        <li key={item.href}>
                          <Link href={item.href} aria-current={current ? 'page' : undefined}>
                            {item.label}
                          </Link>
                        </li>
                      );
                    })}
                  </ul>
                </nav>
              )}
              {actions}
            </div>
          )}
        </div>
      </header>
      <main id="main" tabIndex={-1} className={`site-main site-main--${width}`}>
        {children}
      </main>
      <footer className="site-footer">
        <p>
          Quintet · <a href="/">Home</a> · <a href="/docs">API documentation</a>
        </p>
      </footer>
    </>
  );
}

export interface PageHeadingProps {
  children: ReactNode;
  /** The document title (defaults to the heading when it is plain text). */
  title?: string;
  lead?: ReactNode;
  id?: string;
}

/** The page's <h1>; sets the document title and takes focus after an in-app navigation. */
export function PageHeading({ children, title, lead, id }: PageHeadingProps) {
  const ref = useRef<HTMLHeadingElement>(null);
  const text = title ?? (typeof children === 'string' ? children : undefined);
  useEffect(() => {
    if (text !== undefined) document.title = `${text} · Quintet`;
  }, [text]);
  useEffect(() => {
    if (hasNavigatedClientSide()) ref.current?.focus({ preventScroll: true });
  }, []);
  return (
    <div className="page-heading">
      <h1 ref={ref} tabIndex={-1} id={id}>
        {children}
      </h1>
      {lead !== undefined && <p className="lead">{lead}</p>}
    </div>
  );
}

/** A status line for screen readers and sighted users ("Saved.", "Loading…"). */
export function Notice({
  kind = 'info',
  children,
  testId,
}: {
  kind?: 'info' | 'success' | 'error';
  children: ReactNode;
  testId?: string;
}) {
  return (
    <div
      className={`notice notice--${kind}`}
      role={kind === 'error' ? 'alert' : 'status'}
      data-testid={testId}
    >
      {children}
    </div>
  );
}

export function Loading({ label = 'Loading…' }: { label?: string }) {
  return (
    <p className="loading" role="status">
      <span className="spinner" aria-hidden="true" />
      {label}
    </p>
  );
}
