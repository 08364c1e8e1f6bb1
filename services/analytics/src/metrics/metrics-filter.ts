import { ChannelSchema, PrioritySchema, TicketTypeSchema } from '@deskgraph/events';
import { hasRole, type Identity } from '@deskgraph/platform';
import { AnalyticsError, AnalyticsErrorCode, notAllowed } from '../analytics.errors';

export interface MetricsFilter {
  queueIds?: string[] | null;
  agentIds?: string[] | null;
  types?: string[] | null;
  categories?: string[] | null;
  channels?: string[] | null;
  priorities?: string[] | null;
  customerTypes?: string[] | null;
}

/** A filter after validation and access control: null lists do not filter. */
export interface EffectiveFilter {
  queueIds: string[] | null;
  agentIds: string[] | null;
  types: string[] | null;
  categories: string[] | null;
  channels: string[] | null;
  priorities: string[] | null;
  customerTypes: string[] | null;
}

const MAX_VALUES = 100;

function literals(schema: { anyOf: { const: string }[] }): string[] {
  return schema.anyOf.map((member) => member.const);
}

/** Values the event contract allows, so a typo is an error rather than an empty figure. */
const KNOWN_VALUES: Partial<Record<keyof MetricsFilter, string[]>> = {
  types: literals(TicketTypeSchema as unknown as { anyOf: { const: string }[] }),
  channels: literals(ChannelSchema as unknown as { anyOf: { const: string }[] }),
  priorities: literals(PrioritySchema as unknown as { anyOf: { const: string }[] }),
  // The tickets subgraph's CustomerType enum (the event carries it as a plain string).
  customerTypes: ['INDIVIDUAL', 'ENTERPRISE', 'PARTNER', 'INTERNAL'],
  // Categories are free codes set by routing rules and staff: no list to check them against.
};

/** Which queues a caller may read figures for: admins and analysts all, supervisors their own. */
export function readableQueues(identity: Identity, requested: string[] | null | undefined): string[] | 'all' {
  if (!hasRole(identity, 'admin', 'supervisor', 'analyst')) {
    throw notAllowed(identity, 'Analytics are for supervisors, analysts and admins.');
  }
  const wanted = requested && requested.length > 0 ? requested : null;
  if (hasRole(identity, 'admin', 'analyst')) return wanted ?? 'all';
  if (!wanted) return identity.queueIds;
  const foreign = wanted.filter((queueId) => !identity.queueIds.includes(queueId));
  if (foreign.length > 0) {
    throw new AnalyticsError(
      AnalyticsErrorCode.NotAllowed,
      `You cannot read figures of queues: ${foreign.join(', ')}.`,
    );
  }
  return wanted;
}

function list(field: keyof MetricsFilter, values: string[] | null | undefined): string[] | null {
  if (!values || values.length === 0) return null;
  if (values.length > MAX_VALUES) {
    throw new AnalyticsError(
      AnalyticsErrorCode.InvalidFilter,
      `filter.${field} may hold at most ${MAX_VALUES} values.`,
    );
  }
  if (values.some((value) => value.trim() === '')) {
    throw new AnalyticsError(AnalyticsErrorCode.InvalidFilter, `filter.${field} may not hold empty values.`);
  }
  const known = KNOWN_VALUES[field];
  const unknown = known ? values.filter((value) => !known.includes(value)) : [];
  if (unknown.length > 0) {
    throw new AnalyticsError(
      AnalyticsErrorCode.InvalidFilter,
      `Unknown filter.${field} value(s): ${unknown.join(', ')}. Known values: ${known!.join(', ')}.`,
    );
  }
  return [...new Set(values)];
}

export function effectiveFilter(
  identity: Identity,
  filter: MetricsFilter | null | undefined,
): EffectiveFilter {
  const given = filter ?? {};
  const queues = readableQueues(identity, list('queueIds', given.queueIds));
  return {
    queueIds: queues === 'all' ? null : queues,
    agentIds: list('agentIds', given.agentIds),
    types: list('types', given.types),
    categories: list('categories', given.categories),
    channels: list('channels', given.channels),
    priorities: list('priorities', given.priorities),
    customerTypes: list('customerTypes', given.customerTypes),
  };
}

/**
 * SQL conditions on tickets alias `t` (schema placeholder §): only tickets
 * whose created event arrived, merged duplicates excluded.
 */
export function filterConditions(filter: EffectiveFilter, parameters: unknown[]): string {
  const conditions = ['t.number IS NOT NULL', 't.merged_into IS NULL'];
  const add = (value: string[] | null, sql: (placeholder: string) => string) => {
    if (!value) return;
    parameters.push(value);
    conditions.push(sql(`$${parameters.length}::text[]`));
  };
  add(filter.queueIds, (p) => `t.queue_id = ANY(${p})`);
  add(filter.types, (p) => `t.type = ANY(${p})`);
  add(filter.categories, (p) => `t.category = ANY(${p})`);
  add(filter.channels, (p) => `t.channel = ANY(${p})`);
  add(filter.priorities, (p) => `t.priority = ANY(${p})`);
  add(filter.customerTypes, (p) => `t.customer_type = ANY(${p})`);
  add(
    filter.agentIds,
    (p) =>
      `EXISTS (SELECT 1 FROM §.ticket_agents a WHERE a.ticket_id = t.ticket_id AND a.agent_id = ANY(${p}))`,
  );
  return conditions.join(' AND ');
}
