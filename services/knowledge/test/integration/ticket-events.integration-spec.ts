import { randomBytes, randomUUID } from 'node:crypto';
import {
  buildEvent,
  TicketClassifiedV1,
  TicketCreatedV1,
  TicketRepliedV1,
  TicketStatusChangedV1,
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
} from '@deskgraph/platform';
import type { DataSource } from 'typeorm';
import { ArticleEntity } from '../../src/article/article.entity';
import { createKnowledgeDataSource, KNOWLEDGE_SCHEMA } from '../../src/database/data-source';
import { applyTicketEvent } from '../../src/events/consumers/ticket-events.consumer';
import { TicketFactEntity } from '../../src/ticket-facts/ticket-fact.entity';

// The ticket-events handler on real PostgreSQL, without a broker: each event
// applied in its own transaction, as the consumer does.

const logger = createLogger('knowledge-test', 'silent');
const AGENT = { id: 'expert-1', role: 'agent' as const };

function ticketEvents(options: { type?: TicketTypeName; category?: string | null } = {}) {
  const ticketId = randomUUID();
  const meta = (version: number) => ({
    ticketId,
    queueId: 'general',
    actor: AGENT,
    version,
    at: new Date().toISOString(),
  });
  return {
    ticketId,
    created: () =>
      buildEvent(TicketCreatedV1, {
        source: '/test',
        subject: ticketId,
        data: {
          ticketId,
          number: '202701-042',
          version: 1,
          title: 'How do I get a VAT invoice?',
          description: 'Our company needs a VAT invoice.',
          channel: 'EMAIL',
          type: options.type ?? 'CONSULTATION',
          category: options.category === undefined ? 'transaction' : options.category,
          priority: 'P3',
          queueId: 'general',
          customerId: 'C-1',
          createdAt: new Date().toISOString(),
        },
      }),
    reply: (version: number, body: string, tier: 'EXPERT' | 'SUPERVISOR' | null, visibility = 'PUBLIC') =>
      buildEvent(TicketRepliedV1, {
        source: '/test',
        subject: ticketId,
        data: {
          ...meta(version),
          messageId: randomUUID(),
          author: 'AGENT',
          visibility: visibility as 'PUBLIC' | 'INTERNAL',
          channel: 'EMAIL',
          firstResponse: false,
          createdAt: new Date().toISOString(),
          ...(visibility === 'PUBLIC' ? { body } : {}),
          escalationTier: tier,
        },
      }),
    status: (version: number, from: TicketStatusName, to: TicketStatusName) =>
      buildEvent(TicketStatusChangedV1, {
        source: '/test',
        subject: ticketId,
        data: { ...meta(version), from, to, reason: null, automatic: false, reopened: from === 'RESOLVED' },
      }),
    classified: (version: number, category: string) =>
      buildEvent(TicketClassifiedV1, {
        source: '/test',
        subject: ticketId,
        data: {
          ...meta(version),
          type: options.type ?? 'CONSULTATION',
          category,
          priority: 'P2',
          previous: { type: options.type ?? 'CONSULTATION', category: 'transaction', priority: 'P3' },
          reason: 'test',
        },
      }),
  };
}

