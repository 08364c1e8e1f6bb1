import { randomBytes, randomUUID } from 'node:crypto';
import { dropDatabase, ensureDatabase, splitDatabaseUrl } from '@deskgraph/infra';
import {
  createServiceDataSource,
  databaseModel,
  migrateDataSource,
  OutboxWriter,
  parseEnvironment,
  type Identity,
} from '@deskgraph/platform';
import { ArticleService } from '../../src/article/article.service';
import { createKnowledgeDataSource, KNOWLEDGE_SCHEMA } from '../../src/database/data-source';
import { InitialKnowledge1763856000000 } from '../../src/database/migrations/1763856000000-initial-knowledge';
import { KnowledgeDomain1764000000000 } from '../../src/database/migrations/1764000000000-knowledge-domain';
import { SearchMissRecorder } from '../../src/search/search-misses';
import { SearchService } from '../../src/search/search.service';
import { undoMigrationsThrough } from './undo-migrations';

// Articles stored before mixed-script analysis are re-indexed by its
// migration: found afterwards by the real search code, on real PostgreSQL.

const customer: Identity = { userId: 'u-1', roles: ['customer'], queueIds: [], customerId: 'C-1' };

describe('knowledge: stored articles re-indexed for mixed-script search', () => {
  let url: string;
  let stop: () => Promise<void>;

  beforeAll(async () => {
    const { database } = parseEnvironment({ database: databaseModel });
    const { serverUrl } = splitDatabaseUrl(database.url);
    const name = `deskgraph_knowledge_${randomBytes(4).toString('hex')}`;
    url = await ensureDatabase(serverUrl, name);
    stop = () => dropDatabase(serverUrl, name);
  }, 60_000);

  afterAll(async () => {
    await stop?.();
  });

  it('should find an article written before the migration by its Latin word when the migration has run', async () => {
    // The schema as it was, with an article stored the way the old code stored it.
    const before = createServiceDataSource({
      database: { url, poolSize: 2 },
      schema: KNOWLEDGE_SCHEMA,
      applicationName: 'knowledge-reindex-test',
      entities: [],
      migrations: [InitialKnowledge1763856000000, KnowledgeDomain1764000000000],
    });
    await migrateDataSource(before, KNOWLEDGE_SCHEMA);
    await before.initialize();
    const id = randomUUID();
    await before.query(
      `INSERT INTO articles (id, title, summary, body, locale, audience, status, author_id, tags,
                             title_ngrams, text_ngrams, tag_text, published_at)
       VALUES ($1, '退货说明', '', '您的iPhone订单需要退货退款', 'zh-CN', 'PUBLIC', 'PUBLISHED', 'a-1', '{}',
               '退货 货说 说明', '您的 订单 单需 需要 要退 退货 货退 退款', '', now())`,
      [id],
    );
    const oldMatch = await before.query(
      `SELECT 1 FROM articles WHERE search_vector @@ websearch_to_tsquery('english', 'iphone')`,
    );
    expect(oldMatch).toEqual([]);
    await before.destroy();

    const dataSource = createKnowledgeDataSource({ url, poolSize: 2 });
    await migrateDataSource(dataSource, KNOWLEDGE_SCHEMA);
    await dataSource.initialize();
    try {
      const search = new SearchService(
        dataSource,
        new ArticleService(dataSource, new OutboxWriter('')),
        { rankCandidates: 200 },
        new SearchMissRecorder(dataSource),
      );
      for (const query of ['iPhone', 'iPhone订单', '退货退款']) {
        const page = await search.search(customer, { query, first: 5 });
        expect({ query, ids: page.hits.map((hit) => hit.article.id) }).toEqual({ query, ids: [id] });
      }

      // Reversible: down (the later migrations first, then this one) restores the old
      // vector, up re-indexes again.
      await undoMigrationsThrough(dataSource, 'MixedScriptSearch1765200000000');
      expect(
        await dataSource.query(
          `SELECT 1 FROM articles WHERE search_vector @@ websearch_to_tsquery('english', 'iphone')`,
        ),
      ).toEqual([]);
      await dataSource.runMigrations({ transaction: 'each' });
      expect((await search.search(customer, { query: 'iphone', first: 5 })).hits).toHaveLength(1);
    } finally {
      await dataSource.destroy();
    }
  }, 120_000);
});
