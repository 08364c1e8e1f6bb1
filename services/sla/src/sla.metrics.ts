import type { Metrics } from '@deskgraph/platform';
import { Gauge, Histogram } from 'prom-client';
import type { DataSource } from 'typeorm';

export interface SlaMetrics {
  /** How late a warning or breach fired after its moment. */
  timerLateness: Histogram<'kind'>;
}

/**
 * SLA figures on the service's /metrics: timer lateness, and the durable
 * counts of ticket events that could not be applied as such (unknown ticket,
 * stale, duplicate create), read from the anomalies table at scrape time so
 * every replica reports the same total.
 */
export function createSlaMetrics(metrics: Metrics, dataSource: DataSource): SlaMetrics {
  new Gauge({
    name: 'deskgraph_sla_event_anomalies',
    help: 'Ticket events the SLA service counted instead of applying, by kind and event type (all replicas)',
    labelNames: ['kind', 'event_type'],
    registers: [metrics.registry],
    async collect() {
      this.reset();
      if (!dataSource.isInitialized) return;
      const rows: { kind: string; event_type: string; count: string }[] = await dataSource.query(
        `SELECT kind, event_type, count FROM anomalies`,
      );
      for (const row of rows) this.set({ kind: row.kind, event_type: row.event_type }, Number(row.count));
    },
  });
  return {
    timerLateness: new Histogram({
      name: 'deskgraph_sla_timer_lateness_seconds',
      help: 'Delay between a warning or breach moment and its firing',
      labelNames: ['kind'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 30, 300],
      registers: [metrics.registry],
    }),
  };
}
