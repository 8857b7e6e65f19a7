import type { SystemName } from '../config.js';
import type { SystemModule } from '../platform/system.js';
import { diffingSystem } from './diffing/system.js';
import { hiringSystem } from './hiring/system.js';

/** Every system built so far, in home-page order. */
export const SYSTEMS: readonly SystemModule[] = [hiringSystem, diffingSystem];

export function enabledSystems(names: readonly SystemName[]): SystemModule[] {
  return SYSTEMS.filter((s) => names.includes(s.name));
}
