import { Type } from '@sinclair/typebox';
import { defineEvent } from '../envelope';
import { TOPICS } from '../topics';
import { Timestamp } from './common';

/**
 * The analytics projections of some queues changed. Emitted at most once a
 * second (changes in between are batched), so live dashboards refetch their
 * figures instead of recomputing them from raw events.
 */
export const AnalyticsMetricsChangedV1 = defineEvent({
  type: 'deskgraph.analytics.metrics_changed.v1',
  topic: TOPICS.analytics,
  description:
    'The figures of these queues changed (batched, at most once a second). Key and subject: "metrics".',
  data: Type.Object(
    {
      queueIds: Type.Array(Type.String(), { minItems: 1, description: 'Queues whose figures changed.' }),
      eventsApplied: Type.Integer({ minimum: 1, description: 'Events applied since the previous signal.' }),
      at: Timestamp,
    },
    { additionalProperties: false },
  ),
});
