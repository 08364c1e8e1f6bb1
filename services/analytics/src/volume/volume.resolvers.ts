import { DateTimeScalar } from '@deskgraph/platform';
import type { AnalyticsContext } from '../server';
import type { Period } from './volume.service';

export const volumeResolvers = {
  DateTime: DateTimeScalar,
  Query: {
    ticketVolume: (
      _: unknown,
      args: { period: Period; queueIds?: string[] | null },
      context: AnalyticsContext,
    ) => context.volume.ticketVolume(context.identity, args.period, args.queueIds),
  },
};
