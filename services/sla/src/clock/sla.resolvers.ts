import { DateTimeScalar } from '@deskgraph/platform';
import type { SlaContext } from '../server';
import type { TicketSlaView } from './sla.service';

function toTicketSlaGraph(view: TicketSlaView) {
  const firstResponse = view.clocks.find((clock) => clock.target === 'FIRST_RESPONSE');
  return {
    firstResponseDueAt: firstResponse?.dueAt ?? null,
    clocks: view.clocks.map((clock) => ({
      target: clock.target,
      state: clock.state,
      startedAt: clock.startedAt,
      dueAt: clock.dueAt,
      businessTime: clock.businessTime,
    })),
  };
}

export const slaResolvers = {
  DateTime: DateTimeScalar,
  Ticket: {
    __resolveReference: (reference: { id: string }) => ({ id: reference.id }),
    sla: async (ticket: { id: string }, _: unknown, context: SlaContext) => {
      const view = await context.sla.ticketSla(context.identity, ticket.id);
      return view && toTicketSlaGraph(view);
    },
  },
};
