import 'reflect-metadata';
import { createHash } from 'node:crypto';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { runMigrations, startTestStack, TEST_SHARED_SECRET, testToken } from '@deskgraph/infra';
import { loadPublishedArticles } from '@deskgraph/knowledge/dist/src/article/bulk-insert';
import { ArticleService } from '@deskgraph/knowledge/dist/src/article/article.service';
import { createKnowledgeDataSource } from '@deskgraph/knowledge/dist/src/database/data-source';
import { SearchMissRecorder } from '@deskgraph/knowledge/dist/src/search/search-misses';
import { SearchService } from '@deskgraph/knowledge/dist/src/search/search.service';
import { OutboxWriter, signIdentityHeaders } from '@deskgraph/platform';
import { parseSearchQuery, tsQuerySql } from '@deskgraph/knowledge/dist/src/search/search-query';
import {
  JUDGED_ARTICLES,
  JUDGED_QUERIES,
  precisionAt5,
} from '@deskgraph/knowledge/dist/test/integration/judged-queries';
import { Client } from 'pg';
import { CorpusGenerator } from './search-corpus';
import { summarize } from './stats';

// Knowledge search latency through the gateway at growing corpus sizes
// (1k, 10k, 100k … up to --articles), for common terms (about half of the
// articles match), common words found only in bodies, selective terms,
// mixed-script queries and queries that match nothing. Articles are generated (bilingual, skewed vocabulary, see
// search-corpus.ts) and inserted with the knowledge service's own bulk insert
// and text analysis, loaded in bulk (indexes and postings built once per
// level). Also compares the top 10 by score with an exact ranking of every
// match at the largest size, and times the service's search against the
// statements it replaced (main before the postings: a count and a two-phase
// ranking over the GIN indexes, in parallel) on the same data in the same
// moment, without the gateway, for every query class. Relevance at every
// size: the knowledge tests' judged articles are loaded after the first
// 1 000 generated ones, and precision@5 of the judged queries (the judged
// articles among the first five, out of min(5, relevant)) is measured
// through the gateway among all the generated articles that match them too,
// next to the same figure for main's previous ranking (the two-phase GIN
// statement timed below) and for an exact ranking of every match
// (ts_rank_cd), the ceiling for any bounded ranking on this corpus.
// Prints figures; asserts nothing.
//   node bench/dist/src/search-bench.js [--articles 100000] [--iterations 40] [--warmup 5]
//   node bench/dist/src/search-bench.js --database-url URL   (only the comparison without the
//     gateway and the judged query set, service in this process, on a database filled with this corpus)
//   node bench/dist/src/search-bench.js --database-url URL --load 1000000   (first migrates an empty
//     database and loads that many articles, as a full run would, then the same; load once, rerun often)
const { values } = parseArgs({
  options: {
    articles: { type: 'string', default: '100000' },
    'database-url': { type: 'string' },
    load: { type: 'string' },
    iterations: { type: 'string', default: '40' },
    warmup: { type: 'string', default: '5' },
  },
});
const articleCount = Number(values.articles);
const iterations = Number(values.iterations);
const warmup = Number(values.warmup);
const LEVELS = [
  ...new Set([1_000, 10_000, 100_000, 1_000_000].filter((n) => n < articleCount).concat(articleCount)),
];
const BATCH = 1_000;

const SEARCH = /* GraphQL */ `
  query Search($q: String!) {
    searchArticles(query: $q, first: 10) {
      totalCount
      totalCountCapped
      edges {
        score
        snippet
        node {
          id
          title
        }
      }
    }
  }
`;

type QueryClass = 'common' | 'body-common' | 'selective' | 'mixed' | 'no-match';
const BENCH_AGENT = {
  userId: 'bench-agent',
  roles: ['agent' as const],
  queueIds: ['general'],
  customerId: null,
};

