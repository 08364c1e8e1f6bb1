import { DateTimeScalar } from '@deskgraph/platform';
import type { AnalyticsContext } from '../server';
import type { MetricsFilter } from './metrics-filter';
import type { LiveMetrics } from './metrics.service';
import type { PeriodInput } from './period';
import { drillIds, KEYSET, keysetOf, keysetPage, page, scopeOf, type KeysetDrill } from './drill-down';

interface PageArgs {
  first?: number | null;
  after?: string | null;
}

type Figure = Record<string | symbol, unknown>;

/** ticketIds-like fields resolve from the figure, or from its drill-down when it came from the aggregates. */
function ids(...fields: string[]) {
  return Object.fromEntries(fields.map((field) => [field, (parent: Figure) => drillIds(parent, field)]));
}

/** A paginated connection over one ticketIds-like field. */
function pages(connections: Record<string, string>) {
  return Object.fromEntries(
    Object.entries(connections).map(([connection, field]) => [
      connection,
      async (parent: Figure, args: PageArgs) => {
        const keyset = keysetOf(parent, field);
        if (keyset) return keysetPage(keyset, args.first, args.after);
        return page(await drillIds(parent, field), args.first, args.after, scopeOf(parent, field));
      },
    ]),
  );
}

const figureTickets = { ...ids('ticketIds'), ...pages({ tickets: 'ticketIds' }) };
const rateTickets = {
  ...ids('ticketIds', 'baseTicketIds'),
  ...pages({ tickets: 'ticketIds', baseTickets: 'baseTicketIds' }),
};

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
        ticketIds: () => drillIds(volume as unknown as Figure, 'ticketIds'),
        tickets: async (args: PageArgs) => {
          const keyset = (volume as unknown as Figure)[KEYSET] as KeysetDrill | undefined;
          if (keyset) return keysetPage(keyset, args.first, args.after);
          return page(
            await drillIds(volume as unknown as Figure, 'ticketIds'),
            args.first,
            args.after,
            scopeOf(volume, 'ticketIds'),
          );
        },
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
  MetricBucket: figureTickets,
  DurationStats: figureTickets,
  VolumeBreakdown: figureTickets,
  Backlog: figureTickets,
  BreachBreakdown: figureTickets,
  QueueMetrics: figureTickets,
  AgentMetrics: {
    ...figureTickets,
    ...ids('refusedReplyTicketIds'),
    ...pages({ refusedReplyTickets: 'refusedReplyTicketIds' }),
  },
  MetricRate: rateTickets,
  KpiTargetStatus: rateTickets,
  SlaAchievement: {
    ...ids('achievedTicketIds', 'breachedTicketIds', 'runningTicketIds'),
    ...pages({
      achievedTickets: 'achievedTicketIds',
      breachedTickets: 'breachedTicketIds',
      runningTickets: 'runningTicketIds',
    }),
  },
  LiveMetrics: {
    // Only when selected: every metricsUpdated push runs liveMetrics, and most dashboards skip targets.
    targets: (parent: LiveMetrics, _: unknown, context: AnalyticsContext) =>
      context.metrics.todayTargetStatuses(parent.queueIds, parent.at),
  },
};
