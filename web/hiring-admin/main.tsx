import { setUnauthorizedHandler } from '../ui/api.js';
import { mount } from '../ui/mount.js';
import { configureRouter } from '../ui/router.js';
import { AdminApp } from './AdminApp.js';

configureRouter((pathname) => pathname === '/hiring/admin' || pathname.startsWith('/hiring/admin/'));

// An expired admin session: log in again, then come back here.
setUnauthorizedHandler(() => {
  const next = window.location.pathname + window.location.search;
  window.location.assign(`/admin/login?next=${encodeURIComponent(next)}`);
});

mount(<AdminApp />);