/** Query classes and their queries; the tail words come from the corpus generator's fixed vocabulary. */
function benchQueries(generator: CorpusGenerator): [QueryClass, string][] {
  return [
    ['common', '退款'],
    ['common', 'refund'],
    ['common', 'delivery delayed'],
    ['common', '密码'],
    // In 40 % of the bodies and in no title, summary or tag.
    ['body-common', '您好'],
    ['body-common', 'please'],
    // Tail words at ranks where each is in well under 1 % of the articles.
    ['selective', generator.zhTail[3_000]],
    ['selective', generator.enTail[6_000]],
    ['selective', `${generator.enTail[40]} ${generator.enTail[900]}`],
    ['mixed', 'iPhone订单'],
    ['mixed', 'Mate60无法开机'],
    ['mixed', '微信支付APP'],
    ['no-match', '量子纠缠'],
    ['no-match', 'xylophone'],
  ];
}

/** A stable id per judged article, so a database loaded by one run is judged by another. */
function judgedId(key: string): string {
  const hex = createHash('md5').update(`judged-article:${key}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
const JUDGED_BATCH = JUDGED_ARTICLES.map(({ key, ...article }) => ({
  ...article,
  id: judgedId(key),
  tags: [],
  categoryId: null,
}));
type DataSource = ReturnType<typeof createKnowledgeDataSource>;
const KEY_OF = new Map(JUDGED_ARTICLES.map(({ key }) => [judgedId(key), key]));

/**
 * Loads generated articles until `corpus.loaded` reaches `level`, in batches, with the judged
 * articles once after the first 1 000 generated ones (not first in the indexes' physical
 * order, which would favour them on the GIN path), then analyses the tables.
 */
async function loadCorpus(
  client: Client,
  generator: CorpusGenerator,
  corpus: { loaded: number; judgedLoaded: boolean },
  level: number,
): Promise<void> {
  const batches = function* () {
    while (corpus.loaded < level) {
      const size = Math.min(BATCH, level - corpus.loaded);
      yield Array.from({ length: size }, () => generator.article());
      corpus.loaded += size;
      if (!corpus.judgedLoaded) {
        corpus.judgedLoaded = true;
        yield JUDGED_BATCH;
      }
    }
  };
  await loadPublishedArticles(client, batches());
  for (const table of ['articles', 'article_terms', 'term_frequencies'])
    await client.query(`VACUUM ANALYZE knowledge.${table}`);
}

/**
 * Precision@5 of the judged queries for three rankings of the same data: `now` (the
 * service's first five ids, through the gateway or in this process), `previous` (main's
 * statement before the postings, previousRankingSql) and `exact` (ts_rank_cd over every
 * match: the ceiling of any bounded ranking).
 */
async function judgedRelevance(client: Client, rankNow: (query: string) => Promise<string[]>) {
  const keys = (ids: string[]) => ids.slice(0, 5).map((id) => KEY_OF.get(id) ?? 'generated');
  const rankings = ['now', 'previous', 'exact'] as const;
  type Ranking = (typeof rankings)[number];
  const results: {
    query: string;
    kind: string;
    relevant: string[];
    top: Record<Ranking, string[]>;
    precision: Record<Ranking, number>;
  }[] = [];
  for (const judged of JUDGED_QUERIES) {
    const sql = tsQuerySql(parseSearchQuery(judged.query), 1)!;
    const previous = previousRankingSql(judged.query)!;
    const top: Record<Ranking, string[]> = {
      now: keys(await rankNow(judged.query)),
      previous: keys((await client.query(previous.sql, previous.parameters)).rows.map((row) => row.id)),
      exact: keys(
        (
          await client.query(
            `SELECT id FROM knowledge.articles WHERE search_vector @@ ${sql.sql} AND status = 'PUBLISHED'
              ORDER BY ts_rank_cd(search_vector, ${sql.sql}, 32) DESC, id LIMIT 5`,
            sql.parameters,
          )
        ).rows.map((row: { id: string }) => row.id),
      ),
    };
    results.push({
      ...judged,
      top,
      precision: {
        now: precisionAt5(top.now, judged.relevant),
        previous: precisionAt5(top.previous, judged.relevant),
        exact: precisionAt5(top.exact, judged.relevant),
      },
    });
  }
  const mean = (ranking: Ranking, kind?: string) => {
    const selected = results.filter((result) => !kind || result.kind === kind);
    const value = selected.reduce((sum, result) => sum + result.precision[ranking], 0) / selected.length;
    return Number(value.toFixed(3));
  };
  const byKind = (ranking: Ranking) => ({
    all: mean(ranking),
    zh: mean(ranking, 'zh'),
    en: mean(ranking, 'en'),
    mixed: mean(ranking, 'mixed'),
  });
  return {
    precisionAt5: mean('now'),
    previousPrecisionAt5: mean('previous'),
    exactRankingPrecisionAt5: mean('exact'),
    byKind: { now: byKind('now'), previous: byKind('previous'), exact: byKind('exact') },
    // Queries where any ranking misses, with each ranking's first five.
    misses: results
      .filter((result) => rankings.some((ranking) => result.precision[ranking] < 1))
      .map(({ query, relevant, top, precision }) => ({ query, relevant, precision, top })),
  };
}

/** A knowledge SearchService in this process on its own connection pool, for `use`. */
async function withSearchService<T>(
  databaseUrl: string,
  use: (service: SearchService, dataSource: DataSource, articles: ArticleService) => Promise<T>,
): Promise<T> {
  const dataSource = createKnowledgeDataSource({ url: databaseUrl, poolSize: 4 });
  await dataSource.initialize();
  try {
    const articleService = new ArticleService(dataSource, new OutboxWriter(''));
    const service = new SearchService(
      dataSource,
      articleService,
      { rankCandidates: 200 },
      new SearchMissRecorder(dataSource),
    );
    return await use(service, dataSource, articleService);
  } finally {
    await dataSource.destroy();
  }
}

async function main() {
  if (values['database-url']) {
    // Only the comparison without the gateway and the judged set, on articles loaded by an
    // earlier run or by --load (the same corpus, judged articles after the first 1 000).
    const databaseUrl = values['database-url'];
    const generator = new CorpusGenerator(42);
    const client = new Client({ connectionString: databaseUrl });
    await client.connect();
    try {
      if (values.load) {
        runMigrations(databaseUrl);
        const started = performance.now();
        await loadCorpus(client, generator, { loaded: 0, judgedLoaded: false }, Number(values.load));
        process.stdout.write(
          `loaded ${Number(values.load).toLocaleString('en')} articles in ${((performance.now() - started) / 1000).toFixed(0)} s; load average ${loadavg().join(' ')}\n`,
        );
      }
      const [{ articles }] = (await client.query(`SELECT count(*)::int AS articles FROM knowledge.articles`))
        .rows;
      const withoutGateway = await compareWithoutGateway(databaseUrl, benchQueries(generator), articles);
      const precisionAt5 = await withSearchService(databaseUrl, (service) =>
        judgedRelevance(client, async (query) =>
          (await service.search(BENCH_AGENT, { query, first: 10 })).hits.map((hit) => hit.article.id),
        ),
      );
      process.stdout.write(
        `judged query set (search service in this process): ${JSON.stringify(precisionAt5)}\n`,
      );
      const load = loadavg().map((value) => Number(value.toFixed(2)));
      process.stdout.write(`load average ${load.join(' ')}\n`);
      process.stdout.write(
        `${JSON.stringify({ bench: 'search', articles, iterations, withoutGateway, precisionAt5, loadAverage: load })}\n`,
      );
    } finally {
      await client.end();
    }
    return;
  }
  const stack = await startTestStack({
    env: { RATE_LIMIT_PER_SECOND: '1000000', RATE_LIMIT_BURST: '1000000', LOG_LEVEL: 'warn' },
  });
  const client = new Client({ connectionString: stack.databaseUrl });
  await client.connect();
  try {
    const token = await testToken({ userId: 'bench-agent', roles: ['agent'], queueIds: ['general'] });
    const generator = new CorpusGenerator(42);
    const queries = benchQueries(generator);
    // Through the gateway, or straight to the knowledge subgraph with the identity headers the
    // gateway would sign: the difference is the gateway's share of a request.
    const send = async (query: string, via: 'gateway' | 'subgraph' = 'gateway') => {
      const started = performance.now();
      const response = await fetch(via === 'gateway' ? stack.gatewayUrl : stack.subgraphUrls.knowledge, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(via === 'gateway'
            ? { authorization: `Bearer ${token}` }
            : signIdentityHeaders(BENCH_AGENT, TEST_SHARED_SECRET)),
        },
        body: JSON.stringify({ query: SEARCH, variables: { q: query } }),
      });
      const body = (await response.json()) as {
        data?: {
          searchArticles: {
            totalCount: number;
            totalCountCapped: boolean;
            edges: { score: number; node: { id: string } }[];
          };
        };
        errors?: unknown[];
      };
      const elapsed = performance.now() - started;
      if (!body.data || body.errors) throw new Error(`search failed: ${JSON.stringify(body.errors)}`);
      return { elapsed, result: body.data.searchArticles };
    };
    const matchShare = async (query: string) => {
      const sql = tsQuerySql(parseSearchQuery(query), 1)!;
      const [{ matches }] = (
        await client.query(
          `SELECT count(*)::int AS matches FROM knowledge.articles WHERE search_vector @@ ${sql.sql}`,
          sql.parameters,
        )
      ).rows;
      return matches as number;
    };

    const report: Record<string, unknown> = {};
    const relevance: Record<string, Awaited<ReturnType<typeof judgedRelevance>>> = {};
    const loadAverages: Record<string, number[]> = {};
    const corpus = { loaded: 0, judgedLoaded: false };
    for (const level of LEVELS) {
      const started = performance.now();
      await loadCorpus(client, generator, corpus, level);
      process.stdout.write(
        `\n${level.toLocaleString('en')} articles (+${JUDGED_ARTICLES.length} judged; loaded in ${((performance.now() - started) / 1000).toFixed(0)} s; load average ${loadavg()
          .map((value) => value.toFixed(2))
          .join(' ')})\n`,
      );
      const byClass = new Map<QueryClass, number[]>();
      const subgraphByClass = new Map<QueryClass, number[]>();
      for (const [kind, query] of queries) {
        for (let index = 0; index < warmup; index++) await send(query);
        const samples: number[] = [];
        let last: Awaited<ReturnType<typeof send>>['result'] | null = null;
        for (let index = 0; index < iterations; index++) {
          const { elapsed, result } = await send(query);
          samples.push(elapsed);
          last = result;
        }
        byClass.set(kind, [...(byClass.get(kind) ?? []), ...samples]);
        const direct: number[] = [];
        for (let index = 0; index < iterations; index++) direct.push((await send(query, 'subgraph')).elapsed);
        subgraphByClass.set(kind, [...(subgraphByClass.get(kind) ?? []), ...direct]);
        const s = summarize(samples);
        const d = summarize(direct);
        const matches = await matchShare(query);
        process.stdout.write(
          `  ${kind.padEnd(10)} ${query.padEnd(24)} matches ${String(matches).padStart(7)} (${((100 * matches) / level).toFixed(1).padStart(4)} %)  totalCount ${last!.totalCount}${last!.totalCountCapped ? '+' : ''}  p50 ${s.p50.toFixed(1)} ms  p95 ${s.p95.toFixed(1)} ms  (subgraph alone p50 ${d.p50.toFixed(1)} / p95 ${d.p95.toFixed(1)})\n`,
        );
      }
      const classes: Record<string, { p50: number; p95: number; subgraph: { p50: number; p95: number } }> =
        {};
      for (const [kind, samples] of byClass) {
        const s = summarize(samples);
        const d = summarize(subgraphByClass.get(kind)!);
        classes[kind] = {
          p50: Number(s.p50.toFixed(1)),
          p95: Number(s.p95.toFixed(1)),
          subgraph: { p50: Number(d.p50.toFixed(1)), p95: Number(d.p95.toFixed(1)) },
        };
        process.stdout.write(
          `  class ${kind.padEnd(10)} p50 ${s.p50.toFixed(1)} ms  p95 ${s.p95.toFixed(1)} ms  (subgraph alone p50 ${d.p50.toFixed(1)} / p95 ${d.p95.toFixed(1)})\n`,
        );
      }
      report[String(level)] = classes;
      relevance[String(level)] = await judgedRelevance(client, async (query) =>
        (await send(query)).result.edges.map((edge) => edge.node.id),
      );
      process.stdout.write(`  judged query set: ${JSON.stringify(relevance[String(level)])}\n`);
      loadAverages[String(level)] = loadavg().map((value) => Number(value.toFixed(2)));
      process.stdout.write(`  load average ${loadAverages[String(level)].join(' ')}\n`);
    }

    // Relevance at scale: the best scores the bounded ranking returns against ranking every match.
    const kept: Record<string, number> = {};
    for (const [, query] of queries.filter(([kind]) => kind === 'common' || kind === 'mixed')) {
      const sql = tsQuerySql(parseSearchQuery(query), 1)!;
      const exact = (
        await client.query(
          `SELECT ts_rank_cd(search_vector, ${sql.sql}, 32)::float8 AS score FROM knowledge.articles
            WHERE search_vector @@ ${sql.sql} ORDER BY score DESC LIMIT 10`,
          sql.parameters,
        )
      ).rows.map((row: { score: number }) => row.score);
      const bounded = (await send(query)).result.edges.map((edge) => edge.score);
      const sum = (scores: number[]) => scores.reduce((total, score) => total + score, 0);
      kept[query] = Number((sum(bounded) / Math.max(1e-9, sum(exact))).toFixed(3));
    }
    process.stdout.write(
      `\ntop-10 score kept against ranking every match, at ${corpus.loaded.toLocaleString('en')}: ${JSON.stringify(kept)}\n`,
    );
    // Same data, same moment: the search service in this process against the statements it replaced.
    const withoutGateway = await compareWithoutGateway(stack.databaseUrl, queries, corpus.loaded);
    const load = loadavg().map((value) => Number(value.toFixed(2)));
    process.stdout.write(
      `${iterations} sequential requests per query after ${warmup} warm-up, through the gateway; load average ${load.join(' ')}\n`,
    );
    process.stdout.write(
      `${JSON.stringify({ bench: 'search', articles: corpus.loaded, iterations, latencyMs: report, precisionAt5: relevance, topTenScoreKept: kept, withoutGateway, loadAverageAfterLevel: loadAverages, loadAverage: load })}\n`,
    );
  } finally {
    await client.end();
    await stack.stop();
  }
}

/**
 * The search service in this process against the statements it replaced, on the same data in
 * the same moment (alternated per query), for every query class.
 */
async function compareWithoutGateway(databaseUrl: string, queries: [QueryClass, string][], loaded: number) {
  const legacy: Record<string, { p50: number; p95: number }> = {};
  const bounded: Record<string, { p50: number; p95: number }> = {};
  const byClassWithoutGateway: Record<
    string,
    { now: { p50: number; p95: number }; previous: { p50: number; p95: number } }
  > = {};
  await withSearchService(databaseUrl, async (service, dataSource, articleService) => {
    const agent = BENCH_AGENT;
    // Both runs of a query alternate request by request, so they see the same load.
    const timeBoth = async (first: () => Promise<unknown>, second: () => Promise<unknown>) => {
      const samples: [number[], number[]] = [[], []];
      for (let index = 0; index < warmup + iterations; index++) {
        for (const [which, run] of [first, second].entries()) {
          const started = performance.now();
          await run();
          if (index >= warmup) samples[which].push(performance.now() - started);
        }
      }
      return samples.map((list) => {
        const s = summarize(list);
        return { p50: Number(s.p50.toFixed(1)), p95: Number(s.p95.toFixed(1)) };
      });
    };
    process.stdout.write(
      `\nwithout the gateway, same data and moment, at ${loaded.toLocaleString('en')} (search service in this process; previous = main's count and two-phase GIN ranking, in parallel):\n`,
    );
    for (const [kind, query] of queries) {
      [legacy[query], bounded[query]] = await timeBoth(
        () => previousSearch(dataSource, articleService, query),
        () => service.search(agent, { query, first: 10 }),
      );
      process.stdout.write(
        `  ${kind.padEnd(10)} ${query.padEnd(24)} search now p50 ${bounded[query].p50} / p95 ${bounded[query].p95} ms;  previous p50 ${legacy[query].p50} / p95 ${legacy[query].p95} ms\n`,
      );
    }
    for (const kind of new Set(queries.map(([k]) => k))) {
      const of = (figures: Record<string, { p50: number; p95: number }>) =>
        queries.filter(([k]) => k === kind).map(([, query]) => figures[query]);
      const worst = (list: { p50: number; p95: number }[]) => ({
        p50: Math.max(...list.map((f) => f.p50)),
        p95: Math.max(...list.map((f) => f.p95)),
      });
      byClassWithoutGateway[kind] = { now: worst(of(bounded)), previous: worst(of(legacy)) };
      process.stdout.write(
        `  class ${kind.padEnd(10)} worst query: now p50 ${byClassWithoutGateway[kind].now.p50} / p95 ${byClassWithoutGateway[kind].now.p95} ms; previous p50 ${byClassWithoutGateway[kind].previous.p50} / p95 ${byClassWithoutGateway[kind].previous.p95} ms\n`,
      );
    }
  });
  return { service: bounded, previous: legacy, byClass: byClassWithoutGateway };
}

