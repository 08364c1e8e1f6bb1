import { randomBytes, randomUUID } from 'node:crypto';
import { dropDatabase, ensureDatabase, splitDatabaseUrl } from '@deskgraph/infra';
import {
  createLogger,
  createServiceDataSource,
  databaseModel,
  migrateDataSource,
  OutboxWriter,
  parseEnvironment,
  type Identity,
} from '@deskgraph/platform';
import type { DataSource } from 'typeorm';
import {
  insertPublishedArticles,
  loadPublishedArticles,
  type BulkArticle,
} from '../../src/article/bulk-insert';
import { ArticleService } from '../../src/article/article.service';
import { createKnowledgeDataSource, KNOWLEDGE_SCHEMA } from '../../src/database/data-source';
import { InitialKnowledge1763856000000 } from '../../src/database/migrations/1763856000000-initial-knowledge';
import { KnowledgeDomain1764000000000 } from '../../src/database/migrations/1764000000000-knowledge-domain';
import { ProcessedEventsRetention1765100000001 } from '../../src/database/migrations/1765100000001-processed-events-retention';
import { RemaskStoredText1765150000000 } from '../../src/database/migrations/1765150000000-remask-stored-text';
import { MixedScriptSearch1765200000000 } from '../../src/database/migrations/1765200000000-mixed-script-search';
import {
  fillBodyPostings,
  fillBodyPostingsUnlessLoading,
  lockPostingsRewrite,
  rebuildArticleTerms,
  tryLockPostingsRewrite,
} from '../../src/search/article-terms';
import { bodyPostingsWorker } from '../../src/search/body-postings-worker';
import { SearchMissRecorder } from '../../src/search/search-misses';
import { SearchService } from '../../src/search/search.service';
import { undoMigrationsThrough } from './undo-migrations';

// The search postings on real PostgreSQL, through the real article and
// search services: kept in step by the triggers on every publish, edit,
// archive and change of audience or locale (compared with a rebuild from
// scratch), filled for existing articles by the migration, exact where they
// replace scans (counts, one-term ranking), and never hiding visible
// articles behind invisible ones when the candidates are capped.

const RANK_CANDIDATES = 10;
const agent: Identity = { userId: 'agent-1', roles: ['agent'], queueIds: ['general'], customerId: null };
const editor: Identity = { userId: 'editor-1', roles: ['editor'], queueIds: [], customerId: null };
const customer: Identity = { userId: 'u-1', roles: ['customer'], queueIds: [], customerId: 'C-1' };

async function privateDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const { database } = parseEnvironment({ database: databaseModel });
  const { serverUrl } = splitDatabaseUrl(database.url);
  const name = `deskgraph_knowledge_${randomBytes(4).toString('hex')}`;
  const url = await ensureDatabase(serverUrl, name);
  return { url, drop: () => dropDatabase(serverUrl, name) };
}

/**
 * Postings and frequencies as stored, in a comparable order (frequencies at zero are left
 * behind by design). Body postings of common terms are any of the term's matches, so only
 * their number per term is compared.
 */
async function termTables(dataSource: DataSource) {
  const postings = await dataSource.query(
    `SELECT t.term, t.audience, t.locale, t.score, t.article_id FROM article_terms t JOIN articles a ON a.id = t.article_id
      WHERE t.term = ANY (tsvector_to_array(a.head_vector)) ORDER BY t.article_id, t.term`,
  );
  const bodyPostings = await dataSource.query(
    `SELECT t.term, t.audience, t.locale, count(*)::int AS postings FROM article_terms t JOIN articles a ON a.id = t.article_id
      WHERE NOT t.term = ANY (tsvector_to_array(a.head_vector)) GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`,
  );
  const frequencies = await dataSource.query(
    `SELECT term, audience, locale, articles FROM term_frequencies WHERE articles <> 0 ORDER BY 1, 2, 3`,
  );
  return { postings, bodyPostings, frequencies };
}

