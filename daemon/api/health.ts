/**
 * GET /healthz: liveness and readiness for systemd, load balancers and the console. The answer is
 * HTTP 200 whenever the daemon answers at all (it is alive); `status` is `degraded` with the
 * reasons when a service reports problems (a stale feed, a full cache, a failed scan...).
 */
import { Hono } from 'hono';
import type { Problem } from '../observability/health.js';

export interface HealthSource {
  version: string;
  startedAt: Date;
  /** Empty when all is well; otherwise one entry per problem. */
  problems(): Problem[] | Promise<Problem[]>;
}

export interface HealthResponse {
  status: 'ok' | 'degraded';
  version: string;
  uptimeSeconds: number;
  problems: Problem[];
}

export const healthRoutes = (source: HealthSource) => {
  const app = new Hono();
  app.get('/healthz', async (c) => {
    const problems = await source.problems();
    const body: HealthResponse = {
      status: problems.length ? 'degraded' : 'ok',
      version: source.version,
      uptimeSeconds: Math.round((Date.now() - source.startedAt.getTime()) / 1000),
      problems,
    };
    c.header('Cache-Control', 'no-store');
    return c.json(body, 200);
  });
  return app;
};
