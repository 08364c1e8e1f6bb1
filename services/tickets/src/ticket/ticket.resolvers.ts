import { DateTimeScalar } from '@deskgraph/platform';
import { GraphQLScalarType } from 'graphql';
import type { CompensationEntity } from '../compensation/compensation.entity';
import type { MessageEntity } from '../conversation/message.entity';
import { requestIdempotencyKey } from '../idempotency/idempotency-keys';
import type { TicketsContext } from '../server';
import type { TimelineEntryEntity } from '../timeline/timeline.entity';
import type { TicketOrder } from './ticket-query.service';
import { allowedNextStatuses } from './ticket-status';
import type { TicketEntity } from './ticket.entity';
import { isCustomerOnly } from './ticket-access';

/** Entity → GraphQL shape; entities never reach clients as-is. */
export function toTicketGraph(ticket: TicketEntity) {
  return {
    ...ticket,
    customer: {
      id: ticket.customerId,
      name: ticket.customerName,
      type: ticket.customerType,
      contact: ticket.customerContact,
      preferredChannel: ticket.customerPreferredChannel,
      tier: ticket.customerTier,
      region: ticket.customerRegion,
    },
    entity: ticket,
  };
}

type TicketGraph = ReturnType<typeof toTicketGraph>;

export function toMessageGraph(message: MessageEntity) {
  return { ...message, author: message.authorKind };
}

function toTimelineGraph(entry: TimelineEntryEntity) {
  return entry;
}

export function toCompensationGraph(proposal: CompensationEntity) {
  return { ...proposal, amount: proposal.amount == null ? null : Number(proposal.amount) };
}

const JSONScalar = new GraphQLScalarType({
  name: 'JSON',
  description: 'Arbitrary JSON.',
  serialize: (value) => value,
});

interface PageArgs {
  first: number;
  after?: string | null;
}

function toConnection(page: Awaited<ReturnType<TicketsContext['queries']['list']>>) {
  return {
    edges: page.edges.map((edge) => ({ cursor: edge.cursor, node: toTicketGraph(edge.node) })),
    pageInfo: page.pageInfo,
    totalCount: page.totalCount,
  };
}

const maybe = (ticket: TicketEntity | null) => ticket && toTicketGraph(ticket);

