import type { Identity } from '@deskgraph/platform';
import { TicketError } from '../ticket.errors';
import { assertCanCreate } from '../ticket-access';

const supervisorOfGeneral: Identity = {
  userId: 'sup-1',
  roles: ['supervisor'],
  queueIds: ['general'],
  customerId: null,
};

function refusal(run: () => void): TicketError {
  try {
    run();
  } catch (error) {
    return error as TicketError;
  }
  throw new Error('expected a refusal');
}

describe('assertCanCreate', () => {
  it('lets staff create in their own queue', () => {
    expect(() => assertCanCreate(supervisorOfGeneral, 'general', { routed: true })).not.toThrow();
  });

  it('says a routed ticket went to a foreign queue, and how to choose one', () => {
    const error = refusal(() => assertCanCreate(supervisorOfGeneral, 'tech-support', { routed: true }));
    expect(error.code).toBe('TICKET_ACTION_NOT_ALLOWED');
    expect(error.message).toBe(
      'The routing rules send this ticket to queue "tech-support", which you are not a member of; set input.queueId to one of your queues (general).',
    );
    expect(error.details).toEqual({ queueId: 'tech-support' });
  });

  it('keeps the plain refusal for a queue the caller named', () => {
    const error = refusal(() => assertCanCreate(supervisorOfGeneral, 'tech-support', { routed: false }));
    expect(error.message).toBe('You are not a member of queue "tech-support".');
  });
});
