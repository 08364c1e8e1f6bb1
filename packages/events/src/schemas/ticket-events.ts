import { Type } from '@sinclair/typebox';
import { defineEvent } from '../envelope';
import { TOPICS } from '../topics';
import { ChannelSchema, PrioritySchema, TicketTypeSchema, Timestamp, Uuid } from './common';

export const TicketCreatedV1 = defineEvent({
  type: 'deskgraph.ticket.created.v1',
  topic: TOPICS.tickets,
  description: 'A ticket was recorded from any channel. Key and subject: ticketId.',
  data: Type.Object(
    {
      ticketId: Uuid,
      number: Type.String({ pattern: '^[0-9]{6}-[0-9]{3,}$' }),
      version: Type.Integer({ minimum: 1, description: 'Ticket version after this change.' }),
      title: Type.String(),
      channel: ChannelSchema,
      type: TicketTypeSchema,
      category: Type.Union([Type.String(), Type.Null()]),
      priority: PrioritySchema,
      queueId: Type.String(),
      customerId: Type.String(),
      createdAt: Timestamp,
    },
    { additionalProperties: false },
  ),
});
