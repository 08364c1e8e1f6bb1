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

export const KpiTargetDirectionSchema = Type.Union([Type.Literal('AT_LEAST'), Type.Literal('AT_MOST')]);

/**
 * A KPI crossed its target on today's figures (met → missed or missed → met),
 * per queue or desk-wide. Emitted once per crossing: the last known state is
 * kept with the outbox write, and a KPI counts as met until shown otherwise.
 */
export const AnalyticsKpiTargetCrossedV1 = defineEvent({
  type: 'deskgraph.analytics.kpi_target_crossed.v1',
  topic: TOPICS.analytics,
  description:
    'A KPI of today (desk time zone) crossed its target, for one queue or desk-wide (queueId null). Key and subject: "<kpi>:<queueId or desk>".',
  data: Type.Object(
    {
      kpi: Type.String({ description: 'KPI name, e.g. satisfactionRate, repeatComplaintRate.' }),
      queueId: Type.Union([Type.String(), Type.Null()], { description: 'Null: the whole desk.' }),
      value: Type.Number({ description: 'The KPI now, a fraction (0.95 = 95 %).' }),
      target: Type.Number({ minimum: 0, maximum: 1, description: 'The target, a fraction.' }),
      direction: KpiTargetDirectionSchema,
      met: Type.Boolean({ description: 'True: the KPI now meets its target; false: it now misses it.' }),
      period: Type.Object({ from: Timestamp, to: Timestamp }, { additionalProperties: false }),
      at: Timestamp,
    },
    { additionalProperties: false },
  ),
});
