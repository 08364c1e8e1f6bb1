import { MapperKind, mapSchema } from '@graphql-tools/utils';
import { GraphQLError, type GraphQLFieldConfig, type GraphQLSchema } from 'graphql';
import {
  canSeeQueue,
  CLOCK_SKEW_MS,
  DATE_TIME_FORMAT,
  hasRole,
  parseIsoDateTime,
  type Identity,
  type Role,
} from '@deskgraph/platform';
import type { FederatedExecutor, SubscriptionTicketFetcher } from './federated-fetch';
import type { MetricsHub, MetricsPush } from './metrics-hub';
import type { TicketUpdate } from './ticket-update';
import type { UpdateHub } from './update-hub';

export interface SubscriptionContext {
  identity: Identity;
}

export interface SubscriptionDependencies {
  hub: UpdateHub;
  metricsHub: MetricsHub;
  fetcher: SubscriptionTicketFetcher;
  execute: FederatedExecutor;
}

const MAX_QUEUES_PER_SUBSCRIPTION = 50;

function authorizeQueues(identity: Identity, queueIds: string[], roles: Role[], what: string): void {
  if (identity.roles.length === 0) {
    throw new GraphQLError('Sign in to subscribe.', { extensions: { code: 'UNAUTHENTICATED' } });
  }
  if (!hasRole(identity, ...roles)) {
    throw new GraphQLError(`${what} are for ${roles.join(', ')}.`, { extensions: { code: 'FORBIDDEN' } });
  }
  if (queueIds.length === 0 || queueIds.length > MAX_QUEUES_PER_SUBSCRIPTION) {
    throw new GraphQLError(`queueIds must name 1 to ${MAX_QUEUES_PER_SUBSCRIPTION} queues.`, {
      extensions: { code: 'BAD_USER_INPUT' },
    });
  }
  const foreign = queueIds.filter((queueId) => !canSeeQueue(identity, queueId));
  if (foreign.length > 0) {
    throw new GraphQLError(`You are not a member of queue(s): ${foreign.join(', ')}.`, {
      extensions: { code: 'FORBIDDEN', queueIds: foreign },
    });
  }
}

/** Asks the tickets subgraph, under the subscriber's identity, whether it may see the ticket. */
async function authorizeTicket(
  execute: FederatedExecutor,
  identity: Identity,
  ticketId: string,
): Promise<void> {
  if (identity.roles.length === 0) {
    throw new GraphQLError('Sign in to subscribe.', { extensions: { code: 'UNAUTHENTICATED' } });
  }
  const response = await execute(
    { query: 'query($id: ID!) { ticket(id: $id) { id } }', variables: { id: ticketId } },
    identity,
  );
  if (response.errors?.length) {
    const first = response.errors[0];
    throw new GraphQLError(first.message, { extensions: first.extensions });
  }
  if (!response.data?.ticket) {
    throw new GraphQLError(`No ticket ${ticketId} that you can see.`, { extensions: { code: 'NOT_FOUND' } });
  }
}

/**
 * The supergraph's DateTime scalar has no parser at the gateway, so `since`
 * arrives as the client sent it. It is an `at` the client saw, so it cannot be
 * later than now: a future one would replay nothing and hide the gap.
 */
function parseSince(value: unknown): Date | null {
  if (value === undefined || value === null) return null;
  const date = value instanceof Date ? value : parseIsoDateTime(String(value));
  if (!date) {
    throw new GraphQLError(`since must be ${DATE_TIME_FORMAT}: the \`at\` of the last update you saw.`, {
      extensions: { code: 'BAD_USER_INPUT', field: 'since' },
    });
  }
  if (date.getTime() > Date.now() + CLOCK_SKEW_MS) {
    throw new GraphQLError(
      `since (${date.toISOString()}) is in the future: pass the \`at\` of the last update you saw, or leave it out.`,
      { extensions: { code: 'BAD_USER_INPUT', field: 'since' } },
    );
  }
  return date;
}

