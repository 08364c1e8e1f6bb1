import type { StatementWrite } from '@deskgraph/platform';
import { TicketEntity } from './ticket.entity';

/** A new ticket's fields; the rest start empty (as the columns' defaults say). */
export type NewTicket = Pick<
  TicketEntity,
  | 'id'
  | 'number'
  | 'title'
  | 'description'
  | 'channel'
  | 'type'
  | 'category'
  | 'priority'
  | 'queueId'
  | 'customerId'
  | 'customerName'
  | 'customerType'
  | 'customerContact'
  | 'customerPreferredChannel'
  | 'customerTier'
  | 'customerRegion'
  | 'occurredAt'
  | 'expectedOutcome'
  | 'expectedBy'
  | 'customerMood'
  | 'attachments'
  | 'tags'
  | 'suggestion'
  | 'possibleDuplicateOf'
  | 'createdAt'
>;

/** The entity a new ticket is, every column set, as a read of its row would give it. */
export function newTicketEntity(fields: NewTicket): TicketEntity {
  return Object.assign(new TicketEntity(), {
    ...fields,
    status: 'NEW',
    assigneeId: null,
    updatedAt: fields.createdAt,
    escalationTier: null,
    helperQueueIds: [],
    firstRespondedAt: null,
    resolvedAt: null,
    closedAt: null,
    archivedAt: null,
    autoClosed: false,
    satisfaction: null,
    satisfactionComment: null,
    repeatComplaint: false,
    reopenCount: 0,
    mergedIntoId: null,
    version: 1,
  } satisfies Omit<TicketEntity, keyof NewTicket> & NewTicket);
}

/**
 * The INSERT of a new ticket, to ride in the outbox's statement (see
 * OutboxWriter.enqueue). Plain SQL on the intake path: TypeORM's insert
 * built and mapped the statement with more CPU than PostgreSQL spent on it.
 */
export function ticketInsert(ticket: TicketEntity): StatementWrite {
  const columns: [string, unknown][] = [
    ['id', ticket.id],
    ['number', ticket.number],
    ['title', ticket.title],
    ['description', ticket.description],
    ['channel', ticket.channel],
    ['type', ticket.type],
    ['category', ticket.category],
    ['priority', ticket.priority],
    ['status', ticket.status],
    ['queue_id', ticket.queueId],
    ['customer_id', ticket.customerId],
    ['customer_name', ticket.customerName],
    ['customer_type', ticket.customerType],
    ['customer_contact', ticket.customerContact],
    ['customer_preferred_channel', ticket.customerPreferredChannel],
    ['customer_tier', ticket.customerTier],
    ['customer_region', ticket.customerRegion],
    ['created_at', ticket.createdAt],
    ['updated_at', ticket.updatedAt],
    ['assignee_id', ticket.assigneeId],
    ['occurred_at', ticket.occurredAt],
    ['expected_outcome', ticket.expectedOutcome],
    ['expected_by', ticket.expectedBy],
    ['customer_mood', ticket.customerMood],
    // jsonb: an array parameter would be sent as a PostgreSQL array.
    ['attachments', JSON.stringify(ticket.attachments)],
    ['tags', ticket.tags],
    ['suggestion', ticket.suggestion === null ? null : JSON.stringify(ticket.suggestion)],
    ['helper_queue_ids', ticket.helperQueueIds],
    ['possible_duplicate_of', ticket.possibleDuplicateOf],
    ['version', ticket.version],
  ];
  return (bind) =>
    `new_ticket AS (INSERT INTO tickets (${columns.map(([name]) => `"${name}"`).join(', ')})
     VALUES (${columns.map(([, value]) => bind(value)).join(', ')}))`;
}
