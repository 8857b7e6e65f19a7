import type { ReactNode } from 'react';
import { Layout } from '../ui/Layout.js';
import { useLocation } from '../ui/router.js';

export function HiringLayout({
  children,
  width = 'normal',
}: {
  children: ReactNode;
  width?: 'narrow' | 'normal' | 'wide';
}) {
  const { pathname } = useLocation();
  return (
    <Layout
      section="Hiring"
      sectionHref="/hiring/"
      width={width}
      nav={[
        { href: '/hiring/apply', label: 'Apply', current: pathname.startsWith('/hiring/apply') },
        {
          href: '/hiring/application',
          label: 'Track my application',
          current: pathname === '/hiring/application' || pathname === '/hiring/track',
        },
      ]}
    >
      {children}
    </Layout>
  );
}
