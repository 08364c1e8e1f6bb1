import { TicketErrorCode } from '../ticket.errors';
import { createTicketInputSchema, parseInput } from '../ticket-input';

const base = {
  title: 'Router down',
  description: 'No internet since this morning.',
  channel: 'PHONE',
  customer: { name: 'Li Wei' },
};

describe('createTicketInputSchema', () => {
  it('should refuse occurredAt far in the future, naming the field', () => {
    expect(() =>
      parseInput(createTicketInputSchema, { ...base, occurredAt: new Date('9999-12-31T00:00:00Z') }),
    ).toThrow(
      expect.objectContaining({
        code: TicketErrorCode.InvalidInput,
        details: {
          problems: [
            {
              field: 'occurredAt',
              message: 'occurredAt cannot be in the future (at most 5 minutes ahead of the server clock)',
            },
          ],
        },
      }),
    );
  });

  it('should accept occurredAt in the past or a minute ahead (clock skew)', () => {
    for (const occurredAt of [new Date('2026-11-01T08:00:00Z'), new Date(Date.now() + 60_000)]) {
      expect(parseInput(createTicketInputSchema, { ...base, occurredAt }).occurredAt).toEqual(occurredAt);
    }
  });
});
