import { DateTimeScalar } from '@deskgraph/platform';
import type { TicketsContext } from '../server';
import type { TicketEntity } from './ticket.entity';

/** Entity → GraphQL shape; the entity never leaks to clients as-is. */
export function toTicketGraph(ticket: TicketEntity) {
  return {
    id: ticket.id,
    number: ticket.number,
    title: ticket.title,
    description: ticket.description,
    channel: ticket.channel,
    type: ticket.type,
    category: ticket.category,
    priority: ticket.priority,
    status: ticket.status,
    queueId: ticket.queueId,
    customer: {
      id: ticket.customerId,
      name: ticket.customerName,
      type: ticket.customerType,
      contact: ticket.customerContact,
    },
    createdAt: ticket.createdAt,
    updatedAt: ticket.updatedAt,
    version: ticket.version,
  };
}

export const ticketResolvers = {
  DateTime: DateTimeScalar,
  Query: {
    ticket: async (_: unknown, args: { id: string }, context: TicketsContext) => {
      const ticket = await context.tickets.findVisible(context.identity, { id: args.id });
      return ticket && toTicketGraph(ticket);
    },
    ticketByNumber: async (_: unknown, args: { number: string }, context: TicketsContext) => {
      const ticket = await context.tickets.findVisible(context.identity, { number: args.number });
      return ticket && toTicketGraph(ticket);
    },
  },
  Mutation: {
    createTicket: async (_: unknown, args: { input: unknown }, context: TicketsContext) =>
      toTicketGraph(await context.tickets.createTicket(context.identity, args.input)),
  },
  Ticket: {
    __resolveReference: async (reference: { id: string }, context: TicketsContext) => {
      const ticket = await context.tickets.findVisible(context.identity, { id: reference.id });
      return ticket && toTicketGraph(ticket);
    },
  },
};
