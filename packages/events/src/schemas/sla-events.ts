import { Type, type Static } from '@sinclair/typebox';
import { defineEvent } from '../envelope';
import { TOPICS } from '../topics';
import { PrioritySchema, Timestamp, Uuid } from './common';

export const SlaTargetSchema = Type.Union([
  Type.Literal('FIRST_RESPONSE'),
  Type.Literal('NEXT_RESPONSE'),
  Type.Literal('RESOLUTION'),
]);

export const SlaClockStartedV1 = defineEvent({
  type: 'deskgraph.sla.clock_started.v1',
  topic: TOPICS.sla,
  description: "An SLA clock started for one of a ticket's targets. Key and subject: ticketId.",
  data: Type.Object(
    {
      clockId: Uuid,
      ticketId: Uuid,
      queueId: Type.String(),
      target: SlaTargetSchema,
      priority: PrioritySchema,
      startedAt: Timestamp,
      dueAt: Timestamp,
      businessTime: Type.Boolean({ description: 'True when the target counts business hours only.' }),
    },
    { additionalProperties: false },
  ),
});

export type SlaTargetName = Static<typeof SlaTargetSchema>;