export const ticketResolvers = {
  DateTime: DateTimeScalar,
  JSON: JSONScalar,
  Query: {
    ticket: async (_: unknown, args: { id: string }, context: TicketsContext) =>
      maybe(await context.tickets.findVisible(context.identity, { id: args.id })),
    ticketByNumber: async (_: unknown, args: { number: string }, context: TicketsContext) =>
      maybe(await context.tickets.findVisible(context.identity, { number: args.number })),
    tickets: async (
      _: unknown,
      args: PageArgs & { filter?: unknown; orderBy: TicketOrder },
      context: TicketsContext,
    ) =>
      toConnection(
        await context.queries.list(context.identity, args.filter, args.orderBy, args.first, args.after),
      ),
    myOpenTickets: async (_: unknown, args: PageArgs, context: TicketsContext) =>
      toConnection(await context.queries.myOpen(context.identity, args.first, args.after)),
    unassignedTickets: async (_: unknown, args: PageArgs & { queueId: string }, context: TicketsContext) =>
      toConnection(
        await context.queries.list(
          context.identity,
          {
            queueIds: [args.queueId],
            unassigned: true,
            statuses: ['NEW', 'ASSIGNED', 'IN_PROGRESS', 'PENDING_CUSTOMER', 'PENDING_THIRD_PARTY'],
          },
          'PRIORITY',
          args.first,
          args.after,
        ),
      ),
    queues: (_: unknown, __: unknown, context: TicketsContext) => context.queues.listQueues(context.identity),
    agents: (_: unknown, args: { queueId?: string | null }, context: TicketsContext) =>
      context.queues.listAgents(context.identity, args.queueId),
    routingRules: (_: unknown, __: unknown, context: TicketsContext) =>
      context.queues.listRoutingRules(context.identity),
    compensationsAwaitingDecision: async (_: unknown, __: unknown, context: TicketsContext) =>
      (await context.compensations.awaitingDecision(context.identity)).map(toCompensationGraph),
    classificationRules: (_: unknown, __: unknown, context: TicketsContext) =>
      context.classificationRules.list(context.identity),
  },
  Mutation: {
    createTicket: async (_: unknown, args: { input: unknown }, context: TicketsContext) =>
      toTicketGraph(
        await context.tickets.createTicket(
          context.identity,
          args.input,
          requestIdempotencyKey(context.idempotencyKey, args.input),
        ),
      ),
    reclassifyTicket: async (_: unknown, args: { input: unknown }, context: TicketsContext) =>
      toTicketGraph(await context.workflow.reclassify(context.identity, args.input)),
    assignTicket: async (
      _: unknown,
      args: { input: { ticketId: string; agentId?: string; automatic?: boolean; expectedVersion?: number } },
      context: TicketsContext,
    ) => toTicketGraph(await context.workflow.assign(context.identity, args.input)),
    transferTicket: async (
      _: unknown,
      args: { input: { ticketId: string; queueId: string; reason: string; expectedVersion?: number } },
      context: TicketsContext,
    ) => toTicketGraph(await context.workflow.transfer(context.identity, args.input)),
    changeTicketStatus: async (_: unknown, args: { input: unknown }, context: TicketsContext) =>
      toTicketGraph(await context.workflow.changeStatus(context.identity, args.input)),
    replyToTicket: async (_: unknown, args: { input: unknown }, context: TicketsContext) => {
      const { ticket, message, warnings } = await context.conversation.reply(
        context.identity,
        args.input,
        requestIdempotencyKey(context.idempotencyKey, args.input),
      );
      return { ticket: toTicketGraph(ticket), message: toMessageGraph(message), warnings };
    },
    escalateTicket: async (_: unknown, args: { input: unknown }, context: TicketsContext) =>
      toTicketGraph(await context.escalations.escalate(context.identity, args.input)),
    proposeCompensation: async (_: unknown, args: { input: unknown }, context: TicketsContext) =>
      toCompensationGraph(
        await context.compensations.propose(
          context.identity,
          args.input,
          requestIdempotencyKey(context.idempotencyKey, args.input),
        ),
      ),
    decideCompensation: async (
      _: unknown,
      args: { input: { proposalId: string; approve: boolean; note?: string } },
      context: TicketsContext,
    ) => toCompensationGraph(await context.compensations.decide(context.identity, args.input)),
    carryOutCompensation: async (
      _: unknown,
      args: { proposalId: string; note?: string },
      context: TicketsContext,
    ) => toCompensationGraph(await context.compensations.carryOut(context.identity, args)),
    confirmResolution: async (_: unknown, args: { input: unknown }, context: TicketsContext) =>
      toTicketGraph(await context.workflow.confirm(context.identity, args.input)),
    mergeTickets: async (
      _: unknown,
      args: { duplicateId: string; primaryId: string },
      context: TicketsContext,
    ) => toTicketGraph(await context.workflow.merge(context.identity, args)),
    linkTickets: async (
      _: unknown,
      args: { ticketId: string; relatedTicketId: string },
      context: TicketsContext,
    ) => toTicketGraph(await context.workflow.link(context.identity, args)),
    upsertQueue: (
      _: unknown,
      args: { input: { id: string; name: string; dutyManagerId?: string } },
      context: TicketsContext,
    ) => context.queues.upsertQueue(context.identity, args.input),
    upsertAgent: (
      _: unknown,
      args: { input: { id: string; displayName: string; queueIds: string[]; available?: boolean } },
      context: TicketsContext,
    ) => context.queues.upsertAgent(context.identity, args.input),
    setAgentAvailability: (
      _: unknown,
      args: { agentId: string; available: boolean },
      context: TicketsContext,
    ) => context.queues.setAvailability(context.identity, args.agentId, args.available),
    setRoutingRules: (
      _: unknown,
      args: { rules: { id: string; type?: string; category?: string; queueId: string }[] },
      context: TicketsContext,
    ) => context.queues.replaceRoutingRules(context.identity, args.rules),
    setClassificationRules: (_: unknown, args: { rules: unknown }, context: TicketsContext) =>
      context.classificationRules.replace(context.identity, args.rules),
  },
  CompensationProposal: {
    ticket: async (proposal: { ticketId: string }, _: unknown, context: TicketsContext) =>
      maybe(await context.queries.findById(context.identity, proposal.ticketId)),
  },
  TicketConnection: {
    totalCount: (connection: { totalCount: () => Promise<number> }) => connection.totalCount(),
  },
  Ticket: {
    __resolveReference: async (reference: { id: string }, context: TicketsContext) =>
      maybe(await context.tickets.findVisible(context.identity, { id: reference.id })),
    allowedNextStatuses: (ticket: TicketGraph) => allowedNextStatuses(ticket.status),
    // The desk's working notes about a ticket are not the customer's to read: null (tags: none)
    // rather than FORBIDDEN, so one query serves portal and desk and a non-null list never nulls the ticket.
    customerMood: (ticket: TicketGraph, _: unknown, context: TicketsContext) =>
      isCustomerOnly(context.identity) ? null : ticket.customerMood,
    tags: (ticket: TicketGraph, _: unknown, context: TicketsContext) =>
      isCustomerOnly(context.identity) ? [] : ticket.tags,
    suggestion: (ticket: TicketGraph, _: unknown, context: TicketsContext) =>
      isCustomerOnly(context.identity) ? null : ticket.suggestion,
    escalationTier: (ticket: TicketGraph, _: unknown, context: TicketsContext) =>
      isCustomerOnly(context.identity) ? null : ticket.escalationTier,
    mergedInto: async (ticket: TicketGraph, _: unknown, context: TicketsContext) =>
      maybe(await context.queries.findById(context.identity, ticket.mergedIntoId)),
    possibleDuplicateOf: async (ticket: TicketGraph, _: unknown, context: TicketsContext) =>
      maybe(await context.queries.findById(context.identity, ticket.possibleDuplicateOf)),
    relatedTickets: async (ticket: TicketGraph, _: unknown, context: TicketsContext) =>
      (await context.queries.related(context.identity, ticket.entity)).map(toTicketGraph),
    messages: async (ticket: TicketGraph, _: unknown, context: TicketsContext) =>
      (await context.conversation.messages(context.identity, ticket.entity)).map(toMessageGraph),
    timeline: async (ticket: TicketGraph, _: unknown, context: TicketsContext) =>
      isCustomerOnly(context.identity)
        ? []
        : (await context.queries.timeline(context.identity, ticket.entity)).map(toTimelineGraph),
    compensations: async (ticket: TicketGraph, _: unknown, context: TicketsContext) =>
      (await context.compensations.forTicket(context.identity, ticket.entity)).map(toCompensationGraph),
  },
};
