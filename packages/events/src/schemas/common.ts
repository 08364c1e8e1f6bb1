import { Type, type Static } from '@sinclair/typebox';

export const Uuid = Type.String({ format: 'uuid' });
export const Timestamp = Type.String({ format: 'date-time' });
export const PrioritySchema = Type.Union([
  Type.Literal('P0'),
  Type.Literal('P1'),
  Type.Literal('P2'),
  Type.Literal('P3'),
]);
export const ChannelSchema = Type.Union(
  ['PHONE', 'CHAT', 'EMAIL', 'APP', 'SOCIAL_MEDIA', 'WALK_IN', 'THIRD_PARTY'].map((value) =>
    Type.Literal(value),
  ),
);
export const TicketTypeSchema = Type.Union(
  ['CONSULTATION', 'COMPLAINT', 'FAULT_REPORT', 'SERVICE_REQUEST', 'SUGGESTION', 'OTHER'].map((value) =>
    Type.Literal(value),
  ),
);

export type Priority = Static<typeof PrioritySchema>;
export type Channel = Static<typeof ChannelSchema>;
export type TicketTypeName = Static<typeof TicketTypeSchema>;

export const TicketStatusSchema = Type.Union(
  [
    'NEW',
    'ASSIGNED',
    'IN_PROGRESS',
    'PENDING_CUSTOMER',
    'PENDING_THIRD_PARTY',
    'RESOLVED',
    'CLOSED',
    'ARCHIVED',
  ].map((value) => Type.Literal(value)),
);

/** Who did it: a user (with the role they acted in) or the system itself. */
export const ActorSchema = Type.Object(
  {
    id: Type.String(),
    role: Type.Union(
      ['customer', 'agent', 'supervisor', 'admin', 'analyst', 'editor', 'system'].map((value) =>
        Type.Literal(value),
      ),
    ),
  },
  { additionalProperties: false },
);

export type TicketStatusName = Static<typeof TicketStatusSchema>;
export type Actor = Static<typeof ActorSchema>;
