/**
 * Prometheus metrics for discovery, registered on the daemon's registry and computed when
 * scraped (no bookkeeping on the hot path): assets by state and class, scans by outcome, and the
 * last scan's duration and device count.
 */
import { Gauge, type Registry } from 'prom-client';
import type { DiscoveryService } from './discovery-service.js';

export const registerDiscoveryMetrics = (registry: Registry, discovery: DiscoveryService): void => {
  new Gauge({
    name: 'patch_depot_discovery_assets',
    help: 'Assets known to discovery, by online state and device class',
    labelNames: ['state', 'class'],
    registers: [registry],
    collect() {
      this.reset();
      for (const a of discovery.assets.all())
        this.inc({ state: a.online ? 'online' : 'offline', class: a.deviceClass });
    },
  });
  new Gauge({
    name: 'patch_depot_discovery_new_assets',
    help: 'Assets flagged new (not yet reviewed)',
    registers: [registry],
    collect() {
      let n = 0;
      for (const a of discovery.assets.all()) if (a.isNew) n++;
      this.set(n);
    },
  });
  new Gauge({
    name: 'patch_depot_discovery_scans',
    help: 'Scans in the kept history, by status',
    labelNames: ['status'],
    registers: [registry],
    collect() {
      this.reset();
      for (const s of discovery.history()) this.inc({ status: s.status });
    },
  });
  new Gauge({
    name: 'patch_depot_discovery_last_scan_seconds',
    help: 'Duration of the most recent finished scan',
    registers: [registry],
    collect() {
      const last = discovery.history().find((s) => s.durationMs !== null);
      if (last) this.set(last.durationMs! / 1000);
    },
  });
  new Gauge({
    name: 'patch_depot_discovery_last_scan_devices',
    help: 'Devices found by the most recent completed scan',
    registers: [registry],
    collect() {
      const last = discovery.history().find((s) => s.counts !== null);
      if (last) this.set(last.counts!.found);
    },
  });
};
