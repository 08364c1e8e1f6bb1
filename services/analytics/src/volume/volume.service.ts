import { hasRole, type Identity } from '@deskgraph/platform';
import type { DataSource } from 'typeorm';
import { AnalyticsError, AnalyticsErrorCode } from './analytics.errors';

export interface Period {
  from: Date;
  to: Date;
}

export interface VolumeBucket {
  key: string;
  count: number;
}

export interface TicketVolume {
  total: number;
  byPriority: VolumeBucket[];
  byChannel: VolumeBucket[];
  byQueue: VolumeBucket[];
  ticketIds: string[];
}

const MAX_PERIOD_DAYS = 366;

/** Which queues a caller may read figures for: admins all, others their own. */
export function readableQueues(identity: Identity, requested: string[] | null | undefined): string[] | 'all' {
  if (!hasRole(identity, 'admin', 'supervisor', 'analyst')) {
    throw new AnalyticsError(
      AnalyticsErrorCode.NotAllowed,
      'Analytics are for supervisors, analysts and admins.',
    );
  }
  if (hasRole(identity, 'admin')) return requested ?? 'all';
  if (!requested) return identity.queueIds;
  const foreign = requested.filter((queueId) => !identity.queueIds.includes(queueId));
  if (foreign.length > 0) {
    throw new AnalyticsError(
      AnalyticsErrorCode.NotAllowed,
      `You cannot read figures of queues: ${foreign.join(', ')}.`,
    );
  }
  return requested;
}

export function validatePeriod(period: Period): void {
  if (period.to.getTime() <= period.from.getTime()) {
    throw new AnalyticsError(AnalyticsErrorCode.InvalidPeriod, 'period.to must be after period.from.');
  }
  if (period.to.getTime() - period.from.getTime() > MAX_PERIOD_DAYS * 86_400_000) {
    throw new AnalyticsError(
      AnalyticsErrorCode.InvalidPeriod,
      `A period may span at most ${MAX_PERIOD_DAYS} days.`,
    );
  }
}

export class VolumeService {
  constructor(private readonly dataSource: DataSource) {}

  async ticketVolume(identity: Identity, period: Period, queueIds?: string[] | null): Promise<TicketVolume> {
    validatePeriod(period);
    const queues = readableQueues(identity, queueIds);
    const rows: { ticket_id: string; priority: string; channel: string; queue_id: string }[] =
      await this.dataSource.query(
        `SELECT ticket_id, priority, channel, queue_id FROM ticket_facts
          WHERE number IS NOT NULL AND created_at >= $1 AND created_at < $2
            AND ($3::text[] IS NULL OR queue_id = ANY($3::text[]))
          ORDER BY created_at, ticket_id`,
        [period.from, period.to, queues === 'all' ? null : queues],
      );
    return {
      total: rows.length,
      byPriority: countBy(rows, (row) => row.priority),
      byChannel: countBy(rows, (row) => row.channel),
      byQueue: countBy(rows, (row) => row.queue_id),
      ticketIds: rows.map((row) => row.ticket_id),
    };
  }
}

export function countBy<T>(items: T[], key: (item: T) => string): VolumeBucket[] {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return [...counts]
    .map(([bucket, count]) => ({ key: bucket, count }))
    .sort((a, b) => b.count - a.count || a.key.localeCompare(b.key));
}
