/**
 * Prometheus metrics: one registry per daemon (no global), default process metrics, and the
 * counters other services register through `registry`.
 */
import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';

export class Metrics {
  readonly registry = new Registry();
  readonly httpRequests: Counter<'method' | 'route' | 'status'>;
  readonly httpDuration: Histogram<'method' | 'route'>;
  readonly stateWrites: Counter;

  constructor(stateWrites: () => number) {
    this.registry.setDefaultLabels({ app: 'patch_depot' });
    collectDefaultMetrics({ register: this.registry, prefix: 'patch_depot_' });
    this.httpRequests = new Counter({
      name: 'patch_depot_http_requests_total',
      help: 'HTTP requests served by the UI and API',
      labelNames: ['method', 'route', 'status'],
      registers: [this.registry],
    });
    this.httpDuration = new Histogram({
      name: 'patch_depot_http_request_duration_seconds',
      help: 'HTTP request latency',
      labelNames: ['method', 'route'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [this.registry],
    });
    let reported = 0;
    this.stateWrites = new Counter({
      name: 'patch_depot_state_writes_total',
      help: 'Times the state file was rewritten since start',
      registers: [this.registry],
      collect() {
        const now = stateWrites();
        this.inc(Math.max(0, now - reported));
        reported = now;
      },
    });
  }

  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
