import { Type } from '@sinclair/typebox';
import { defineEvent } from '../envelope';
import { TOPICS } from '../topics';
import { Timestamp, Uuid } from './common';

const MailKindSchema = Type.Union([Type.Literal('REPLY'), Type.Literal('CONFIRMATION')]);

export const ChannelsMailReceivedV1 = defineEvent({
  type: 'deskgraph.channels.mail_received.v1',
  topic: TOPICS.channels,
  description:
    'An accepted customer mail became a new ticket or a customer message on one. Auto-replies, bounces and list mail never produce it. Key and subject: ticketId.',
  data: Type.Object(
    {
      mailId: Uuid,
      ticketId: Uuid,
      ticketNumber: Type.String(),
      outcome: Type.Union([Type.Literal('TICKET_CREATED'), Type.Literal('CUSTOMER_MESSAGE')]),
      threadedBy: Type.Union([Type.Literal('NEW'), Type.Literal('HEADERS'), Type.Literal('SUBJECT_NUMBER')], {
        description: 'NEW: no thread found; HEADERS: In-Reply-To/References; SUBJECT_NUMBER: [YYYYMM-NNN].',
      }),
      attachmentNames: Type.Array(Type.String()),
      receivedAt: Timestamp,
    },
    { additionalProperties: false },
  ),
});

export const ChannelsMailDeliveryFailedV1 = defineEvent({
  type: 'deskgraph.channels.mail_delivery_failed.v1',
  topic: TOPICS.channels,
  description:
    'A mail to the customer failed for good: a 5xx answer, a bounce, or no attempts left. The ticket timeline carries an internal note. Key and subject: ticketId.',
  data: Type.Object(
    {
      mailId: Uuid,
      ticketId: Uuid,
      kind: MailKindSchema,
      messageId: Type.String({ description: 'Message-ID of the failed mail, with angle brackets.' }),
      reason: Type.Union([Type.Literal('REJECTED'), Type.Literal('BOUNCED'), Type.Literal('GAVE_UP')]),
      responseCode: Type.Union([Type.Integer(), Type.Null()], { description: 'SMTP reply code, when any.' }),
      detail: Type.String({
        description: "The server's answer or the bounce's diagnostic, at most 500 characters.",
      }),
      attempts: Type.Integer({ minimum: 0 }),
      at: Timestamp,
    },
    { additionalProperties: false },
  ),
});

export const ChannelsWebhookDeliveryFailedV1 = defineEvent({
  type: 'deskgraph.channels.webhook_delivery_failed.v1',
  topic: TOPICS.channels,
  description:
    'A webhook delivery used up its attempts (it can be replayed); endpointDisabled tells whether the run of failures disabled the endpoint. Key and subject: endpointId.',
  data: Type.Object(
    {
      deliveryId: Uuid,
      endpointId: Uuid,
      eventId: Type.String(),
      eventType: Type.String(),
      attempts: Type.Integer({ minimum: 1 }),
      lastStatus: Type.Union([Type.Integer(), Type.Null()], {
        description: 'Last HTTP status, null when none came.',
      }),
      lastError: Type.String(),
      endpointDisabled: Type.Boolean(),
      at: Timestamp,
    },
    { additionalProperties: false },
  ),
});
