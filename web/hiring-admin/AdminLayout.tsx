import { useState, type ReactNode } from 'react';
import { api } from '../ui/api.js';
import { Button } from '../ui/Button.js';
import { Layout } from '../ui/Layout.js';

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

export function AdminLayout({ children }: { children: ReactNode }) {
  return (
    <Layout section="Hiring admin" sectionHref="/hiring/admin" width="wide" actions={<LogoutButton />}>
      {children}
    </Layout>
  );
}
