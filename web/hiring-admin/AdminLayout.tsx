import type { ReactNode } from 'react';
import { Layout } from '../ui/Layout.js';
import { LogoutButton } from '../ui/LogoutButton.js';

export function AdminLayout({ children }: { children: ReactNode }) {
  return (
    <Layout section="Hiring admin" sectionHref="/hiring/admin" width="wide" actions={<LogoutButton />}>
      {children}
    </Layout>
  );
}
