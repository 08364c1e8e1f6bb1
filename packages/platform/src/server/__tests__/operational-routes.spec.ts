import type { AddressInfo } from 'node:net';
import express from 'express';
import { createMetrics } from '../metrics';
import { mountOperationalRoutes } from '../operational-routes';

// The gateway and every subgraph serve these routes through this one function.
describe('operational routes', () => {
  const checks = { database: true, kafka: true };
  let live = true;
  const app = express();
  const routes = mountOperationalRoutes(app, {
    service: 'example',
    liveness: () => ({ consumers: live }),
    readiness: async () => ({ ...checks }),
    metrics: createMetrics('example'),
  });
  let server: ReturnType<typeof app.listen>;
  let base: string;

  beforeAll(async () => {
    server = await new Promise((resolve) => {
      const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
    });
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const get = async (path: string) => {
    const response = await fetch(`${base}${path}`);
    return { status: response.status, body: await response.text() };
  };

  it('should report readiness check by check, 503 when one fails', async () => {
    expect(await get('/health/ready')).toEqual({
      status: 200,
      body: JSON.stringify({ status: 'ready', checks: { database: true, kafka: true } }),
    });
    checks.kafka = false;
    const down = await get('/health/ready');
    expect(down.status).toBe(503);
    expect(JSON.parse(down.body)).toEqual({ status: 'not_ready', checks: { database: true, kafka: false } });
    checks.kafka = true;
  });

  it('should answer 503 on /health/live once a liveness check fails', async () => {
    expect((await get('/health/live')).status).toBe(200);
    live = false;
    expect(JSON.parse((await get('/health/live')).body)).toEqual({
      status: 'not_live',
      service: 'example',
      checks: { consumers: false },
    });
    live = true;
  });

  it('should serve Prometheus metrics', async () => {
    const metrics = await get('/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.body).toContain('deskgraph_events_consumed_total');
  });

  it('should turn not ready for good once draining begins, whatever the dependencies say', async () => {
    routes.drain();
    const draining = await get('/health/ready');
    expect(draining.status).toBe(503);
    expect(JSON.parse(draining.body)).toEqual({ status: 'not_ready', checks: { draining: false } });
    expect((await get('/health/live')).status).toBe(200);
  });
});
