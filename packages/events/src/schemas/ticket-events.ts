import { Type, type TSchema } from '@sinclair/typebox';
import { defineEvent } from '../envelope';
import { TOPICS } from '../topics';
import {
  ActorSchema,
  ChannelSchema,
  PrioritySchema,
  TicketStatusSchema,
  TicketTypeSchema,
  Timestamp,
  Uuid,
} from './common';

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
      description: Type.Optional(
        Type.String({
          description: 'Masked (ID and card numbers never appear); used e.g. to suggest articles.',
        }),
      ),
      channel: ChannelSchema,
      type: TicketTypeSchema,
      category: Type.Union([Type.String(), Type.Null()]),
      priority: PrioritySchema,
      queueId: Type.String(),
      customerId: Type.String(),
      customerType: Type.Optional(Type.String()),
      customerTier: Type.Optional(
        Type.Union([Type.String(), Type.Null()], {
          description: "Customer tier from the customer record, e.g. 'KEY' (大客户) or 'STANDARD'.",
        }),
      ),
      customerRegion: Type.Optional(
        Type.Union([Type.String(), Type.Null()], {
          description: "Free region code of the customer, e.g. 'CN-GD'.",
        }),
      ),
      createdAt: Timestamp,
      possibleDuplicateOf: Type.Optional(Type.Union([Uuid, Type.Null()])),
      followUpOf: Type.Optional(
        Type.Union([Uuid, Type.Null()], {
          description:
            'The CLOSED ticket this one follows up: its customer wrote on it after it closed. The two are also linked (ticket.linked.v1).',
        }),
      ),
    },
    { additionalProperties: false },
  ),
});

/** Fields every ticket change event carries, so consumers can route and order without lookups. */
const change = {
  ticketId: Uuid,
  version: Type.Integer({ minimum: 1, description: 'Ticket version after this change.' }),
  queueId: Type.String(),
  actor: ActorSchema,
  at: Timestamp,
};

function ticketEvent<TType extends string, TProperties extends Record<string, TSchema>>(
  type: TType,
  description: string,
  properties: TProperties,
) {
  return defineEvent({
    type,
    topic: TOPICS.tickets,
    description: `${description} Key and subject: ticketId.`,
    data: Type.Object({ ...change, ...properties }, { additionalProperties: false }),
  });
}

export const TicketClassifiedV1 = ticketEvent(
  'deskgraph.ticket.classified.v1',
  'An agent changed type, category or priority (overriding the keyword suggestion).',
  {
    type: TicketTypeSchema,
    category: Type.Union([Type.String(), Type.Null()]),
    priority: PrioritySchema,
    previous: Type.Object({
      type: TicketTypeSchema,
      category: Type.Union([Type.String(), Type.Null()]),
      priority: PrioritySchema,
    }),
    reason: Type.String(),
  },
);

export const TicketAssignedV1 = ticketEvent(
  'deskgraph.ticket.assigned.v1',
  'The ticket got an assignee (or lost one).',
  {
    assigneeId: Type.Union([Type.String(), Type.Null()]),
    previousAssigneeId: Type.Union([Type.String(), Type.Null()]),
    mode: Type.Union([Type.Literal('MANUAL'), Type.Literal('AUTOMATIC'), Type.Literal('CLAIMED')]),
  },
);

export const TicketTransferredV1 = ticketEvent(
  'deskgraph.ticket.transferred.v1',
  'The ticket moved to another queue.',
  {
    fromQueueId: Type.String(),
    reason: Type.String(),
  },
);

export const TicketStatusChangedV1 = ticketEvent(
  'deskgraph.ticket.status_changed.v1',
  'The ticket moved through the status machine (resolve, pend, close, archive, reopen …).',
  {
    from: TicketStatusSchema,
    to: TicketStatusSchema,
    reason: Type.Union([Type.String(), Type.Null()]),
    automatic: Type.Boolean({ description: 'True when a timer or rule made the change, not a person.' }),
    reopened: Type.Boolean(),
    mergedIntoTicketId: Type.Optional(
      Type.Union([Uuid, Type.Null()], {
        description:
          'Set when the ticket closed because it was merged into this primary: not a resolution, and not counted in closure metrics.',
      }),
    ),
  },
);

export const TicketRepliedV1 = ticketEvent(
  'deskgraph.ticket.replied.v1',
  'A message was added: a public agent reply, an internal note or a customer reply.',
  {
    messageId: Uuid,
    author: Type.Union([Type.Literal('AGENT'), Type.Literal('CUSTOMER')]),
    visibility: Type.Union([Type.Literal('PUBLIC'), Type.Literal('INTERNAL')]),
    channel: ChannelSchema,
    firstResponse: Type.Boolean({ description: "True for the ticket's first public agent reply." }),
    createdAt: Timestamp,
    body: Type.Optional(
      Type.String({ description: 'Masked text of public messages; internal notes never carry their text.' }),
    ),
    escalationTier: Type.Optional(
      Type.Union([Type.Literal('SUPERVISOR'), Type.Literal('EXPERT'), Type.Null()], {
        description: 'Escalation tier of the ticket when written: an EXPERT reply is an expert answer.',
      }),
    ),
  },
);

