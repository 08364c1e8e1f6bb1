import { Type, type TSchema } from '@sinclair/typebox';
import { defineEvent } from '../envelope';
import { TOPICS } from '../topics';
import { ActorSchema, Timestamp, Uuid } from './common';

export const ArticleStatusSchema = Type.Union(
  ['DRAFT', 'IN_REVIEW', 'PUBLISHED', 'ARCHIVED'].map((value) => Type.Literal(value)),
);
export const ArticleAudienceSchema = Type.Union([Type.Literal('INTERNAL'), Type.Literal('PUBLIC')]);

/** Fields every knowledge event carries. All are keyed by articleId, so one article's events stay in order. */
const articleChange = {
  articleId: Uuid,
  actor: ActorSchema,
  at: Timestamp,
};

function knowledgeEvent<TType extends string, TProperties extends Record<string, TSchema>>(
  type: TType,
  description: string,
  properties: TProperties,
) {
  return defineEvent({
    type,
    topic: TOPICS.knowledge,
    description: `${description} Key and subject: articleId.`,
    data: Type.Object({ ...articleChange, ...properties }, { additionalProperties: false }),
  });
}

export const KnowledgeArticlePublishedV1 = knowledgeEvent(
  'deskgraph.knowledge.article_published.v1',
  'An editor published a reviewed article; customers see it if its audience is PUBLIC.',
  {
    version: Type.Integer({ minimum: 1, description: 'Article version that was published.' }),
    title: Type.String(),
    locale: Type.String(),
    audience: ArticleAudienceSchema,
    categoryId: Type.Union([Type.String(), Type.Null()]),
    tags: Type.Array(Type.String()),
    sourceTicketId: Type.Union([Uuid, Type.Null()], {
      description: 'Set when the article was captured from a ticket’s expert answer.',
    }),
  },
);

export const KnowledgeArticleUpdatedV1 = knowledgeEvent(
  'deskgraph.knowledge.article_updated.v1',
  'A new version of the article was saved (an edit or a restore of an older version).',
  {
    version: Type.Integer({ minimum: 1 }),
    status: ArticleStatusSchema,
    reason: Type.String(),
    restoredFromVersion: Type.Union([Type.Integer({ minimum: 1 }), Type.Null()]),
  },
);

export const KnowledgeArticleArchivedV1 = knowledgeEvent(
  'deskgraph.knowledge.article_archived.v1',
  'The article was archived: no longer searchable or suggested.',
  {
    version: Type.Integer({ minimum: 1 }),
    previousStatus: ArticleStatusSchema,
  },
);

export const KnowledgeArticleUsedV1 = knowledgeEvent(
  'deskgraph.knowledge.article_used.v1',
  'An agent used the article in the answer of a ticket.',
  { ticketId: Uuid },
);

export const KnowledgeArticleVotedV1 = knowledgeEvent(
  'deskgraph.knowledge.article_voted.v1',
  'Someone voted the article helpful or not helpful (one vote per person; a new vote replaces the old).',
  {
    helpful: Type.Boolean(),
    withComment: Type.Boolean({ description: 'Comments stay in the knowledge service (free text).' }),
  },
);

export const KnowledgeDraftProposedV1 = knowledgeEvent(
  'deskgraph.knowledge.draft_proposed.v1',
  "A draft article was proposed from a resolved consultation ticket's expert answer, for an editor to review.",
  {
    ticketId: Uuid,
    ticketNumber: Type.String(),
    title: Type.String(),
    categoryId: Type.Union([Type.String(), Type.Null()]),
  },
);
