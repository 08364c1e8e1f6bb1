import { Type, type Static, type TSchema } from '@sinclair/typebox';
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
      cycle: Type.Optional(
        Type.Integer({ minimum: 1, description: 'NEXT_RESPONSE restarts a new cycle per customer message.' }),
      ),
      warningAt: Type.Optional(Timestamp),
      policyVersion: Type.Optional(Type.Integer({ minimum: 1 })),
    },
    { additionalProperties: false },
  ),
});

const clockBase = {
  clockId: Uuid,
  ticketId: Uuid,
  queueId: Type.String(),
  target: SlaTargetSchema,
  cycle: Type.Integer({ minimum: 1 }),
  at: Timestamp,
};

function slaEvent<TType extends string, TProperties extends Record<string, TSchema>>(
  type: TType,
  description: string,
  properties: TProperties,
) {
  return defineEvent({
    type,
    topic: TOPICS.sla,
    description: `${description} Key and subject: ticketId.`,
    data: Type.Object({ ...clockBase, ...properties }, { additionalProperties: false }),
  });
}

export const SlaPauseReasonSchema = Type.Union([
  Type.Literal('WAITING_ON_CUSTOMER'),
  Type.Literal('WAITING_ON_THIRD_PARTY'),
]);

export const SlaClockPausedV1 = slaEvent('deskgraph.sla.clock_paused.v1', 'A clock paused (typed reason).', {
  reason: SlaPauseReasonSchema,
});

export const SlaClockResumedV1 = slaEvent('deskgraph.sla.clock_resumed.v1', 'A paused clock runs again.', {
  dueAt: Timestamp,
  pausedMs: Type.Integer({ minimum: 0, description: 'Length of the pause that just ended, wall-clock.' }),
});

const firing = {
  dueAt: Timestamp,
  priority: PrioritySchema,
  late: Type.Boolean({
    description: 'True when fired more than a second after its moment (e.g. after an outage).',
  }),
  lateMs: Type.Integer({ minimum: 0 }),
};

export const SlaClockWarnedV1 = slaEvent(
  'deskgraph.sla.clock_warned.v1',
  'A clock reached its warning share (default 80 %) of the target.',
  firing,
);

export const SlaClockBreachedV1 = slaEvent(
  'deskgraph.sla.clock_breached.v1',
  'A clock passed its due time without being fulfilled; the ticket escalates.',
  firing,
);

export const SlaClockFulfilledV1 = slaEvent(
  'deskgraph.sla.clock_fulfilled.v1',
  'The target was met (or met late).',
  {
    dueAt: Type.Union([Timestamp, Type.Null()]),
    breached: Type.Boolean(),
    elapsedMs: Type.Integer({
      minimum: 0,
      description: 'Counted (business or clock) time, pauses excluded.',
    }),
    businessTime: Type.Boolean(),
  },
);

export const SlaClockRecomputedV1 = slaEvent(
  'deskgraph.sla.clock_recomputed.v1',
  'A priority change recomputed the due time from the start under the new target.',
  {
    priority: PrioritySchema,
    previousDueAt: Type.Union([Timestamp, Type.Null()]),
    dueAt: Type.Union([Timestamp, Type.Null()]),
    targetMs: Type.Integer({ minimum: 1 }),
  },
);

export const SlaClockStoppedV1 = slaEvent(
  'deskgraph.sla.clock_stopped.v1',
  'A clock stopped without being fulfilled (ticket closed or merged).',
  {},
);

export type SlaTargetName = Static<typeof SlaTargetSchema>;
