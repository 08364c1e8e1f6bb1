import type { AnalyticsContext } from '../server';
import type { KpiTargetInput } from '../metrics/kpi-targets';

export const kpiTargetResolvers = {
  Query: {
    kpiTargets: (_: unknown, args: { queueIds?: string[] | null }, context: AnalyticsContext) =>
      context.targets.list(context.identity, args.queueIds),
  },
  Mutation: {
    setKpiTarget: (_: unknown, args: { input: KpiTargetInput }, context: AnalyticsContext) =>
      context.targets.set(context.identity, args.input),
    removeKpiTarget: (
      _: unknown,
      args: { kpi: string; queueId?: string | null },
      context: AnalyticsContext,
    ) => context.targets.remove(context.identity, args.kpi, args.queueId),
  },
};
