import { DateTimeScalar, hasRole, type Identity } from '@deskgraph/platform';
import { ChannelsError, ChannelsErrorCode } from '../channels.errors';
import type { ChannelsContext } from '../server';
import type { DeliveryRow, EndpointRow } from './webhook.service';

function assertAdmin(identity: Identity): void {
  if (identity.roles.length === 0) {
    throw new ChannelsError(
      ChannelsErrorCode.Unauthenticated,
      'Sign in: this operation needs a valid token.',
    );
  }
  if (!hasRole(identity, 'admin')) {
    throw new ChannelsError(
      ChannelsErrorCode.NotAllowed,
      'Only admins can see and change channel configuration.',
    );
  }
}

function endpoint(row: EndpointRow) {
  return {
    id: row.id,
    name: row.name,
    url: row.url,
    format: row.format,
    eventTypes: row.event_types,
    queueIds: row.queue_ids,
    enabled: row.enabled,
    consecutiveFailures: row.consecutive_failures,
    disabledReason: row.disabled_reason,
    signed: row.secret.length > 0,
    createdBy: row.created_by,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function delivery(row: DeliveryRow) {
  return {
    id: row.id,
    endpointId: row.endpoint_id,
    eventId: row.event_id,
    eventType: row.event_type,
    ticketId: row.ticket_id,
    state: row.state,
    attempts: row.attempts,
    lastStatus: row.last_status,
    lastError: row.last_error,
    nextAttemptAt: row.state === 'PENDING' ? row.next_attempt_at : null,
    replayOf: row.replay_of,
    createdAt: row.created_at,
    deliveredAt: row.delivered_at,
  };
}

export const channelsResolvers = {
  DateTime: DateTimeScalar,
  Query: {
    webhookEndpoints: async (_: unknown, __: unknown, context: ChannelsContext) => {
      assertAdmin(context.identity);
      return (await context.webhooks.list()).map(endpoint);
    },
    webhookDeliveries: async (
      _: unknown,
      args: { endpointId: string; states?: string[] | null; first?: number | null; before?: string | null },
      context: ChannelsContext,
    ) => {
      assertAdmin(context.identity);
      return (await context.webhooks.deliveries(args)).map(delivery);
    },
    mailDeliveries: async (_: unknown, args: { ticketId: string }, context: ChannelsContext) => {
      assertAdmin(context.identity);
      const rows = await context.mail.forTicket(args.ticketId);
      return rows.map((row) => ({
        id: row.id,
        kind: row.kind,
        ticketId: row.ticket_id,
        messageId: `<${row.message_id}>`,
        toAddress: row.to_address,
        subject: row.subject,
        state: row.state,
        attempts: row.attempts,
        lastCode: row.last_code,
        lastResponse: row.last_response,
        failureReason: row.failure_reason,
        createdAt: row.created_at,
        sentAt: row.sent_at,
        failedAt: row.failed_at,
      }));
    },
  },
  Mutation: {
    createWebhookEndpoint: async (_: unknown, args: { input: unknown }, context: ChannelsContext) => {
      assertAdmin(context.identity);
      const created = await context.webhooks.create(args.input, context.identity.userId);
      return { endpoint: endpoint(created.endpoint), secret: created.secret };
    },
    updateWebhookEndpoint: async (_: unknown, args: { input: unknown }, context: ChannelsContext) => {
      assertAdmin(context.identity);
      return endpoint(await context.webhooks.update(args.input));
    },
    deleteWebhookEndpoint: async (_: unknown, args: { id: string }, context: ChannelsContext) => {
      assertAdmin(context.identity);
      return context.webhooks.remove(args.id);
    },
    replayWebhookDelivery: async (_: unknown, args: { id: string }, context: ChannelsContext) => {
      assertAdmin(context.identity);
      const row = await context.webhooks.replay(args.id);
      context.wakeWebhooks();
      return delivery(row);
    },
  },
};
