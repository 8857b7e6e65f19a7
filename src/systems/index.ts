import type { AnySystemModule } from '../platform/system.js';
import { bannersSystem } from './banners/system.js';
import { diffingSystem } from './diffing/system.js';
import { hiringSystem } from './hiring/system.js';
import { surveysSystem } from './surveys/system.js';
import { uptimeSystem } from './uptime/system.js';

/** Every system of this build, in home-page order. Adding a system is one line here. */
export const SYSTEMS: readonly AnySystemModule[] = [
  hiringSystem,
  diffingSystem,
  uptimeSystem,
  bannersSystem,
  surveysSystem,
];

/** The modules of these system names, in build order. */
export function systemsNamed(names: readonly string[]): AnySystemModule[] {
  return SYSTEMS.filter((s) => names.includes(s.name));
}