/**
 * The search as main ran it before the postings (commit 4984299), for an agent
 * with no filter: a capped count and a two-phase ranking (head_vector GIN
 * candidates, topped up from search_vector's) with snippets, on two
 * connections in parallel, then the page's articles read, and a miss recorded when nothing matched.
 */
async function previousSearch(
  dataSource: DataSource,
  articles: ArticleService,
  query: string,
): Promise<void> {
  const parsed = parseSearchQuery(query);
  const sql = tsQuerySql(parsed, 1);
  const ranking = previousRankingSql(query);
  if (!sql || !ranking) return;
  const where = `a.status = 'PUBLISHED'`;
  const [count, page] = await Promise.all([
    dataSource.query(
      `WITH q AS MATERIALIZED (SELECT ${sql.sql} AS query)
       SELECT count(*) AS matches FROM (
         SELECT 1 FROM knowledge.articles a, q WHERE a.search_vector @@ q.query AND ${where} LIMIT 1001) capped`,
      sql.parameters,
    ),
    dataSource.query(ranking.sql, ranking.parameters),
  ]);
  // The page's articles, as the service reads them.
  await articles.findMany(BENCH_AGENT, (page as { id: string }[]).map((row) => row.id).slice(0, 10));
  // A search that finds nothing is recorded, as the service does.
  if (Number(count[0].matches) === 0) {
    await dataSource.query(
      `INSERT INTO knowledge.search_misses (query) VALUES ($1)
       ON CONFLICT (query) DO UPDATE SET count = search_misses.count + 1, last_seen_at = now()`,
      [parsed.normalized],
    );
  }
}

