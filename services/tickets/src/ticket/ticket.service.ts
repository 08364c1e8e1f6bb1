import { randomUUID } from 'node:crypto';
import { buildEvent, TicketCreatedV1 } from '@deskgraph/events';
import { hasRole, type Identity, type OutboxWriter } from '@deskgraph/platform';
import type { DataSource, EntityManager } from 'typeorm';
import { classifyText } from '../classification/classify';
import { DEFAULT_CLASSIFICATION_RULES } from '../classification/classification-rules';
import type { DeskConfig } from '../environment';
import { maskSensitiveText } from '../privacy/masking';
import { assertAuthenticated, assertCanCreate, canReadTicket } from './ticket-access';
import { createTicketInputSchema, parseInput } from './ticket-input';
import { formatTicketNumber, ticketMonthKey } from './ticket-number';
import { TicketEntity } from './ticket.entity';
import { TicketError, TicketErrorCode } from './ticket.errors';

const EVENT_SOURCE = '/deskgraph/tickets';

function mask(text: string): string {
  return maskSensitiveText(text).text;
}

export class TicketService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly outbox: OutboxWriter,
    private readonly desk: DeskConfig,
  ) {}

  async createTicket(identity: Identity, rawInput: unknown): Promise<TicketEntity> {
    const input = parseInput(createTicketInputSchema, rawInput);
    const isCustomer = hasRole(identity, 'customer') && !hasRole(identity, 'agent', 'supervisor', 'admin');
    // Customers cannot pick a queue or a priority; routing and classification decide.
    const queueId = (!isCustomer && input.queueId) || this.desk.defaultQueueId;
    assertCanCreate(identity, queueId);

    const title = mask(input.title);
    const description = mask(input.description);
    const suggestion = classifyText(`${title}\n${description}`, DEFAULT_CLASSIFICATION_RULES);
    const customerId = isCustomer
      ? identity.customerId!
      : (input.customer.id ?? `C-${randomUUID().slice(0, 8)}`);

    return this.dataSource.transaction(async (manager) => {
      const now = new Date();
      const ticket = manager.create(TicketEntity, {
        id: randomUUID(),
        number: await this.nextTicketNumber(manager, now),
        title,
        description,
        channel: input.channel,
        type: (!isCustomer && input.type) || suggestion.type || 'OTHER',
        category: (!isCustomer && input.category) || suggestion.category,
        priority: (!isCustomer && input.priority) || suggestion.priority || 'P3',
        status: 'NEW',
        queueId,
        customerId,
        customerName: mask(input.customer.name),
        customerType: input.customer.type ?? 'INDIVIDUAL',
        customerContact: input.customer.contact ? mask(input.customer.contact) : null,
      });
      const saved = await manager.save(ticket);
      await this.outbox.enqueue(manager, [
        buildEvent(TicketCreatedV1, {
          source: EVENT_SOURCE,
          subject: saved.id,
          time: saved.createdAt,
          data: {
            ticketId: saved.id,
            number: saved.number,
            version: saved.version,
            title: saved.title,
            channel: saved.channel,
            type: saved.type,
            category: saved.category,
            priority: saved.priority,
            queueId: saved.queueId,
            customerId: saved.customerId,
            createdAt: saved.createdAt.toISOString(),
          },
        }),
      ]);
      return saved;
    });
  }

  /** Returns null for tickets the caller may not see, so ids cannot be probed. */
  async findVisible(
    identity: Identity,
    where: { id: string } | { number: string },
  ): Promise<TicketEntity | null> {
    assertAuthenticated(identity);
    if ('id' in where && !isUuid(where.id)) {
      throw new TicketError(TicketErrorCode.InvalidInput, `"${where.id}" is not a ticket id (a UUID).`);
    }
    const ticket = await this.dataSource.getRepository(TicketEntity).findOneBy(where);
    return ticket && canReadTicket(identity, ticket) ? ticket : null;
  }

  private async nextTicketNumber(manager: EntityManager, at: Date): Promise<string> {
    const monthKey = ticketMonthKey(at, this.desk.timeZone);
    const [{ last_value: sequence }] = await manager.query(
      `INSERT INTO ticket_number_sequences (month_key, last_value) VALUES ($1, 1)
       ON CONFLICT (month_key) DO UPDATE SET last_value = ticket_number_sequences.last_value + 1
       RETURNING last_value`,
      [monthKey],
    );
    return formatTicketNumber(monthKey, sequence);
  }
}

function isUuid(value: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);
}
