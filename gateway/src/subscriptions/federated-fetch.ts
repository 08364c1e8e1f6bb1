import {
  defaultFieldResolver,
  GraphQLError,
  Kind,
  print,
  visit,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLFieldResolver,
  type GraphQLFormattedError,
  type GraphQLResolveInfo,
  type SelectionSetNode,
  type VariableDefinitionNode,
} from 'graphql';
import { LRUCache } from 'lru-cache';
import { authorizationScope, type Identity } from '@deskgraph/platform';
import type { Counter } from 'prom-client';

const ROOT_ARGUMENT_VARIABLE = 'deskgraphRootArgument';
const NOT_VISIBLE_CODES = new Set(['NOT_FOUND', 'FORBIDDEN']);
/** Marks objects that came back from a federated fetch, keyed by response key. */
const FETCHED = Symbol('deskgraph.fetched');

export interface FetchRequest {
  query: string;
  variables: Record<string, unknown>;
}

export interface FetchResponse {
  data?: Record<string, unknown> | null;
  errors?: readonly GraphQLFormattedError[];
}

/** Executes an operation through the gateway's own federated query planner. */
export type FederatedExecutor = (request: FetchRequest, identity: Identity) => Promise<FetchResponse>;

interface TicketQuery {
  query: string;
  variableNames: string[];
}

function addTypename(selectionSet: SelectionSetNode): SelectionSetNode {
  // Lets abstract types in a subscriber's selection resolve from plain JSON.
  return visit(selectionSet, {
    SelectionSet(node) {
      const hasTypename = node.selections.some(
        (selection) =>
          selection.kind === Kind.FIELD && selection.name.value === '__typename' && !selection.alias,
      );
      if (hasTypename) return undefined;
      const typename: FieldNode = { kind: Kind.FIELD, name: { kind: Kind.NAME, value: '__typename' } };
      return { ...node, selections: [...node.selections, typename] };
    },
  });
}

function collectFragmentsAndVariables(
  selectionSet: SelectionSetNode,
  fragments: Record<string, FragmentDefinitionNode>,
): { fragments: FragmentDefinitionNode[]; variableNames: Set<string> } {
  const seen = new Map<string, FragmentDefinitionNode>();
  const variableNames = new Set<string>();
  const pending: SelectionSetNode[] = [selectionSet];
  while (pending.length > 0) {
    visit(pending.pop()!, {
      Variable(node) {
        variableNames.add(node.name.value);
      },
      FragmentSpread(node) {
        const fragment = fragments[node.name.value];
        if (fragment && !seen.has(node.name.value)) {
          seen.set(node.name.value, fragment);
          pending.push(fragment.selectionSet);
        }
      },
    });
  }
  return { fragments: [...seen.values()], variableNames };
}

/** The query field a subscription payload field is resolved through, and its one argument. */
export interface RootFieldSpec {
  operationName: string;
  field: string;
  argument: string;
  /** The argument's type, e.g. `ID!` or `[ID!]!`. */
  argumentType: 'ID!' | '[ID!]!';
}

export const TICKET_FIELD: RootFieldSpec = {
  operationName: 'SubscriptionTicket',
  field: 'ticket',
  argument: 'id',
  argumentType: 'ID!',
};

export const LIVE_METRICS_FIELD: RootFieldSpec = {
  operationName: 'SubscriptionLiveMetrics',
  field: 'liveMetrics',
  argument: 'queueIds',
  argumentType: '[ID!]!',
};

function variableType(type: RootFieldSpec['argumentType']): VariableDefinitionNode['type'] {
  const id = { kind: Kind.NAMED_TYPE, name: { kind: Kind.NAME, value: 'ID' } } as const;
  const nonNullId = { kind: Kind.NON_NULL_TYPE, type: id } as const;
  if (type === 'ID!') return nonNullId;
  return { kind: Kind.NON_NULL_TYPE, type: { kind: Kind.LIST_TYPE, type: nonNullId } };
}

/**
 * Turns the subscriber's selection under a payload field into a query the
 * gateway can plan across subgraphs, e.g. `query($id) { ticket(id: $id) {
 * …selection } }`, with the fragments and variables the selection uses.
 */
export function buildRootFieldQuery(info: GraphQLResolveInfo, spec: RootFieldSpec): TicketQuery {
  const selections = info.fieldNodes.flatMap((node) => node.selectionSet?.selections ?? []);
  const selectionSet = addTypename({ kind: Kind.SELECTION_SET, selections });
  const { fragments, variableNames } = collectFragmentsAndVariables(selectionSet, info.fragments);
  const usedDefinitions: VariableDefinitionNode[] = (info.operation.variableDefinitions ?? []).filter(
    (definition) => variableNames.has(definition.variable.name.value),
  );
  const argumentDefinition: VariableDefinitionNode = {
    kind: Kind.VARIABLE_DEFINITION,
    variable: { kind: Kind.VARIABLE, name: { kind: Kind.NAME, value: ROOT_ARGUMENT_VARIABLE } },
    type: variableType(spec.argumentType),
  };
  const document: DocumentNode = {
    kind: Kind.DOCUMENT,
    definitions: [
      {
        kind: Kind.OPERATION_DEFINITION,
        operation: 'query' as never,
        name: { kind: Kind.NAME, value: spec.operationName },
        variableDefinitions: [argumentDefinition, ...usedDefinitions],
        selectionSet: {
          kind: Kind.SELECTION_SET,
          selections: [
            {
              kind: Kind.FIELD,
              name: { kind: Kind.NAME, value: spec.field },
              arguments: [
                {
                  kind: Kind.ARGUMENT,
                  name: { kind: Kind.NAME, value: spec.argument },
                  value: { kind: Kind.VARIABLE, name: { kind: Kind.NAME, value: ROOT_ARGUMENT_VARIABLE } },
                },
              ],
              selectionSet,
            },
          ],
        },
      },
      ...fragments.map((fragment) => ({ ...fragment, selectionSet: addTypename(fragment.selectionSet) })),
    ],
  };
  return {
    query: print(document),
    variableNames: usedDefinitions.map((definition) => definition.variable.name.value),
  };
}