describe('knowledge: ticket events kept and captured', () => {
  let dataSource: DataSource;
  let stop: () => Promise<void>;
  let statements = 0;
  const outbox = new OutboxWriter('');
  const apply = (event: Parameters<typeof applyTicketEvent>[0]) =>
    dataSource.transaction(
      async (manager) =>
        (await applyEventsInBatch(manager, [event], applyTicketEvent, { outbox, logger })).outcomes[0],
    );
  /** Applies events as one consumer batch; returns the SQL statements it sent. */
  const applyBatch = async (events: Parameters<typeof applyTicketEvent>[0][]) => {
    const from = statements;
    await dataSource.transaction((manager) =>
      applyEventsInBatch(manager, events, applyTicketEvent, { outbox, logger }),
    );
    return statements - from;
  };
  const drafts = (ticketId: string) =>
    dataSource.getRepository(ArticleEntity).find({ where: { sourceTicketId: ticketId } });
  const outboxTypes = async (articleId: string) =>
    (
      await dataSource.query(`SELECT event_type FROM outbox WHERE message_key = $1 ORDER BY sequence`, [
        articleId,
      ])
    ).map((row: { event_type: string }) => row.event_type);

  beforeAll(async () => {
    const { database } = parseEnvironment({ database: databaseModel });
    const { serverUrl } = splitDatabaseUrl(database.url);
    const name = `deskgraph_knowledge_${randomBytes(4).toString('hex')}`;
    const url = await ensureDatabase(serverUrl, name);
    await migrateDataSource(createKnowledgeDataSource({ url, poolSize: 2 }), KNOWLEDGE_SCHEMA);
    dataSource = createKnowledgeDataSource({ url, poolSize: 4 });
    countStatements(dataSource, () => statements++);
    await dataSource.initialize();
    stop = async () => {
      await dataSource.destroy();
      await dropDatabase(serverUrl, name);
    };
  }, 60_000);

  afterAll(async () => {
    await stop?.();
  });

  it('should propose exactly one draft, from the expert answer at the first resolution, when a ticket is resolved twice', async () => {
    const ticket = ticketEvents();
    expect(await apply(ticket.created())).toBe('applied');
    await apply(ticket.reply(2, 'First look: please wait.', null));
    await apply(ticket.reply(3, 'Internal note', 'EXPERT', 'INTERNAL'));
    await apply(ticket.reply(4, 'Request it under Billing → VAT invoice.', 'EXPERT'));
    await apply(ticket.classified(5, 'technical'));
    await apply(ticket.status(6, 'IN_PROGRESS', 'RESOLVED'));
    await apply(ticket.status(7, 'RESOLVED', 'IN_PROGRESS'));
    await apply(ticket.reply(8, 'Updated answer: Billing → Invoices → VAT.', 'EXPERT'));
    await apply(ticket.status(9, 'IN_PROGRESS', 'RESOLVED'));

    const [draft, ...others] = await drafts(ticket.ticketId);
    expect(others).toEqual([]);
    expect(draft).toMatchObject({
      status: 'DRAFT',
      audience: 'INTERNAL',
      locale: 'en',
      categoryId: 'technical',
      authorId: 'expert-1',
      version: 1,
    });
    expect(draft.body).toContain('Request it under Billing → VAT invoice.');
    expect(draft.body).not.toContain('Internal note');
    expect(await outboxTypes(draft.id)).toEqual(['deskgraph.knowledge.draft_proposed.v1']);
  });

  it('should not propose a draft when no expert answered or the ticket is a complaint', async () => {
    const noExpert = ticketEvents();
    await apply(noExpert.created());
    await apply(noExpert.reply(2, 'Supervisor answer.', 'SUPERVISOR'));
    await apply(noExpert.status(3, 'IN_PROGRESS', 'RESOLVED'));
    expect(await drafts(noExpert.ticketId)).toEqual([]);

    const complaint = ticketEvents({ type: 'COMPLAINT' });
    await apply(complaint.created());
    await apply(complaint.reply(2, 'Expert answer.', 'EXPERT'));
    await apply(complaint.status(3, 'IN_PROGRESS', 'RESOLVED'));
    expect(await drafts(complaint.ticketId)).toEqual([]);
  });

  it('should leave the category empty when the ticket category is unknown to the knowledge base', async () => {
    const ticket = ticketEvents({ category: 'weather' });
    await apply(ticket.created());
    await apply(ticket.reply(2, 'Expert answer.', 'EXPERT'));
    await apply(ticket.status(3, 'IN_PROGRESS', 'RESOLVED'));
    const [draft] = await drafts(ticket.ticketId);
    expect(draft.categoryId).toBeNull();
  });

  it('should mask ID and card numbers in ticket text from the public topic before keeping or capturing it', async () => {
    // Anyone may produce to the topic; what this consumer stores must not depend on the producer masking.
    const ticket = ticketEvents();
    const created = ticket.created();
    created.data.title = '退款 ６２２８４８０４２８３７０４５３';
    created.data.description = '身份证 110105 19491231 0021';
    await apply(created);
    await apply(ticket.reply(2, 'Card 6228-4804-2837-0453 is refunded.', 'EXPERT'));
    await apply(ticket.status(3, 'IN_PROGRESS', 'RESOLVED'));

    const facts = await dataSource
      .getRepository(TicketFactEntity)
      .findOneByOrFail({ ticketId: ticket.ticketId });
    expect(facts).toMatchObject({
      title: '退款 ************０４５３',
      description: '身份证 ****** ******** 0021',
      expertAnswer: 'Card ****-****-****-0453 is refunded.',
    });
    const [draft] = await drafts(ticket.ticketId);
    expect(draft.title).toContain('************０４５３');
    expect(draft.body).toContain('Card ****-****-****-0453 is refunded.');
  });

  it('should ignore changes of unknown tickets, older versions and a repeated create', async () => {
    const unknown = ticketEvents();
    expect(await apply(unknown.status(2, 'NEW', 'RESOLVED'))).toBe('ignored');
    expect(
      await dataSource.getRepository(TicketFactEntity).findOneBy({ ticketId: unknown.ticketId }),
    ).toBeNull();

    const ticket = ticketEvents();
    await apply(ticket.created());
    await apply(ticket.classified(5, 'technical'));
    // Creations are written when their batch ends; a repeated one must not reset what came after it.
    await apply(ticket.created());
    expect(await apply(ticket.classified(4, 'delivery'))).toBe('ignored');
    const facts = await dataSource
      .getRepository(TicketFactEntity)
      .findOneByOrFail({ ticketId: ticket.ticketId });
    expect(facts).toMatchObject({ category: 'technical', priority: 'P2', version: 5 });
  });
  it("should keep a batch's new tickets in as many statements as two, and apply a later event of one in the same batch", async () => {
    const two = Array.from({ length: 2 }, () => ticketEvents().created());
    const forty = Array.from({ length: 40 }, () => ticketEvents().created());
    const classifiedInBatch = ticketEvents();

    const small = await applyBatch(two);
    const large = await applyBatch(forty);
    await applyBatch([
      classifiedInBatch.created(),
      ...two.slice(0, 1),
      classifiedInBatch.classified(2, 'technical'),
    ]);

    expect(large).toBe(small);
    const facts = await dataSource
      .getRepository(TicketFactEntity)
      .findBy(forty.map((event) => ({ ticketId: event.subject })));
    expect(facts).toHaveLength(40);
    expect(
      await dataSource
        .getRepository(TicketFactEntity)
        .findOneByOrFail({ ticketId: classifiedInBatch.ticketId }),
    ).toMatchObject({ category: 'technical', version: 2 });
  });
});
