import { Type } from '@sinclair/typebox';
import { defineEvent } from '../envelope';
import { TOPICS } from '../topics';
import { Timestamp, Uuid } from './common';

export const HandoverCreatedV1 = defineEvent({
  type: 'deskgraph.handover.created.v1',
  topic: TOPICS.tickets,
  description:
    'An agent ending a shift handed their open tickets to a colleague (toAgentId) or to the queue (toAgentId null). Key and subject: handoverId.',
  data: Type.Object(
    {
      handoverId: Uuid,
      fromAgentId: Type.String(),
      toAgentId: Type.Union([Type.String(), Type.Null()]),
      queueId: Type.String(),
      ticketIds: Type.Array(Uuid),
      note: Type.Union([Type.String(), Type.Null()]),
      at: Timestamp,
    },
    { additionalProperties: false },
  ),
});

export const HandoverAcknowledgedV1 = defineEvent({
  type: 'deskgraph.handover.acknowledged.v1',
  topic: TOPICS.tickets,
  description: 'The receiver of a handover acknowledged it. Key and subject: handoverId.',
  data: Type.Object(
    {
      handoverId: Uuid,
      acknowledgedBy: Type.String(),
      at: Timestamp,
    },
    { additionalProperties: false },
  ),
});