/** `ticket(id) { …selection }` for a TicketUpdate's `ticket`. */
export function buildTicketQuery(info: GraphQLResolveInfo): TicketQuery {
  return buildRootFieldQuery(info, TICKET_FIELD);
}

function markFetched(value: unknown): unknown {
  if (Array.isArray(value)) {
    value.forEach(markFetched);
  } else if (value && typeof value === 'object') {
    Object.defineProperty(value, FETCHED, { value: true, enumerable: false });
    Object.values(value).forEach(markFetched);
  }
  return value;
}

/**
 * Below a fetched ticket, values are keyed by response key (aliases
 * included), so fields resolve by `info.path.key` rather than field name.
 */
export const subscriptionFieldResolver: GraphQLFieldResolver<unknown, unknown> = (
  source,
  args,
  context,
  info,
) => {
  if (source && typeof source === 'object' && (source as Record<symbol, unknown>)[FETCHED]) {
    return (source as Record<string | number, unknown>)[info.path.key];
  }
  return defaultFieldResolver(source, args, context, info);
};

export interface FetcherMetrics {
  fetches: Counter;
  memoHits: Counter;
}

/** Runs at most `limit` tasks at once; the others wait their turn in arrival order. */
export class ConcurrencyLimit {
  private running = 0;
  private readonly queue: (() => void)[] = [];

  constructor(private readonly limit: number) {
    if (!(limit >= 1)) throw new RangeError('limit must be at least 1');
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.running < this.limit) this.running++;
    // The slot is handed over by the task that ends, so `running` stays counted.
    else await new Promise<void>((resolve) => this.queue.push(resolve));
    try {
      return await task();
    } finally {
      const next = this.queue.shift();
      if (next) next();
      else this.running--;
    }
  }

  /** Tasks waiting for a slot. */
  get waiting(): number {
    return this.queue.length;
  }
}

/** Federated fetches for subscription payloads in flight at once, gateway-wide, by default. */
export const DEFAULT_MAX_CONCURRENT_FETCHES = 64;

/**
 * Resolves a live update's payload field (the ticket, or live metrics)
 * through the gateway, once per (event, selection, authorization scope,
 * argument): every subscriber sharing those shares the one fetch and its
 * promise. At most `maxConcurrent` fetches run at once: every sharing group
 * may execute up to 100 events ahead, and a burst across many groups must
 * not hit the subgraphs with thousands of queries at once.
 */
export class SubscriptionTicketFetcher {
  private readonly queries = new WeakMap<FieldNode, TicketQuery>();
  private readonly memo = new LRUCache<string, Promise<unknown>>({ max: 20_000, ttl: 60_000 });
  private readonly limit: ConcurrencyLimit;

  constructor(
    private readonly execute: FederatedExecutor,
    private readonly metrics: FetcherMetrics,
    maxConcurrent = DEFAULT_MAX_CONCURRENT_FETCHES,
  ) {
    this.limit = new ConcurrencyLimit(maxConcurrent);
  }

  fetchTicket(
    eventId: string,
    ticketId: string,
    identity: Identity,
    info: GraphQLResolveInfo,
  ): Promise<unknown> {
    return this.fetch(TICKET_FIELD, eventId, ticketId, identity, info);
  }

  fetchLiveMetrics(
    eventId: string,
    queueIds: string[],
    identity: Identity,
    info: GraphQLResolveInfo,
  ): Promise<unknown> {
    return this.fetch(LIVE_METRICS_FIELD, eventId, queueIds, identity, info);
  }

  private fetch(
    spec: RootFieldSpec,
    eventId: string,
    argument: unknown,
    identity: Identity,
    info: GraphQLResolveInfo,
  ): Promise<unknown> {
    let rootQuery = this.queries.get(info.fieldNodes[0]);
    if (!rootQuery) {
      rootQuery = buildRootFieldQuery(info, spec);
      this.queries.set(info.fieldNodes[0], rootQuery);
    }
    const variables: Record<string, unknown> = { [ROOT_ARGUMENT_VARIABLE]: argument };
    for (const name of rootQuery.variableNames) variables[name] = info.variableValues[name];
    const key = JSON.stringify([eventId, rootQuery.query, variables, authorizationScope(identity)]);
    const cached = this.memo.get(key);
    if (cached) {
      this.metrics.memoHits.inc();
      return cached;
    }
    this.metrics.fetches.inc();
    const request = { query: rootQuery.query, variables };
    const pending = this.limit
      .run(() => this.execute(request, identity))
      .then((response) => {
        const value = response.data?.[spec.field];
        if (value) return markFetched(value);
        const first = response.errors?.[0];
        // Not visible to this scope (e.g. transferred out of its queues): a shared, memoized null.
        if (!first || NOT_VISIBLE_CODES.has(String(first.extensions?.code))) return null;
        throw new GraphQLError(first.message, { extensions: first.extensions });
      });
    this.memo.set(key, pending);
    // A failed fetch (not a mere "not visible") is not memoized, so the next subscriber tries again.
    pending.catch(() => this.memo.delete(key));
    return pending;
  }
}
