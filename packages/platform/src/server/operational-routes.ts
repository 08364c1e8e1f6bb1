import type { Express } from 'express';
import type { Metrics } from './metrics';

/** Named checks: every one must be true. */
export type HealthChecks = Record<string, boolean>;

export interface OperationalRoutesOptions {
  /** Reported as `service` by /health/live. */
  service: string;
  /** Behind /health/live; a failing check asks the orchestrator to restart the process. */
  liveness?: () => HealthChecks;
  /** Behind /health/ready; must answer at once (read last known state, never probe here). */
  readiness: () => HealthChecks | Promise<HealthChecks>;
  metrics: Metrics;
}

export interface OperationalRoutes {
  /** Readiness turns false for good: called when stopping begins, before connections drain. */
  drain(): void;
}

/**
 * `/health/live`, `/health/ready` and Prometheus `/metrics`, the same for the
 * gateway and every subgraph. Readiness is false from the moment `drain()` is
 * called, so a load balancer still polling sends nothing new to a process
 * that is going away.
 */
export function mountOperationalRoutes(app: Express, options: OperationalRoutesOptions): OperationalRoutes {
  let draining = false;
  app.get('/health/live', (_request, response) => {
    const checks = options.liveness?.() ?? {};
    const live = Object.values(checks).every(Boolean);
    response
      .status(live ? 200 : 503)
      .json({ status: live ? 'live' : 'not_live', service: options.service, checks });
  });
  app.get('/health/ready', async (_request, response) => {
    const checks: HealthChecks = draining
      ? { draining: false }
      : await Promise.resolve()
          .then(options.readiness)
          .catch(() => ({ readiness: false }));
    const ready = Object.values(checks).every(Boolean);
    response.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not_ready', checks });
  });
  app.get('/metrics', async (_request, response) => {
    response.type(options.metrics.registry.contentType).send(await options.metrics.registry.metrics());
  });
  return {
    drain() {
      draining = true;
    },
  };
}
