/** A valid discovered asset for tests that need one on disk; override what the test is about. */
import type { Asset } from '../daemon/discovery/asset.js';

export const sampleAsset = (overrides: Partial<Asset> & Pick<Asset, 'id' | 'ip'>): Asset => ({
  mac: null,
  ipHistory: [],
  vendor: null,
  hostnames: [],
  services: [],
  openPorts: [],
  banners: {},
  deviceClass: 'unknown',
  os: null,
  model: null,
  evidence: [],
  seenBy: ['icmp'],
  firstSeen: '2026-01-05T12:00:00.000Z',
  lastSeen: '2026-01-05T12:00:00.000Z',
  online: true,
  isNew: false,
  tags: [],
  notes: '',
  lastScanId: null,
  events: [],
  ...overrides,
});
