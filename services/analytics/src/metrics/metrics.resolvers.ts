import { DateTimeScalar } from '@deskgraph/platform';
import type { AnalyticsContext } from '../server';
import type { MetricsFilter } from './metrics-filter';
import type { LiveMetrics } from './metrics.service';
import type { PeriodInput } from './period';

interface PeriodArgs {
  period: PeriodInput;
  filter?: MetricsFilter | null;
}

export const metricsResolvers = {
  DateTime: DateTimeScalar,
  Query: {
    ticketVolume: async (
      _: unknown,
      args: { period: PeriodInput; queueIds?: string[] | null },
      context: AnalyticsContext,
    ) => {
      const { volume } = await context.metrics.ticketMetrics(context.identity, args.period, {
        queueIds: args.queueIds,
      });
      return {
        total: volume.total,
        byPriority: volume.byPriority,
        byChannel: volume.byChannel,
        byQueue: volume.byQueue,
        ticketIds: volume.ticketIds,
      };
    },
    ticketMetrics: (_: unknown, args: PeriodArgs, context: AnalyticsContext) =>
      context.metrics.ticketMetrics(context.identity, args.period, args.filter),
    agentMetrics: (_: unknown, args: PeriodArgs, context: AnalyticsContext) =>
      context.metrics.agentMetrics(context.identity, args.period, args.filter),
    queueMetrics: (_: unknown, args: PeriodArgs, context: AnalyticsContext) =>
      context.metrics.queueMetrics(context.identity, args.period, args.filter),
    weeklyReview: (
      _: unknown,
      args: { weekOf?: Date | null; filter?: MetricsFilter | null },
      context: AnalyticsContext,
    ) => context.metrics.weeklyReview(context.identity, args.weekOf, args.filter),
    liveMetrics: (_: unknown, args: { queueIds: string[] }, context: AnalyticsContext) =>
      context.metrics.liveMetrics(context.identity, args.queueIds),
  },
  LiveMetrics: {
    // Only when selected: every metricsUpdated push runs liveMetrics, and most dashboards skip targets.
    targets: (parent: LiveMetrics, _: unknown, context: AnalyticsContext) =>
      context.metrics.todayTargetStatuses(parent.queueIds, parent.at),
  },
};
