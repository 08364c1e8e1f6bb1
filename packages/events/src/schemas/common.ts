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