/**
 * main's ranking statement before the postings (commit 4984299), for an agent with no
 * filter: up to 200 head_vector GIN candidates, topped up from search_vector's, ranked with
 * ts_rank_cd; the page's 11 rows with snippets. Null for a query with nothing searchable.
 */
function previousRankingSql(query: string): { sql: string; parameters: string[] } | null {
  const parsed = parseSearchQuery(query);
  const sql = tsQuerySql(parsed, 1);
  if (!sql) return null;
  const where = `a.status = 'PUBLISHED'`;
  const headline = parsed.englishText
    ? `ts_headline('english', a.body, websearch_to_tsquery('english', $1), 'MaxWords=30, MinWords=12, MaxFragments=2')`
    : 'NULL';
  return {
    sql: `WITH q AS MATERIALIZED (SELECT ${sql.sql} AS query),
            head AS MATERIALIZED (
              SELECT a.id, ts_rank_cd(a.search_vector, q.query, 32) AS rank
                FROM knowledge.articles a, q WHERE a.head_vector @@ q.query AND ${where} LIMIT 200),
            rest AS MATERIALIZED (
              SELECT a.id, ts_rank_cd(a.search_vector, q.query, 32) AS rank
                FROM knowledge.articles a, q WHERE a.search_vector @@ q.query AND ${where}
               LIMIT CASE WHEN (SELECT count(*) FROM head) < 200 THEN 200 ELSE 0 END),
            ranked AS (
              SELECT id, round(max(rank)::numeric, 6) AS score
                FROM (SELECT id, rank FROM head UNION ALL SELECT id, rank FROM rest) candidates GROUP BY id),
            page AS (SELECT ranked.id, ranked.score FROM ranked ORDER BY ranked.score DESC, ranked.id ASC LIMIT 11)
       SELECT page.id, page.score::text AS score, ${headline} AS headline
         FROM page JOIN knowledge.articles a ON a.id = page.id ORDER BY page.score DESC, page.id ASC`,
    parameters: sql.parameters,
  };
}

main().then(
  () => process.exit(0),
  (error) => {
    process.stderr.write(`${(error as Error).stack}\n`);
    process.exit(1);
  },
);