type SubscriptionField = GraphQLFieldConfig<unknown, SubscriptionContext>;

const QUEUE_ROLES: Role[] = ['agent', 'supervisor', 'admin'];
const SLA_KINDS = new Set<TicketUpdate['kind']>(['SLA_WARNED', 'SLA_BREACHED', 'RESYNC_REQUIRED']);

function subscriptionFields(
  dependencies: SubscriptionDependencies,
): Record<string, Partial<SubscriptionField>> {
  const { hub, metricsHub, execute } = dependencies;
  return {
    queueUpdates: {
      subscribe: (_root, args: { queueIds: string[]; since?: unknown }, context) => {
        authorizeQueues(context.identity, args.queueIds, QUEUE_ROLES, 'Queue updates');
        const queues = new Set(args.queueIds);
        return hub.subscribe(
          (update) => update.queueIds.some((queueId) => queues.has(queueId)),
          parseSince(args.since),
        );
      },
    },
    slaAlerts: {
      subscribe: (_root, args: { queueIds: string[]; since?: unknown }, context) => {
        authorizeQueues(context.identity, args.queueIds, QUEUE_ROLES, 'SLA alerts');
        const queues = new Set(args.queueIds);
        return hub.subscribe(
          (update) => SLA_KINDS.has(update.kind) && update.queueIds.some((queueId) => queues.has(queueId)),
          parseSince(args.since),
        );
      },
    },
    ticketUpdated: {
      subscribe: async (_root, args: { id: string; since?: unknown }, context) => {
        const since = parseSince(args.since);
        await authorizeTicket(execute, context.identity, args.id);
        return hub.subscribe((update) => update.ticketId === args.id, since);
      },
    },
    metricsUpdated: {
      subscribe: (_root, args: { queueIds: string[] }, context) => {
        authorizeQueues(context.identity, args.queueIds, ['supervisor', 'admin', 'analyst'], 'Live metrics');
        return metricsHub.subscribe([...new Set(args.queueIds)].sort());
      },
    },
  };
}

/**
 * `@apollo/gateway` cannot execute subscriptions, so the gateway serves them
 * from a copy of its API schema with `subscribe`/`resolve` attached. Rebuilt
 * on every schema load so the subscription schema never drifts from the
 * supergraph.
 */
export function buildSubscriptionSchema(
  apiSchema: GraphQLSchema,
  dependencies: SubscriptionDependencies,
): GraphQLSchema {
  const fields = subscriptionFields(dependencies);
  return mapSchema(apiSchema, {
    [MapperKind.SUBSCRIPTION_ROOT_FIELD]: (fieldConfig, fieldName) => {
      const served = fields[fieldName];
      if (!served) {
        return {
          ...fieldConfig,
          subscribe: () => {
            throw new GraphQLError(`Subscription ${fieldName} is not served by this gateway yet.`, {
              extensions: { code: 'BAD_USER_INPUT' },
            });
          },
        };
      }
      return { ...fieldConfig, ...served, resolve: (update: unknown) => update };
    },
    [MapperKind.OBJECT_FIELD]: (fieldConfig, fieldName, typeName) => {
      if (typeName === 'TicketUpdate' && fieldName === 'ticket') {
        return {
          ...fieldConfig,
          resolve: (update: TicketUpdate, _args: unknown, context: SubscriptionContext, info) =>
            update.ticketId === null
              ? null
              : dependencies.fetcher.fetchTicket(update.eventId, update.ticketId, context.identity, info),
        };
      }
      if (typeName === 'MetricsUpdate' && fieldName === 'metrics') {
        return {
          ...fieldConfig,
          resolve: (push: MetricsPush, _args: unknown, context: SubscriptionContext, info) =>
            dependencies.fetcher.fetchLiveMetrics(
              push.eventId,
              push.subscribedQueueIds,
              context.identity,
              info,
            ),
        };
      }
      return fieldConfig;
    },
  });
}
