/** What one scan saw of one device, for tests of what is made of it; override what the test is about. */
import type { Observation } from '../daemon/discovery/scanner.js';

export const sampleObservation = (
  overrides: Partial<Observation> & Pick<Observation, 'ip'>,
): Observation => ({
  mac: null,
  vendor: null,
  seenBy: ['icmp'],
  rttMs: 1,
  openPorts: [],
  banners: {},
  hostnames: [],
  services: [],
  deviceClass: 'unknown',
  os: null,
  model: null,
  evidence: [],
  ...overrides,
});