const article = (title: string, body: string, extra: Partial<BulkArticle> = {}): BulkArticle => ({
  title,
  summary: '',
  body,
  tags: [],
  locale: 'en',
  categoryId: null,
  ...extra,
});

describe('knowledge search postings on real PostgreSQL', () => {
  let database: { url: string; drop: () => Promise<void> };
  let dataSource: DataSource;
  let articles: ArticleService;
  let search: SearchService;

  const ids = async (identity: Identity, query: string, first = 50, filter = {}) =>
    (await search.search(identity, { query, first, filter })).hits.map((hit) => hit.article.id);

  beforeAll(async () => {
    database = await privateDatabase();
    dataSource = createKnowledgeDataSource({ url: database.url, poolSize: 4 });
    await migrateDataSource(dataSource, KNOWLEDGE_SCHEMA);
    await dataSource.initialize();
    articles = new ArticleService(dataSource, new OutboxWriter(''));
    search = new SearchService(
      dataSource,
      articles,
      { rankCandidates: RANK_CANDIDATES },
      new SearchMissRecorder(dataSource),
    );
  }, 60_000);

  afterAll(async () => {
    await dataSource?.destroy();
    await database?.drop();
  });

  it('should keep postings and frequencies equal to a rebuild when articles are published, edited, moved and archived', async () => {
    const draft = await articles.createDraft(agent, {
      title: 'Warranty for the Kettle',
      summary: '您的iPhone订单需要退货退款',
      body: 'Descale the kettle every month.',
      locale: 'en',
      audience: 'PUBLIC',
    });
    // Drafts and articles in review are not in the postings.
    expect(await dataSource.query(`SELECT 1 FROM article_terms WHERE article_id = $1`, [draft.id])).toEqual(
      [],
    );
    await articles.submitForReview(agent, draft.id);
    expect(await ids(customer, 'kettle')).toEqual([]);
    await articles.publish(editor, draft.id);
    expect(await ids(customer, 'kettle')).toEqual([draft.id]);
    expect(await ids(customer, 'iPhone订单')).toEqual([draft.id]);
    const [kettle] = await dataSource.query(
      `SELECT score, audience, locale FROM article_terms WHERE article_id = $1 AND term = 'kettl'`,
      [draft.id],
    );
    // Title (A, 1.0) and body (C, 0.2).
    expect(kettle).toEqual({ score: 1.2, audience: 'PUBLIC', locale: 'en' });

    // An edit replaces the terms: the old title word is gone, the new one found.
    await articles.update(editor, {
      articleId: draft.id,
      title: 'Warranty for the Toaster',
      body: 'Clean the toaster every month.',
      reason: 'new product',
    });
    expect(await ids(customer, 'kettle')).toEqual([]);
    expect(await ids(customer, 'toaster')).toEqual([draft.id]);

    // INTERNAL: gone for customers, still there for staff; the frequencies move with it.
    await articles.update(editor, { articleId: draft.id, audience: 'INTERNAL', reason: 'staff only' });
    expect(await ids(customer, 'toaster')).toEqual([]);
    expect(await ids(agent, 'toaster')).toEqual([draft.id]);
    expect(
      await dataSource.query(
        `SELECT audience, articles FROM term_frequencies WHERE term = 'toaster' ORDER BY 1`,
      ),
    ).toEqual([
      { audience: 'INTERNAL', articles: 1 },
      { audience: 'PUBLIC', articles: 0 },
    ]);
    await articles.update(editor, { articleId: draft.id, locale: 'zh-CN', reason: 'moved' });
    expect(await ids(agent, 'toaster', 50, { locale: 'en' })).toEqual([]);
    expect(await ids(agent, 'toaster', 50, { locale: 'zh-CN' })).toEqual([draft.id]);

    // A view count changes nothing it indexes.
    const before = await termTables(dataSource);
    await articles.recordView(agent, draft.id);
    expect(await termTables(dataSource)).toEqual(before);

    await rebuildArticleTerms(dataSource);
    expect(await termTables(dataSource)).toEqual(before);

    await articles.archive(editor, draft.id);
    expect(await ids(agent, 'toaster')).toEqual([]);
    expect(await dataSource.query(`SELECT 1 FROM article_terms WHERE article_id = $1`, [draft.id])).toEqual(
      [],
    );
    const afterArchive = await termTables(dataSource);
    await rebuildArticleTerms(dataSource);
    expect(await termTables(dataSource)).toEqual(afterArchive);
    expect(
      afterArchive.postings.filter((row: { article_id: string }) => row.article_id === draft.id),
    ).toEqual([]);
  }, 60_000);

  it('should count exactly up to 1,000 and cap beyond it for one term and for several', async () => {
    await insertPublishedArticles(
      dataSource,
      Array.from({ length: 1_001 }, (_, index) =>
        article(`Pallet note ${index}`, 'Every pallet gets a label.'),
      ),
    );
    await insertPublishedArticles(
      dataSource,
      Array.from({ length: 999 }, (_, index) => article(`Crate note ${index}`, 'Every crate gets a label.')),
    );
    // Both terms in every title of more than ten times the cap: the rarest term's postings
    // prove "more than 1,000" instead of the GIN index counting.
    const runner = dataSource.createQueryRunner();
    try {
      await runner.connect();
      await loadPublishedArticles(
        runner,
        Array.from({ length: 11 }, (_, batch) =>
          Array.from({ length: 1_000 }, (_, index) =>
            article(`Forklift manual ${batch}-${index}`, 'Read it.'),
          ),
        ),
      );
    } finally {
      await runner.release();
    }
    for (const [query, totalCount, totalCountCapped] of [
      ['forklift manual', 1_000, true],
      ['"forklift manual"', 1_000, true],
      ['forklift -manual', 0, false],
      ['manual forklift read', 1_000, true],
      ['pallet', 1_000, true],
      ['crate', 999, false],
      ['crate label', 999, false],
      ['pallet label', 1_000, true],
      ['label', 1_000, true],
      ['"crate gets"', 999, false],
    ] as const) {
      const page = await search.search(customer, { query, first: 5 });
      expect({ query, totalCount: page.totalCount, totalCountCapped: page.totalCountCapped }).toEqual({
        query,
        totalCount,
        totalCountCapped,
      });
      expect(page.hits).toHaveLength(totalCount === 0 ? 0 : 5);
    }
    // INTERNAL articles are not counted for customers.
    await insertPublishedArticles(
      dataSource,
      Array.from({ length: 5 }, (_, index) =>
        article(`Crate secret ${index}`, 'x', { audience: 'INTERNAL' }),
      ),
    );
    expect((await search.search(customer, { query: 'crate', first: 1 })).totalCount).toBe(999);
    expect((await search.search(agent, { query: 'crate', first: 1 })).totalCount).toBe(1_000);
  }, 180_000);

  it('should return every visible article when the best postings belong to articles the caller may not see', async () => {
    // 25 × the candidates INTERNAL with the term in their titles (the best scores), then a few PUBLIC ones.
    await insertPublishedArticles(
      dataSource,
      Array.from({ length: 25 * RANK_CANDIDATES }, (_, index) =>
        article(`Gasket replacement ${index}`, 'Gasket gasket gasket.', { audience: 'INTERNAL' }),
      ),
    );
    const visible = await insertPublishedArticles(
      dataSource,
      Array.from({ length: RANK_CANDIDATES + 5 }, (_, index) =>
        article(`Seal note ${index}`, `Check the gasket (${index}).`, {
          summary: 'Gasket check.',
          locale: index % 2 ? 'en' : 'zh-CN',
          categoryId: index < 3 ? 'product' : null,
        }),
      ),
    );
    const seen: string[] = [];
    let after: string | null = null;
    for (let pages = 0; pages < 10; pages++) {
      const page = await search.search(customer, { query: 'gasket', first: 4, after });
      expect(page.totalCount).toBe(visible.length);
      seen.push(...page.hits.map((hit) => hit.article.id));
      if (!page.hasNextPage) break;
      after = page.hits.at(-1)!.cursor;
    }
    // Capped at the candidates (at least RANK_CANDIDATES of the 15), all of them visible ones.
    expect(seen.length).toBeGreaterThanOrEqual(RANK_CANDIDATES);
    expect(seen.every((id) => visible.includes(id))).toBe(true);
    expect(new Set(seen).size).toBe(seen.length);

    // Staff see the INTERNAL answers first; a category filter whose articles rank last still finds them.
    const staff = await search.search(agent, { query: 'gasket', first: 3 });
    expect(staff.hits.map((hit) => hit.article.audience)).toEqual(['INTERNAL', 'INTERNAL', 'INTERNAL']);
    expect(staff.totalCount).toBe(25 * RANK_CANDIDATES + visible.length);
    expect((await ids(agent, 'gasket', 50, { categoryId: 'product' })).sort()).toEqual(
      visible.slice(0, 3).sort(),
    );
    expect((await ids(customer, 'gasket', 50, { locale: 'en' })).length).toBe(7);
  }, 60_000);

  it('should rank a one-term query exactly as ts_rank_cd over every match when reading only postings', async () => {
    // Every match holds the term in its title or summary (body-only matches only top up, see the README).
    await insertPublishedArticles(
      dataSource,
      Array.from({ length: 4 * RANK_CANDIDATES }, (_, index) =>
        article(
          index % 2 === 0 ? `Hinge guide ${index}` : `Door note ${index}`,
          `${index % 2 === 0 || index % 3 === 0 ? 'hinge '.repeat(index % 5) : ''}door.`,
          { summary: index % 3 === 0 ? 'About the hinge.' : '' },
        ),
      ),
    );
    const exact: { id: string; score: string }[] = await dataSource.query(
      `SELECT id, round(ts_rank_cd(search_vector, to_tsquery('english', 'hinge'), 32)::numeric, 6)::text AS score
         FROM articles WHERE status = 'PUBLISHED' AND audience = 'PUBLIC'
          AND search_vector @@ to_tsquery('english', 'hinge')
        ORDER BY 2 DESC, id LIMIT 8`,
    );
    const page = await search.search(customer, { query: 'hinge', first: 8 });
    expect(page.hits.map((hit) => ({ id: hit.article.id, score: hit.score }))).toEqual(
      exact.map((row) => ({ id: row.id, score: Number(row.score) })),
    );
  }, 60_000);

  it('should rank the answer whose terms stand together first when two common words tie on their postings scores', async () => {
    // Two words in more than ten times 1,000 articles take the intersected postings. 100
    // articles repeat the second word in the summary (the best sums of static scores); the
    // answer names both words side by side in its title, first among the rest in the
    // postings' order; 10,500 more hold both apart. ts_rank_cd puts the answer first (no
    // word between its terms); the sums put it behind the repeats.
    const answer = '00000000-0000-4000-8000-000000000001';
    const runner = dataSource.createQueryRunner();
    try {
      await runner.connect();
      await loadPublishedArticles(runner, [
        [
          article('Furnace thermostat', 'x', { id: answer }),
          ...Array.from({ length: 100 }, (_, index) =>
            article(`Furnace service ${index}`, 'furnace', {
              summary: 'Thermostat: thermostat, thermostat and thermostat.',
            }),
          ),
          ...Array.from({ length: 100 }, (_, index) => article(`Thermostat note ${index}`, 'x')),
        ],
        ...Array.from({ length: 11 }, (_, batch) =>
          Array.from({ length: batch === 10 ? 500 : 1_000 }, (_, index) =>
            article(`Furnace ${batch}-${index}`, 'x', { summary: 'Thermostat.' }),
          ),
        ),
      ]);
    } finally {
      await runner.release();
    }
    const exact: { id: string; score: string }[] = await dataSource.query(
      `SELECT id, round(ts_rank_cd(search_vector, to_tsquery('english', 'furnace & thermostat'), 32)::numeric, 6)::text AS score
         FROM articles WHERE status = 'PUBLISHED' AND audience = 'PUBLIC'
          AND search_vector @@ to_tsquery('english', 'furnace & thermostat')
        ORDER BY 2 DESC, id LIMIT 3`,
    );
    expect(exact[0].id).toBe(answer);
    // The default number of candidates, so that more of them are found than were ranked before.
    const defaults = new SearchService(
      dataSource,
      articles,
      { rankCandidates: 200 },
      new SearchMissRecorder(dataSource),
    );
    const page = await defaults.search(customer, { query: 'furnace thermostat', first: 3 });
    expect(page.totalCountCapped).toBe(true);
    expect(page.hits.map((hit) => ({ id: hit.article.id, score: hit.score }))).toEqual(
      exact.map((row) => ({ id: row.id, score: Number(row.score) })),
    );
  }, 180_000);

  it('should keep postings of a common word found only in bodies and take its candidates from them', async () => {
    const options = { commonArticles: 20, perTerm: 3 * RANK_CANDIDATES, maxTerms: 1_000 };
    const bodyOnly = await insertPublishedArticles(
      dataSource,
      Array.from({ length: 40 }, (_, index) =>
        article(`Greeting ${index}`, `${'quokka '.repeat(1 + (index % 3))}hello.`),
      ),
    );
    const bodyPostings = async () =>
      (
        await dataSource.query(
          `SELECT count(*)::int AS n FROM article_terms WHERE term = 'quokka' AND audience = 'PUBLIC' AND locale = 'en'`,
        )
      )[0].n;
    // Only head terms are posted by the triggers; rare words are left to the GIN index.
    expect(await bodyPostings()).toBe(0);
    await fillBodyPostings(dataSource, { ...options, commonArticles: 41 });
    expect(await bodyPostings()).toBe(0);
    await fillBodyPostings(dataSource, options);
    expect(await bodyPostings()).toBe(3 * RANK_CANDIDATES);
    // Scored like every posting: the sum of the term's weights, so ranks are ts_rank_cd's.
    const wrong = await dataSource.query(
      `SELECT t.article_id FROM article_terms t JOIN articles a ON a.id = t.article_id
        WHERE t.term = 'quokka' AND abs(t.score - ts_rank_cd(a.search_vector, to_tsquery('simple', 'quokka'), 0)) > 1e-6`,
    );
    expect(wrong).toEqual([]);
    const page = await search.search(customer, { query: 'quokka', first: 5 });
    expect(page.totalCount).toBe(40);
    expect(page.hits).toHaveLength(5);
    expect(page.hits.every((hit) => bodyOnly.includes(hit.article.id))).toBe(true);
    // An archived article leaves its postings; the next fill tops the list up again.
    const [posted] = await dataSource.query(
      `SELECT article_id FROM article_terms WHERE term = 'quokka' LIMIT 1`,
    );
    await dataSource.query(`UPDATE articles SET status = 'ARCHIVED' WHERE id = $1`, [posted.article_id]);
    expect(await bodyPostings()).toBe(3 * RANK_CANDIDATES - 1);
    await fillBodyPostings(dataSource, options);
    expect(await bodyPostings()).toBe(3 * RANK_CANDIDATES);
  }, 60_000);

  it('should fill the postings from articles stored before them when the migration runs, and revert', async () => {
    const before = await privateDatabase();
    try {
      const old = createServiceDataSource({
        database: { url: before.url, poolSize: 2 },
        schema: KNOWLEDGE_SCHEMA,
        applicationName: 'knowledge-postings-test',
        entities: [],
        migrations: [
          InitialKnowledge1763856000000,
          KnowledgeDomain1764000000000,
          ProcessedEventsRetention1765100000001,
          RemaskStoredText1765150000000,
          MixedScriptSearch1765200000000,
        ],
      });
      await migrateDataSource(old, KNOWLEDGE_SCHEMA);
      await old.initialize();
      const [published, internal] = await insertPublishedArticles(old, [
        article('Descaling the espresso machine', '您的iPhone订单需要退货退款'),
        article('Espresso grinder calibration', 'Internal notes.', { audience: 'INTERNAL' }),
      ]);
      await old.query(
        `INSERT INTO knowledge.articles (id, title, summary, body, tags, locale, audience, status, author_id)
         VALUES ($1, 'Espresso draft', '', '', '{}', 'en', 'PUBLIC', 'DRAFT', 'a-1')`,
        [randomUUID()],
      );
      await old.destroy();

      const upgraded = createKnowledgeDataSource({ url: before.url, poolSize: 2 });
      await migrateDataSource(upgraded, KNOWLEDGE_SCHEMA);
      await upgraded.initialize();
      try {
        const service = new SearchService(
          upgraded,
          new ArticleService(upgraded, new OutboxWriter('')),
          { rankCandidates: RANK_CANDIDATES },
          new SearchMissRecorder(upgraded),
        );
        const found = async (identity: Identity, query: string) =>
          (await service.search(identity, { query, first: 5 })).hits.map((hit) => hit.article.id).sort();
        expect(await found(customer, 'espresso')).toEqual([published]);
        expect(await found(agent, 'espresso')).toEqual([published, internal].sort());
        expect(await found(customer, 'iPhone订单')).toEqual([published]);
        expect(
          (await upgraded.query(`SELECT DISTINCT article_id FROM article_terms ORDER BY 1`)).map(
            (row: { article_id: string }) => row.article_id,
          ),
        ).toEqual([published, internal].sort());

        // Reversible: down drops the tables and triggers, up fills them again.
        await undoMigrationsThrough(upgraded, 'ArticleTerms1765300000000');
        expect(await upgraded.query(`SELECT to_regclass('knowledge.article_terms') AS t`)).toEqual([
          { t: null },
        ]);
        await upgraded.runMigrations({ transaction: 'each' });
        expect(await found(customer, 'espresso')).toEqual([published]);
      } finally {
        await upgraded.destroy();
      }
    } finally {
      await before.drop();
    }
  }, 120_000);

  it('should count only the lists of terms whose articles changed since the last body-postings round', async () => {
    const options = { commonArticles: 20, perTerm: 3 * RANK_CANDIDATES, maxTerms: 1 };
    const round = () => fillBodyPostingsUnlessLoading(dataSource, options);
    const postings = async (term: string) =>
      (
        await dataSource.query(
          `SELECT count(*)::int AS n FROM article_terms WHERE term = $1 AND audience = 'PUBLIC' AND locale = 'en'`,
          [term],
        )
      )[0].n;
    // Common lists among an article's terms: what a round after a change to it counts.
    const commonListsOf = async (id: string) =>
      (
        await dataSource.query(
          `SELECT count(*)::int AS n FROM articles a, unnest(tsvector_to_array(a.search_vector)) u(term)
             JOIN term_frequencies f ON f.term = u.term
            WHERE a.id = $1 AND f.audience = a.audience AND f.locale = a.locale AND f.articles >= $2
              AND plainto_tsquery('simple', f.term)::text = '''' || f.term || ''''`,
          [id, options.commonArticles],
        )
      )[0].n;
    // Lists left short by the tests before (and the migration's note to look at all) first.
    while ((await round())!.filled > 0);
    const created = await insertPublishedArticles(
      dataSource,
      Array.from({ length: 40 }, (_, index) => article(`Marsupial ${index}`, 'dingo bilby.')),
    );
    // Two short lists, one a round (maxTerms 1): the other is noted again for the next round.
    const first = await round();
    expect(first).toEqual(expect.objectContaining({ filled: 1, added: 3 * RANK_CANDIDATES }));
    expect(first!.examined).toBeGreaterThan(1);
    const second = await round();
    expect(second).toEqual(expect.objectContaining({ filled: 1, added: 3 * RANK_CANDIDATES }));
    expect([await postings('dingo'), await postings('bilbi')]).toEqual([
      3 * RANK_CANDIDATES,
      3 * RANK_CANDIDATES,
    ]);

    // Nothing changed: the round counts no list at all.
    expect(await round()).toEqual({ examined: 0, filled: 0, added: 0 });
    // A view count re-indexes nothing, so notes nothing.
    await dataSource.query(`UPDATE articles SET view_count = view_count + 1 WHERE id = $1`, [created[0]]);
    expect(await round()).toEqual({ examined: 0, filled: 0, added: 0 });

    // An archive drops the article's postings: the next round counts its terms' lists only
    // and fills one (maxTerms 1); the other is noted again and is all the round after counts.
    const bothPosted = `SELECT article_id FROM knowledge.article_terms WHERE term IN ('dingo', 'bilbi')
                         GROUP BY 1 HAVING count(*) = 2 LIMIT 1`;
    const [posted] = await dataSource.query(bothPosted);
    const lists = await commonListsOf(posted.article_id);
    await dataSource.query(`UPDATE articles SET status = 'ARCHIVED' WHERE id = $1`, [posted.article_id]);
    expect([await postings('dingo'), await postings('bilbi')]).toEqual([
      3 * RANK_CANDIDATES - 1,
      3 * RANK_CANDIDATES - 1,
    ]);
    expect(await round()).toEqual({ examined: lists, filled: 1, added: 1 });
    expect(await round()).toEqual({ examined: 1, filled: 1, added: 1 });
    expect(await round()).toEqual({ examined: 0, filled: 0, added: 0 });
    expect([await postings('dingo'), await postings('bilbi')]).toEqual([
      3 * RANK_CANDIDATES,
      3 * RANK_CANDIDATES,
    ]);

    // A change still open during a round is left for the round after its commit.
    const writer = dataSource.createQueryRunner();
    await writer.connect();
    try {
      await writer.startTransaction();
      const [again] = await writer.query(bothPosted);
      await writer.query(`UPDATE knowledge.articles SET status = 'ARCHIVED' WHERE id = $1`, [
        again.article_id,
      ]);
      expect(await round()).toEqual({ examined: 0, filled: 0, added: 0 });
      await writer.commitTransaction();
    } finally {
      await writer.release();
    }
    expect(await postings('dingo')).toBe(3 * RANK_CANDIDATES - 1);
    expect(await round()).toEqual(expect.objectContaining({ filled: 1, added: 1 }));
    expect(await round()).toEqual({ examined: 1, filled: 1, added: 1 });
    expect([await postings('dingo'), await postings('bilbi')]).toEqual([
      3 * RANK_CANDIDATES,
      3 * RANK_CANDIDATES,
    ]);
  }, 60_000);

  it('should load in bulk with the indexes rebuilt and the same postings as articles inserted one batch at a time', async () => {
    const runner = dataSource.createQueryRunner();
    try {
      await runner.connect();
      const batches = [0, 1].map((batch) =>
        Array.from({ length: 20 }, (_, index) => article(`Valve ${batch}-${index}`, '阀门漏水怎么办')),
      );
      expect(await loadPublishedArticles(runner, batches)).toBe(40);
    } finally {
      await runner.release();
    }
    expect((await search.search(customer, { query: '阀门', first: 5 })).totalCount).toBe(40);
    const loaded = await termTables(dataSource);
    await rebuildArticleTerms(dataSource);
    await fillBodyPostings(dataSource);
    expect(await termTables(dataSource)).toEqual(loaded);
    // The triggers are back on and the indexes are back.
    await insertPublishedArticles(dataSource, [article('Valve spare', '阀门')]);
    expect((await search.search(customer, { query: '阀门', first: 5 })).totalCount).toBe(41);
    const indexes = (
      await dataSource.query(
        `SELECT indexname FROM pg_indexes WHERE schemaname = 'knowledge' AND tablename IN ('articles', 'article_terms') ORDER BY 1`,
      )
    ).map((row: { indexname: string }) => row.indexname);
    expect(indexes).toEqual(expect.arrayContaining(['article_terms_ranked_idx', 'articles_search_idx']));
  }, 60_000);

  it('should skip a body-postings round instead of waiting on the tables when a bulk load is running', async () => {
    const options = { commonArticles: 20, perTerm: 3 * RANK_CANDIDATES };
    const runner = dataSource.createQueryRunner();
    await runner.connect();
    // The load stops between two batches: it has dropped the indexes, disabled the triggers
    // and inserted rows, all in its open transaction, as the worker's minute comes round.
    let resume = () => {};
    let reachedPause = () => {};
    const paused = new Promise<void>((resolve) => (reachedPause = resolve));
    async function* batches() {
      yield Array.from({ length: 30 }, (_, index) => article(`Wombat ${index}`, 'platypus burrow'));
      reachedPause();
      await new Promise<void>((resolve) => (resume = resolve));
      yield Array.from({ length: 10 }, (_, index) => article(`Echidna ${index}`, 'platypus burrow'));
    }
    const loading = loadPublishedArticles(runner, batches()).finally(() => runner.release());
    await paused;

    const logged: string[] = [];
    const logger = createLogger('knowledge-test', 'info', { write: (line: string) => logged.push(line) });
    const worker = bodyPostingsWorker(
      dataSource,
      logger,
      { intervalMs: 3_600_000, termsPerRound: 50 },
      options,
    );
    await worker.start();
    // The round either ends on its own or waits on a table lock the load holds (it would
    // wait until the load ends, or deadlock with it once the load truncates the postings).
    let watching = true;
    const waitingOnTables = (async () => {
      while (watching) {
        const waiting = await dataSource.query(
          `SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'
              AND wait_event <> 'advisory' AND pid <> pg_backend_pid()`,
        );
        if (waiting.length > 0) return 'waiting on the load' as const;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      return 'stopped watching' as const;
    })();
    const outcome = await Promise.race([worker.stop().then(() => 'round ended' as const), waitingOnTables]);
    watching = false;
    resume();
    const loaded = await loading.catch((error: Error) => error.message);
    await worker.stop();

    expect(outcome).toBe('round ended');
    expect(logged.join('')).toContain('a bulk load or another replica holds the postings lock');
    expect(loaded).toBe(40);
    // Once the load has committed, the next round fills the list.
    const platypus = async () =>
      (
        await dataSource.query(`SELECT count(*)::int AS postings FROM article_terms WHERE term = 'platypus'`)
      )[0].postings;
    expect(await platypus()).toBe(0);
    await worker.start();
    await worker.stop();
    expect(await platypus()).toBe(3 * RANK_CANDIDATES);
  }, 60_000);

  it('should take the postings rewrite lock before any table lock when a bulk load waits for a body-postings round', async () => {
    // A body-postings round in progress holds the lock in its transaction.
    const round = dataSource.createQueryRunner();
    await round.connect();
    await round.startTransaction();
    expect(await tryLockPostingsRewrite(round.manager)).toBe(true);
    const runner = dataSource.createQueryRunner();
    await runner.connect();
    try {
      const [{ pid }] = await runner.query(`SELECT pg_backend_pid() AS pid`);
      let loadEnded = false;
      const loading = loadPublishedArticles(runner, [[article('Numbat', 'termite mound')]]).finally(
        () => (loadEnded = true),
      );
      // The load waits for the round on the lock, holding nothing in the knowledge schema yet.
      let waiting: unknown[] = [];
      while (waiting.length === 0 && !loadEnded) {
        waiting = await dataSource.query(
          `SELECT 1 FROM pg_stat_activity WHERE pid = $1 AND wait_event_type = 'Lock' AND wait_event = 'advisory'`,
          [pid],
        );
        if (waiting.length === 0) await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(loadEnded).toBe(false);
      const held = await dataSource.query(
        `SELECT c.relname FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
          WHERE l.pid = $1 AND c.relnamespace = 'knowledge'::regnamespace`,
        [pid],
      );
      expect(held).toEqual([]);
      await round.commitTransaction();
      expect(await loading).toBe(1);
      // Nobody else holds it now: a transaction takes it at once.
      await round.startTransaction();
      await lockPostingsRewrite(round.manager);
      await round.commitTransaction();
    } finally {
      if (round.isTransactionActive) await round.rollbackTransaction();
      await round.release();
      await runner.release();
    }
  }, 60_000);
});
