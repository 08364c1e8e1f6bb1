import { hasRole, type Identity } from '@deskgraph/platform';
import type { DataSource, SelectQueryBuilder } from 'typeorm';
import { z } from 'zod';
import { CHANNELS } from '../customer/customer.entity';
import { PRIORITIES, TICKET_TYPES } from '../classification/classification-rules';
import { TimelineEntryEntity } from '../timeline/timeline.entity';
import { assertAuthenticated, canReadTicket, isCustomerOnly } from './ticket-access';
import { parseInput } from './ticket-input';
import { TICKET_STATUSES } from './ticket-status';
import { TicketEntity } from './ticket.entity';
import { TicketError, TicketErrorCode } from './ticket.errors';

export const TICKET_ORDERS = ['CREATED_AT_DESC', 'CREATED_AT_ASC', 'UPDATED_AT_DESC', 'PRIORITY'] as const;
export type TicketOrder = (typeof TICKET_ORDERS)[number];
const MAX_PAGE = 100;

const filterSchema = z
  .object({
    queueIds: z.array(z.string()).max(50).nullish(),
    statuses: z.array(z.enum(TICKET_STATUSES)).nullish(),
    priorities: z.array(z.enum(PRIORITIES)).nullish(),
    types: z.array(z.enum(TICKET_TYPES)).nullish(),
    channels: z.array(z.enum(CHANNELS)).nullish(),
    assigneeIds: z.array(z.string()).max(50).nullish(),
    customerIds: z.array(z.string()).max(50).nullish(),
    tags: z.array(z.string()).max(20).nullish(),
    createdFrom: z.date().nullish(),
    createdTo: z.date().nullish(),
    text: z.string().trim().max(200).nullish(),
    unassigned: z.boolean().nullish(),
    includeMerged: z.boolean().nullish(),
  })
  .superRefine((filter, context) => {
    if (filter.createdFrom && filter.createdTo && filter.createdTo <= filter.createdFrom) {
      context.addIssue({
        code: 'custom',
        path: ['createdTo'],
        message: 'createdTo must be after createdFrom',
      });
    }
  });

export type TicketFilter = z.infer<typeof filterSchema>;

export interface TicketPage {
  edges: { cursor: string; node: TicketEntity }[];
  pageInfo: {
    hasNextPage: boolean;
    hasPreviousPage: boolean;
    startCursor: string | null;
    endCursor: string | null;
  };
  /** Matching tickets across all pages; a separate count query, run only when asked. */
  totalCount: () => Promise<number>;
}

/** Keyset cursors: [sort value, id], so pages stay stable while tickets arrive. */
export function encodeCursor(values: (string | number)[]): string {
  return Buffer.from(JSON.stringify(values)).toString('base64url');
}

export function decodeCursor(cursor: string): (string | number)[] {
  try {
    const values = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(values) && values.length === 2) return values;
  } catch {
    // fall through to the error below
  }
  throw new TicketError(TicketErrorCode.InvalidInput, 'after is not a cursor returned by this query.');
}

const PRIORITY_RANK = `CASE ticket.priority WHEN 'P0' THEN 0 WHEN 'P1' THEN 1 WHEN 'P2' THEN 2 ELSE 3 END`;

/** Agent-desk and portal queries: filters, sorting and Relay-style pagination. */
export class TicketQueryService {
  constructor(private readonly dataSource: DataSource) {}

