import { useState } from 'react';
import { api } from './api.js';
import { Button } from './Button.js';

/** Ends the admin session and goes to the login page (every admin page's header has one). */
export function LogoutButton() {
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
