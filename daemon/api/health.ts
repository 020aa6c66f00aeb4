/** GET /healthz: liveness and readiness for systemd, load balancers and the console. */
import { Hono } from 'hono';

export interface HealthSource {
  version: string;
  startedAt: Date;
  /** Empty when all is well; otherwise one line per problem. */
  problems(): string[];
}

export interface HealthResponse {
  status: 'ok' | 'degraded';
  version: string;
  uptimeSeconds: number;
  problems: string[];
}

export const healthRoutes = (source: HealthSource) => {
  const app = new Hono();
  app.get('/healthz', (c) => {
    const problems = source.problems();
    const body: HealthResponse = {
      status: problems.length ? 'degraded' : 'ok',
      version: source.version,
      uptimeSeconds: Math.round((Date.now() - source.startedAt.getTime()) / 1000),
      problems,
    };
    c.header('Cache-Control', 'no-store');
    return c.json(body, problems.length ? 503 : 200);
  });
  return app;
};
