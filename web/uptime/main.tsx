import { setUnauthorizedHandler } from '../ui/api.js';
import { mount } from '../ui/mount.js';
import { configureRouter } from '../ui/router.js';
import { UptimeApp } from './UptimeApp.js';
import './uptime.css';

configureRouter((pathname) => pathname === '/uptime' || pathname === '/uptime/');

// An expired admin session: log in again, then come back here.
setUnauthorizedHandler(() => {
  const next = window.location.pathname + window.location.search;
  window.location.assign(`/admin/login?next=${encodeURIComponent(next)}`);
});

mount(<UptimeApp />);
