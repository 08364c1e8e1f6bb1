import { randomBytes, randomUUID } from 'node:crypto';
import {
  buildEvent,
  TicketClassifiedV1,
  TicketCreatedV1,
  TicketRepliedV1,
  TicketStatusChangedV1,
  type DeskgraphEvent,
  type Priority,
  type TicketStatusName,
  type TicketTypeName,
} from '@deskgraph/events';
import { dropDatabase, ensureDatabase, splitDatabaseUrl } from '@deskgraph/infra';
import {
  applyEventsInBatch,
  countStatements,
  createLogger,
  databaseModel,
  migrateDataSource,
  OutboxWriter,
  parseEnvironment,
  type EventHandler,
  type HandlerOutcome,
} from '@deskgraph/platform';
import type { DataSource } from 'typeorm';
import { ClockEngine } from '../../src/clock/clock-engine';
import { SlaClockEntity } from '../../src/clock/sla-clock.entity';
import { createSlaDataSource, SLA_SCHEMA } from '../../src/database/data-source';
import { applyTicketEvent } from '../../src/events/consumers/ticket-events.consumer';
import { PolicyStore } from '../../src/policy/policy-store';
import type { SlaTarget } from '../../src/policy/sla-policy';

// Focused tests of the SLA engine on real PostgreSQL, without a broker: a
// fresh, migrated database per test file, events applied the way the
// consumer applies them (one transaction each).

export const logger = createLogger('sla-test', 'silent');

export interface SlaDatabase {
  url: string;
  dataSource: DataSource;
  policies: PolicyStore;
  engine: ClockEngine;
  outbox: OutboxWriter;
  /** Applies one ticket event in its own transaction, as the consumer does. */
  apply(event: DeskgraphEvent): Promise<HandlerOutcome>;
  /** Applies events as one consumer batch (one transaction); counts the SQL statements it sent. */
  applyBatch(events: DeskgraphEvent[]): Promise<{ outcomes: HandlerOutcome[]; statements: number }>;
  clock(ticketId: string, target: SlaTarget): Promise<SlaClockEntity>;
  /** The SLA events written to the outbox for a ticket, oldest first. */
  events(ticketId: string): Promise<{ type: string; data: Record<string, unknown> }[]>;
  pendingTimers(clockId: string): Promise<{ kind: string; fire_at: Date }[]>;
  /** Another connection pool on the same database, e.g. a second replica. */
  openDataSource(): Promise<DataSource>;
  stop(): Promise<void>;
}

export async function startSlaDatabase(): Promise<SlaDatabase> {
  const { database } = parseEnvironment({ database: databaseModel });
  const { serverUrl } = splitDatabaseUrl(database.url);
  const databaseName = `deskgraph_sla_${randomBytes(4).toString('hex')}`;
  const url = await ensureDatabase(serverUrl, databaseName);
  const openDataSource = async () => {
    const dataSource = createSlaDataSource({ url, poolSize: 5 });
    await dataSource.initialize();
    return dataSource;
  };
  await migrateDataSource(createSlaDataSource({ url, poolSize: 2 }), SLA_SCHEMA);
  const dataSource = await openDataSource();
  let statements = 0;
  countStatements(dataSource, () => statements++);
  const others: DataSource[] = [];
  const policies = new PolicyStore(dataSource);
  const outbox = new OutboxWriter('');
  const engine = new ClockEngine(policies, outbox);
  return {
    url,
    dataSource,
    policies,
    engine,
    outbox,
    apply: (event) =>
      dataSource.transaction(async (manager) => {
        const handle: EventHandler = (one, context) => applyTicketEvent(engine, one, context);
        return (await applyEventsInBatch(manager, [event], handle, { outbox, logger })).outcomes[0];
      }),
    applyBatch: async (events) => {
      const from = statements;
      const outcomes = await dataSource.transaction(async (manager) => {
        const handle: EventHandler = (one, context) => applyTicketEvent(engine, one, context);
        return (await applyEventsInBatch(manager, events, handle, { outbox, logger })).outcomes;
      });
      return { outcomes, statements: statements - from };
    },
    clock: async (ticketId, target) =>
      dataSource.getRepository(SlaClockEntity).findOneByOrFail({ ticketId, target }),
    events: async (ticketId) =>
      (
        await dataSource.query(`SELECT payload FROM outbox WHERE message_key = $1 ORDER BY sequence`, [
          ticketId,
        ])
      ).map((row: { payload: { type: string; data: Record<string, unknown> } }) => ({
        type: row.payload.type.replace(/^deskgraph\.sla\.clock_(\w+)\.v1$/, '$1'),
        data: row.payload.data,
      })),
    pendingTimers: (clockId) =>
      dataSource.query(
        `SELECT kind, fire_at FROM timers WHERE clock_id = $1 AND fired_at IS NULL ORDER BY fire_at`,
        [clockId],
      ),
    openDataSource: async () => {
      const other = await openDataSource();
      others.push(other);
      return other;
    },
    async stop() {
      for (const other of others) if (other.isInitialized) await other.destroy();
      await dataSource.destroy();
      await dropDatabase(serverUrl, databaseName);
    },
  };
}

const ACTOR = { id: 'a1', role: 'agent' as const };

/** Builds the ticket events a tickets service would publish, with explicit versions and times. */
export function ticketEvents(ticketId: string = randomUUID(), queueId = 'general') {
  const meta = (version: number, at: string) => ({ ticketId, queueId, actor: ACTOR, version, at });
  return {
    ticketId,
    created: (
      createdAt: string,
      priority: Priority,
      options: { type?: TicketTypeName; customerType?: string; version?: number } = {},
    ) =>
      buildEvent(TicketCreatedV1, {
        source: '/test',
        subject: ticketId,
        data: {
          ticketId,
          number: '202701-001',
          version: options.version ?? 1,
          title: 'Test ticket',
          channel: 'EMAIL',
          type: options.type ?? 'SERVICE_REQUEST',
          category: null,
          priority,
          queueId,
          customerId: 'C-1',
          ...(options.customerType ? { customerType: options.customerType } : {}),
          createdAt,
        },
      }),
    status: (version: number, at: string, from: TicketStatusName, to: TicketStatusName, reopened = false) =>
      buildEvent(TicketStatusChangedV1, {
        source: '/test',
        subject: ticketId,
        data: { ...meta(version, at), from, to, reason: null, automatic: false, reopened },
      }),
    reply: (
      version: number,
      at: string,
      author: 'AGENT' | 'CUSTOMER',
      visibility: 'PUBLIC' | 'INTERNAL' = 'PUBLIC',
    ) =>
      buildEvent(TicketRepliedV1, {
        source: '/test',
        subject: ticketId,
        data: {
          ...meta(version, at),
          messageId: randomUUID(),
          author,
          visibility,
          channel: 'EMAIL',
          firstResponse: false,
          createdAt: at,
        },
      }),
    classified: (version: number, at: string, priority: Priority, previous: Priority) =>
      buildEvent(TicketClassifiedV1, {
        source: '/test',
        subject: ticketId,
        data: {
          ...meta(version, at),
          type: 'SERVICE_REQUEST',
          category: null,
          priority,
          previous: { type: 'SERVICE_REQUEST', category: null, priority: previous },
          reason: 'test',
        },
      }),
  };
}

/** An ISO instant `minutes` from now (negative: in the past). */
export function minutesFromNow(minutes: number): string {
  return new Date(Date.now() + minutes * 60_000).toISOString();
}