export const TicketEscalatedV1 = ticketEvent(
  'deskgraph.ticket.escalated.v1',
  'Vertical (to a supervisor or expert tier) or horizontal (collaborating queues) escalation.',
  {
    direction: Type.Union([Type.Literal('VERTICAL'), Type.Literal('HORIZONTAL')]),
    tier: Type.Union([Type.Literal('SUPERVISOR'), Type.Literal('EXPERT'), Type.Null()]),
    leadQueueId: Type.String(),
    helperQueueIds: Type.Array(Type.String()),
    reason: Type.String(),
    automatic: Type.Boolean(),
  },
);

export const TicketDutyManagerNotifiedV1 = ticketEvent(
  'deskgraph.ticket.duty_manager_notified.v1',
  "A P0/P1 ticket: the queue's duty manager must be told.",
  {
    dutyManagerId: Type.Union([Type.String(), Type.Null()]),
    priority: PrioritySchema,
  },
);

export const CompensationProposalSchema = Type.Object({
  proposalId: Uuid,
  kind: Type.Union(
    ['REFUND', 'REPLACEMENT', 'COUPON', 'SERVICE_UPGRADE'].map((value) => Type.Literal(value)),
  ),
  amount: Type.Union([Type.Number({ minimum: 0 }), Type.Null()]),
  currency: Type.Union([Type.String(), Type.Null()]),
});

export const TicketCompensationChangedV1 = ticketEvent(
  'deskgraph.ticket.compensation_changed.v1',
  'A compensation proposal was made, approved, rejected or carried out.',
  {
    proposal: CompensationProposalSchema,
    status: Type.Union(
      ['PROPOSED', 'APPROVED', 'REJECTED', 'CARRIED_OUT'].map((value) => Type.Literal(value)),
    ),
    note: Type.Union([Type.String(), Type.Null()]),
  },
);

export const TicketRatedV1 = ticketEvent(
  'deskgraph.ticket.rated.v1',
  'The customer confirmed (or not) a resolution and rated satisfaction; UNSATISFIED reopens as a repeat complaint.',
  {
    satisfaction: Type.Union(
      ['VERY_SATISFIED', 'SATISFIED', 'NEUTRAL', 'UNSATISFIED'].map((value) => Type.Literal(value)),
    ),
    repeatComplaint: Type.Boolean(),
  },
);

export const TicketMergedV1 = ticketEvent(
  'deskgraph.ticket.merged.v1',
  'A duplicate (ticketId) was merged into a primary ticket; metrics count the primary only, so consumers drop ticketId from every figure, including what they counted before the merge.',
  {
    primaryTicketId: Uuid,
    excludeFromMetrics: Type.Optional(
      Type.Literal(true, { description: 'Always true: the duplicate ticketId must not be counted.' }),
    ),
    number: Type.Optional(Type.String({ description: 'Number of the duplicate.' })),
    primaryNumber: Type.Optional(Type.String({ description: 'Number of the primary ticket.' })),
  },
);

export const TicketLinkedV1 = ticketEvent(
  'deskgraph.ticket.linked.v1',
  'Two tickets were linked as related.',
  {
    relatedTicketId: Uuid,
  },
);

export const TicketReplyRefusedV1 = ticketEvent(
  'deskgraph.ticket.reply_refused.v1',
  "A public agent reply was refused by the service-language check (forbidden phrases); nothing else changed, so version is the ticket's current version. Actor: the agent.",
  {
    phrases: Type.Array(Type.String(), { minItems: 1, description: 'Forbidden phrases found in the reply.' }),
    suggestions: Type.Array(Type.String(), { description: 'Standard wording suggested instead.' }),
  },
);

export const VisitKindSchema = Type.Union([Type.Literal('FOLLOW_UP'), Type.Literal('KEY_CUSTOMER_TRACKING')]);

export const TicketVisitScheduledV1 = ticketEvent(
  'deskgraph.ticket.visit_scheduled.v1',
  'A follow-up visit (回访) or key-customer tracking visit (跟踪服务) was scheduled.',
  {
    visitId: Uuid,
    kind: VisitKindSchema,
    dueAt: Timestamp,
    assigneeId: Type.Union([Type.String(), Type.Null()]),
  },
);

export const TicketVisitCompletedV1 = ticketEvent(
  'deskgraph.ticket.visit_completed.v1',
  'The outcome of a visit was recorded.',
  {
    visitId: Uuid,
    kind: VisitKindSchema,
    reached: Type.Boolean({ description: 'True when the customer was reached.' }),
    satisfied: Type.Union([Type.Boolean(), Type.Null()], {
      description: 'Null when the customer was not reached or gave no verdict.',
    }),
    note: Type.Union([Type.String(), Type.Null()], { description: 'Masked note.' }),
  },
);

export const TicketVisitOverdueV1 = ticketEvent(
  'deskgraph.ticket.visit_overdue.v1',
  'A visit passed its due time without an outcome; emitted once per visit.',
  {
    visitId: Uuid,
    kind: VisitKindSchema,
    dueAt: Timestamp,
    assigneeId: Type.Union([Type.String(), Type.Null()]),
  },
);
