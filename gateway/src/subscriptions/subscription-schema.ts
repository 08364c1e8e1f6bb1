import { MapperKind, mapSchema } from '@graphql-tools/utils';
import { GraphQLError, type GraphQLFieldConfig, type GraphQLSchema } from 'graphql';
import { canSeeQueue, hasRole, type Identity } from '@deskgraph/platform';
import type { FederatedExecutor, SubscriptionTicketFetcher } from './federated-fetch';
import type { TicketUpdate } from './ticket-update';
import type { UpdateHub } from './update-hub';

export interface SubscriptionContext {
  identity: Identity;
}

export interface SubscriptionDependencies {
  hub: UpdateHub;
  fetcher: SubscriptionTicketFetcher;
  execute: FederatedExecutor;
}

const MAX_QUEUES_PER_SUBSCRIPTION = 50;

function authorizeQueues(identity: Identity, queueIds: string[]): void {
  if (identity.roles.length === 0) {
    throw new GraphQLError('Sign in to subscribe.', { extensions: { code: 'UNAUTHENTICATED' } });
  }
  if (!hasRole(identity, 'agent', 'supervisor', 'admin')) {
    throw new GraphQLError('Queue updates are for agents, supervisors and admins.', {
      extensions: { code: 'FORBIDDEN' },
    });
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

async function authorizeTicket(
  execute: FederatedExecutor,
  identity: Identity,
  ticketId: string,
): Promise<void> {
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

type SubscriptionField = GraphQLFieldConfig<unknown, SubscriptionContext>;

function subscriptionFields(
  dependencies: SubscriptionDependencies,
): Record<string, Partial<SubscriptionField>> {
  const { hub, execute } = dependencies;
  return {
    queueUpdates: {
      subscribe: (_root, args: { queueIds: string[] }, context) => {
        authorizeQueues(context.identity, args.queueIds);
        const queues = new Set(args.queueIds);
        return hub.subscribe((update) => update.queueIds.some((queueId) => queues.has(queueId)));
      },
    },
    slaAlerts: {
      subscribe: (_root, args: { queueIds: string[] }, context) => {
        authorizeQueues(context.identity, args.queueIds);
        const queues = new Set(args.queueIds);
        return hub.subscribe(
          (update) =>
            (update.kind === 'SLA_WARNED' || update.kind === 'SLA_BREACHED') &&
            update.queueIds.some((queueId) => queues.has(queueId)),
        );
      },
    },
    ticketUpdated: {
      subscribe: async (_root, args: { id: string }, context) => {
        await authorizeTicket(execute, context.identity, args.id);
        return hub.subscribe((update) => update.ticketId === args.id);
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
      return { ...fieldConfig, ...served, resolve: (update: TicketUpdate) => update };
    },
    [MapperKind.OBJECT_FIELD]: (fieldConfig, fieldName, typeName) => {
      if (typeName !== 'TicketUpdate' || fieldName !== 'ticket') return fieldConfig;
      return {
        ...fieldConfig,
        resolve: (update: TicketUpdate, _args: unknown, context: SubscriptionContext, info) =>
          dependencies.fetcher.fetchTicket(update.eventId, update.ticketId, context.identity, info),
      };
    },
  });
}
