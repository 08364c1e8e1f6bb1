import type { HandoverEntity } from './handover/handover.entity';
import { requestIdempotencyKey } from './idempotency/idempotency-keys';
import type { TicketsContext } from './server';
import { toTicketGraph } from './ticket/ticket.resolvers';
import type { TicketEntity } from './ticket/ticket.entity';
import type { VisitEntity } from './visit/visit.entity';

/** Service practices from the handbooks: service language, visits and shift handovers. */

function toVisitGraph(visit: VisitEntity) {
  return { ...visit, overdue: !visit.completedAt && visit.dueAt.getTime() < Date.now() };
}

function toHandoverGraph(handover: HandoverEntity) {
  return { ...handover, acknowledged: handover.acknowledgedAt != null, entity: handover };
}

export const practiceResolvers = {
  Query: {
    serviceLanguageRules: (_: unknown, __: unknown, context: TicketsContext) =>
      context.serviceLanguage.list(context.identity),
    openVisits: async (_: unknown, args: unknown, context: TicketsContext) =>
      (await context.visits.openVisits(context.identity, args)).map(toVisitGraph),
    unacknowledgedHandovers: async (_: unknown, args: { queueIds: string[] }, context: TicketsContext) =>
      (await context.handovers.unacknowledged(context.identity, args.queueIds)).map(toHandoverGraph),
    handovers: async (_: unknown, args: unknown, context: TicketsContext) => {
      const page = await context.handovers.history(context.identity, args);
      return {
        edges: page.edges.map((edge) => ({ cursor: edge.cursor, node: toHandoverGraph(edge.node) })),
        pageInfo: page.pageInfo,
      };
    },
  },
  Mutation: {
    setServiceLanguageRules: (_: unknown, args: { rules: unknown }, context: TicketsContext) =>
      context.serviceLanguage.replace(context.identity, args.rules),
    scheduleVisit: async (_: unknown, args: { input: unknown }, context: TicketsContext) =>
      toVisitGraph(
        await context.visits.schedule(
          context.identity,
          args.input,
          requestIdempotencyKey(context.idempotencyKey, args.input),
        ),
      ),
    completeVisit: async (_: unknown, args: { input: unknown }, context: TicketsContext) =>
      toVisitGraph(await context.visits.complete(context.identity, args.input)),
    createHandover: async (_: unknown, args: { input: unknown }, context: TicketsContext) =>
      toHandoverGraph(await context.handovers.create(context.identity, args.input)),
    acknowledgeHandover: async (_: unknown, args: { id: string }, context: TicketsContext) =>
      toHandoverGraph(await context.handovers.acknowledge(context.identity, args.id)),
  },
  Ticket: {
    visits: async (ticket: { entity: TicketEntity }, _: unknown, context: TicketsContext) =>
      (await context.visits.forTicket(context.identity, ticket.entity)).map(toVisitGraph),
  },
  Visit: {
    ticket: async (visit: { ticketId: string }, _: unknown, context: TicketsContext) => {
      const ticket = await context.queries.findById(context.identity, visit.ticketId);
      return ticket && toTicketGraph(ticket);
    },
  },
  Handover: {
    items: async (handover: { entity: HandoverEntity }, _: unknown, context: TicketsContext) =>
      (await context.handovers.items(context.identity, handover.entity)).map(({ item, ticket }) => ({
        ticket: toTicketGraph(ticket),
        statusAtHandover: item.status,
        nextStep: item.nextStep,
      })),
  },
};
