/** Builds the discovery service with the real adapters; app.ts imports this lazily. */
import type { Config } from '../config.js';
import type { JobRunner } from '../jobs/job-runner.js';
import type { Scheduler } from '../jobs/scheduler.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../reports/metrics.js';
import type { StateStore } from '../store/state-store.js';
import { registerDiscoveryMetrics } from './discovery-metrics.js';
import { DiscoveryService } from './discovery-service.js';
import { scopeRanges } from './scope.js';
import { systemPorts } from './system-ports.js';

export const createDiscoveryService = (
  config: Config,
  store: StateStore,
  log: Logger,
  work: { jobs: JobRunner; scheduler: Scheduler },
  metrics?: Metrics,
): DiscoveryService => {
  const ranges = () => (config.discovery.mdns ? scopeRanges(store.data.discovery.scopes) : []);
  const ports = systemPorts(ranges, log);
  if (!ports.icmp) log.warn('neither fping nor ping found: the sweep relies on TCP connects and ARP only');
  const service = new DiscoveryService({
    dataDir: config.dataDir,
    config: config.discovery,
    store,
    ports,
    log,
    jobs: work.jobs,
    scheduler: work.scheduler,
  });
  if (metrics) registerDiscoveryMetrics(metrics.registry, service);
  return service;
};