  async list(
    identity: Identity,
    rawFilter: unknown,
    order: TicketOrder,
    first: number,
    after?: string | null,
  ): Promise<TicketPage> {
    assertAuthenticated(identity);
    if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE) {
      throw new TicketError(TicketErrorCode.InvalidInput, `first must be between 1 and ${MAX_PAGE}.`);
    }
    const filter = parseInput(filterSchema, rawFilter ?? {});
    const query = this.dataSource.getRepository(TicketEntity).createQueryBuilder('ticket');
    this.restrictToVisible(query, identity);
    this.applyFilter(query, filter);
    const counter = query.clone();
    const [sortExpression, direction, valueOf] = this.ordering(order);
    if (after) {
      const [value, id] = decodeCursor(after);
      const comparator = direction === 'DESC' ? '<' : '>';
      query.andWhere(`(${sortExpression}, ticket.id) ${comparator} (:cursorValue, :cursorId)`, {
        cursorValue: value,
        cursorId: id,
      });
    }
    query
      .orderBy(sortExpression, direction)
      .addOrderBy('ticket.id', direction)
      .take(first + 1);
    const rows = await query.getMany();
    const page = rows.slice(0, first);
    const edges = page.map((node) => ({ cursor: encodeCursor([valueOf(node), node.id]), node }));
    return {
      edges,
      pageInfo: {
        hasNextPage: rows.length > first,
        hasPreviousPage: Boolean(after),
        startCursor: edges[0]?.cursor ?? null,
        endCursor: edges.at(-1)?.cursor ?? null,
      },
      totalCount: () => counter.getCount(),
    };
  }

  /**
   * Staff: open tickets assigned to them, most urgent first. Customers: their
   * own tickets still in handling or waiting for their confirmation, newest first.
   */
  async myOpen(identity: Identity, first: number, after?: string | null): Promise<TicketPage> {
    if (isCustomerOnly(identity)) {
      return this.list(
        identity,
        {
          statuses: ['NEW', 'ASSIGNED', 'IN_PROGRESS', 'PENDING_CUSTOMER', 'PENDING_THIRD_PARTY', 'RESOLVED'],
        },
        'CREATED_AT_DESC',
        first,
        after,
      );
    }
    return this.list(
      identity,
      {
        assigneeIds: [identity.userId],
        statuses: ['ASSIGNED', 'IN_PROGRESS', 'PENDING_CUSTOMER', 'PENDING_THIRD_PARTY'],
      },
      'PRIORITY',
      first,
      after,
    );
  }

  async timeline(identity: Identity, ticket: TicketEntity): Promise<TimelineEntryEntity[]> {
    if (!canReadTicket(identity, ticket)) return [];
    return this.dataSource
      .getRepository(TimelineEntryEntity)
      .find({ where: { ticketId: ticket.id }, order: { id: 'ASC' } });
  }

  async related(identity: Identity, ticket: TicketEntity): Promise<TicketEntity[]> {
    const rows: TicketEntity[] = await this.dataSource
      .getRepository(TicketEntity)
      .createQueryBuilder('ticket')
      .innerJoin('ticket_links', 'link', 'link.related_ticket_id = ticket.id')
      .where('link.ticket_id = :id', { id: ticket.id })
      .getMany();
    return rows.filter((related) => canReadTicket(identity, related));
  }

  async findById(identity: Identity, id: string | null): Promise<TicketEntity | null> {
    if (!id) return null;
    const ticket = await this.dataSource.getRepository(TicketEntity).findOneBy({ id });
    return ticket && canReadTicket(identity, ticket) ? ticket : null;
  }

  private restrictToVisible(query: SelectQueryBuilder<TicketEntity>, identity: Identity): void {
    if (hasRole(identity, 'admin')) return;
    if (isCustomerOnly(identity)) {
      query.andWhere('ticket.customer_id = :ownCustomerId', { ownCustomerId: identity.customerId ?? '' });
      return;
    }
    query.andWhere('(ticket.queue_id = ANY(:ownQueues) OR ticket.helper_queue_ids && :ownQueues)', {
      ownQueues: identity.queueIds,
    });
  }

  private applyFilter(query: SelectQueryBuilder<TicketEntity>, filter: TicketFilter): void {
    const anyOf = (column: string, name: string, values: string[] | null | undefined) => {
      if (values?.length) query.andWhere(`${column} = ANY(:${name})`, { [name]: values });
    };
    anyOf('ticket.queue_id', 'queueIds', filter.queueIds);
    anyOf('ticket.status', 'statuses', filter.statuses);
    anyOf('ticket.priority', 'priorities', filter.priorities);
    anyOf('ticket.type', 'types', filter.types);
    anyOf('ticket.channel', 'channels', filter.channels);
    anyOf('ticket.assignee_id', 'assigneeIds', filter.assigneeIds);
    anyOf('ticket.customer_id', 'customerIds', filter.customerIds);
    if (filter.tags?.length) query.andWhere('ticket.tags @> :tags', { tags: filter.tags });
    if (filter.createdFrom)
      query.andWhere('ticket.created_at >= :createdFrom', { createdFrom: filter.createdFrom });
    if (filter.createdTo) query.andWhere('ticket.created_at < :createdTo', { createdTo: filter.createdTo });
    if (filter.unassigned) query.andWhere('ticket.assignee_id IS NULL');
    if (!filter.includeMerged) query.andWhere('ticket.merged_into_id IS NULL');
    if (filter.text) {
      const pattern = `%${filter.text.replace(/[\\%_]/g, (character) => `\\${character}`)}%`;
      query.andWhere(
        '(ticket.title ILIKE :text OR ticket.description ILIKE :text OR ticket.number = :exact)',
        {
          text: pattern,
          exact: filter.text,
        },
      );
    }
  }

  private ordering(order: TicketOrder): [string, 'ASC' | 'DESC', (ticket: TicketEntity) => string | number] {
    switch (order) {
      case 'CREATED_AT_ASC':
        return ['ticket.created_at', 'ASC', (ticket) => ticket.createdAt.toISOString()];
      case 'UPDATED_AT_DESC':
        return ['ticket.updated_at', 'DESC', (ticket) => ticket.updatedAt.toISOString()];
      case 'PRIORITY':
        return [PRIORITY_RANK, 'ASC', (ticket) => PRIORITIES.indexOf(ticket.priority)];
      case 'CREATED_AT_DESC':
        return ['ticket.created_at', 'DESC', (ticket) => ticket.createdAt.toISOString()];
    }
  }
}
