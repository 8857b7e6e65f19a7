import { setUnauthorizedHandler } from '../ui/api.js';
import { mount } from '../ui/mount.js';
import { configureRouter } from '../ui/router.js';
import { DiffingApp } from './DiffingApp.js';
import './diffing.css';

configureRouter((pathname) => pathname === '/diffing' || pathname === '/diffing/');

// Should the diffing API ever ask for the admin session: log in, then come back here.
setUnauthorizedHandler(() => {
  const next = window.location.pathname + window.location.search;
  window.location.assign(`/admin/login?next=${encodeURIComponent(next)}`);
});

mount(<DiffingApp />);
