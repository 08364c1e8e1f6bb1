import { randomUUID } from 'node:crypto';
import {
  buildEvent,
  TicketTransferredV1,
  TicketVisitOverdueV1,
  validateEvent,
  type DeskgraphEvent,
} from '@deskgraph/events';
import { toTicketUpdate } from '../ticket-update';

const ticketId = randomUUID();
const change = {
  ticketId,
  version: 7,
  queueId: 'complaints',
  actor: { id: 'system', role: 'system' as const },
  at: '2026-11-25T10:00:00.000Z',
};

function event<T extends DeskgraphEvent>(built: T): DeskgraphEvent {
  return validateEvent(built);
}

describe('toTicketUpdate', () => {
  it('should push an overdue visit to its queue when the visit passes its due time', () => {
    const overdue = event(
      buildEvent(TicketVisitOverdueV1, {
        source: '/test',
        subject: ticketId,
        data: {
          ...change,
          visitId: randomUUID(),
          kind: 'FOLLOW_UP',
          dueAt: '2026-11-25T09:00:00.000Z',
          assigneeId: 'a1',
        },
      }),
    );
    expect(toTicketUpdate(overdue)).toMatchObject({
      kind: 'VISIT_OVERDUE',
      ticketId,
      version: 7,
      queueIds: ['complaints'],
    });
  });

  it('should reach both queues when a ticket is transferred', () => {
    const transferred = event(
      buildEvent(TicketTransferredV1, {
        source: '/test',
        subject: ticketId,
        data: { ...change, queueId: 'second', fromQueueId: 'general', reason: 'wrong team' },
      }),
    );
    expect(toTicketUpdate(transferred)?.queueIds.sort()).toEqual(['general', 'second']);
  });
});
