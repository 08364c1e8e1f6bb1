import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Prometheus metrics every deskgraph process exposes on /metrics. */
export interface Metrics {
  registry: Registry;
  outboxPublished: Counter;
  outboxPublishFailures: Counter;
  eventsConsumed: Counter<'group' | 'type' | 'outcome'>;
  deadLettered: Counter<'group' | 'reason'>;
  consumerReady: Gauge<'group'>;
  consumerRestarts: Counter<'group'>;
  consumerBatchSize: Histogram<'group'>;
  consumerLag: Gauge<'group' | 'topic' | 'partition'>;
  graphqlDuration: Histogram<'operation'>;
  databaseStatements: Counter;
  graphqlRequests: Counter<'outcome' | 'code'>;
}

export function createMetrics(service: string): Metrics {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    outboxPublished: new Counter({
      name: 'deskgraph_outbox_published_total',
      help: 'Outbox events published to Kafka',
      registers: [registry],
    }),
    outboxPublishFailures: new Counter({
      name: 'deskgraph_outbox_publish_failures_total',
      help: 'Outbox batches that failed to publish and will be retried',
      registers: [registry],
    }),
    eventsConsumed: new Counter({
      name: 'deskgraph_events_consumed_total',
      help: 'Events handled by consumers, by outcome (applied, duplicate, ignored, dead_lettered)',
      labelNames: ['group', 'type', 'outcome'],
      registers: [registry],
    }),
    deadLettered: new Counter({
      name: 'deskgraph_events_dead_lettered_total',
      help: 'Events sent to a dead-letter topic, by reason',
      labelNames: ['group', 'reason'],
      registers: [registry],
    }),
    consumerReady: new Gauge({
      name: 'deskgraph_consumer_ready',
      help: '1 when the consumer group has joined and has partitions assigned',
      labelNames: ['group'],
      registers: [registry],
    }),
    consumerRestarts: new Counter({
      name: 'deskgraph_consumer_restarts_total',
      help: 'Consumers restarted after a crash that kafkajs does not restart by itself',
      labelNames: ['group'],
      registers: [registry],
    }),
    consumerBatchSize: new Histogram({
      name: 'deskgraph_consumer_batch_events',
      help: 'Events applied per consumer transaction',
      labelNames: ['group'],
      buckets: [1, 2, 5, 10, 25, 50, 100, 250, 500],
      registers: [registry],
    }),
    consumerLag: new Gauge({
      name: 'deskgraph_consumer_lag',
      help: 'Messages behind the end of the partition after the last batch this process handled',
      labelNames: ['group', 'topic', 'partition'],
      registers: [registry],
    }),
    graphqlRequests: new Counter({
      name: 'deskgraph_graphql_requests_total',
      help: 'GraphQL operations answered, by outcome (ok, error) and the first error code',
      labelNames: ['outcome', 'code'],
      registers: [registry],
    }),
    graphqlDuration: new Histogram({
      name: 'deskgraph_graphql_request_duration_seconds',
      help: 'GraphQL request duration',
      labelNames: ['operation'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    databaseStatements: new Counter({
      name: 'deskgraph_database_statements_total',
      help: 'SQL statements sent to PostgreSQL, each a round trip (BEGIN and COMMIT included)',
      registers: [registry],
    }),
  };
}

/**
 * Times every GraphQL operation and counts it by outcome, for the gateway and
 * every subgraph alike; the error code (not the client-chosen operation name)
 * labels errors, so the label set stays bounded.
 */
export function graphqlMetricsPlugin(metrics: Metrics): ApolloServerPlugin<BaseContext> {
  return {
    async requestDidStart() {
      const stopTimer = metrics.graphqlDuration.startTimer();
      return {
        async willSendResponse(requestContext) {
          stopTimer({ operation: requestContext.operationName ?? 'anonymous' });
          const errors = requestContext.errors ?? [];
          const code = errors.length > 0 ? String(errors[0].extensions?.code ?? 'INTERNAL_SERVER_ERROR') : '';
          metrics.graphqlRequests.inc({ outcome: errors.length > 0 ? 'error' : 'ok', code });
        },
      };
    },
  };
}
