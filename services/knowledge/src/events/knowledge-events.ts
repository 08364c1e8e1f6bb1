import {
  buildEvent,
  KnowledgeArticleArchivedV1,
  KnowledgeArticlePublishedV1,
  KnowledgeArticleUpdatedV1,
  KnowledgeArticleUsedV1,
  KnowledgeArticleVotedV1,
  KnowledgeDraftProposedV1,
  type DeskgraphEventType,
  type EventOfType,
} from '@deskgraph/events';

const SOURCE = '/deskgraph/knowledge';

type DataOf<T extends DeskgraphEventType> = EventOfType<T>['data'];

// Every knowledge event is keyed by its article id, so one article's events stay in order.
export const knowledgeEvents = {
  published: (data: DataOf<'deskgraph.knowledge.article_published.v1'>) =>
    buildEvent(KnowledgeArticlePublishedV1, { source: SOURCE, subject: data.articleId, data }),
  updated: (data: DataOf<'deskgraph.knowledge.article_updated.v1'>) =>
    buildEvent(KnowledgeArticleUpdatedV1, { source: SOURCE, subject: data.articleId, data }),
  archived: (data: DataOf<'deskgraph.knowledge.article_archived.v1'>) =>
    buildEvent(KnowledgeArticleArchivedV1, { source: SOURCE, subject: data.articleId, data }),
  used: (data: DataOf<'deskgraph.knowledge.article_used.v1'>) =>
    buildEvent(KnowledgeArticleUsedV1, { source: SOURCE, subject: data.articleId, data }),
  voted: (data: DataOf<'deskgraph.knowledge.article_voted.v1'>) =>
    buildEvent(KnowledgeArticleVotedV1, { source: SOURCE, subject: data.articleId, data }),
  draftProposed: (data: DataOf<'deskgraph.knowledge.draft_proposed.v1'>) =>
    buildEvent(KnowledgeDraftProposedV1, { source: SOURCE, subject: data.articleId, data }),
};
