import { setUnauthorizedHandler } from '../../ui/api.js';
import { mount } from '../../ui/mount.js';
import { configureRouter } from '../../ui/router.js';
import { BannersAdmin } from './BannersAdmin.js';

configureRouter((pathname) => pathname === '/banners/admin' || pathname === '/banners/admin/');

// An expired admin session: log in again, then come back here.
setUnauthorizedHandler(() => {
  const next = window.location.pathname + window.location.search;
  window.location.assign(`/admin/login?next=${encodeURIComponent(next)}`);
});

mount(<BannersAdmin />);
