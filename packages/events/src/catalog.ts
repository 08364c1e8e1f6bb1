import type { Static } from '@sinclair/typebox';
import type { CloudEvent, EventDefinition } from './envelope';
import { AnalyticsKpiTargetCrossedV1, AnalyticsMetricsChangedV1 } from './schemas/analytics-events';
import {
  KnowledgeArticleArchivedV1,
  KnowledgeArticlePublishedV1,
  KnowledgeArticleUpdatedV1,
  KnowledgeArticleUsedV1,
  KnowledgeArticleVotedV1,
  KnowledgeDraftProposedV1,
} from './schemas/knowledge-events';
import {
  SlaClockBreachedV1,
  SlaClockFulfilledV1,
  SlaClockPausedV1,
  SlaClockRecomputedV1,
  SlaClockResumedV1,
  SlaClockStartedV1,
  SlaClockStoppedV1,
  SlaClockWarnedV1,
} from './schemas/sla-events';
import {
  TicketAssignedV1,
  TicketClassifiedV1,
  TicketCompensationChangedV1,
  TicketCreatedV1,
  TicketDutyManagerNotifiedV1,
  TicketEscalatedV1,
  TicketLinkedV1,
  TicketMergedV1,
  TicketRatedV1,
  TicketRepliedV1,
  TicketReplyRefusedV1,
  TicketStatusChangedV1,
  TicketTransferredV1,
  TicketVisitCompletedV1,
  TicketVisitOverdueV1,
  TicketVisitScheduledV1,
} from './schemas/ticket-events';
import {
  ChannelsMailDeliveryFailedV1,
  ChannelsMailReceivedV1,
  ChannelsWebhookDeliveryFailedV1,
} from './schemas/channel-events';
import { HandoverAcknowledgedV1, HandoverCreatedV1 } from './schemas/practice-events';

/** Every event type deskgraph produces. Adding one here documents and validates it. */
export const EVENT_CATALOG = [
  TicketCreatedV1,
  TicketClassifiedV1,
  TicketAssignedV1,
  TicketTransferredV1,
  TicketStatusChangedV1,
  TicketRepliedV1,
  TicketEscalatedV1,
  TicketDutyManagerNotifiedV1,
  TicketCompensationChangedV1,
  TicketRatedV1,
  TicketMergedV1,
  TicketLinkedV1,
  TicketReplyRefusedV1,
  TicketVisitScheduledV1,
  TicketVisitCompletedV1,
  TicketVisitOverdueV1,
  HandoverCreatedV1,
  HandoverAcknowledgedV1,
  SlaClockStartedV1,
  SlaClockPausedV1,
  SlaClockResumedV1,
  SlaClockWarnedV1,
  SlaClockBreachedV1,
  SlaClockFulfilledV1,
  SlaClockRecomputedV1,
  SlaClockStoppedV1,
  AnalyticsMetricsChangedV1,
  AnalyticsKpiTargetCrossedV1,
  KnowledgeArticlePublishedV1,
  KnowledgeArticleUpdatedV1,
  KnowledgeArticleArchivedV1,
  KnowledgeArticleUsedV1,
  KnowledgeArticleVotedV1,
  KnowledgeDraftProposedV1,
  ChannelsMailReceivedV1,
  ChannelsMailDeliveryFailedV1,
  ChannelsWebhookDeliveryFailedV1,
] as const;

type CatalogEntry = (typeof EVENT_CATALOG)[number];

/** Union of every event deskgraph emits, discriminated by `type`. */
export type DeskgraphEvent = {
  [K in CatalogEntry as K['type']]: CloudEvent<K['type'], Static<K['data']>>;
}[CatalogEntry['type']];

export type DeskgraphEventType = DeskgraphEvent['type'];

export type EventOfType<T extends DeskgraphEventType> = Extract<DeskgraphEvent, { type: T }>;

const byType = new Map<string, EventDefinition>(
  EVENT_CATALOG.map((definition) => [definition.type, definition]),
);

export function findEventDefinition(type: string): EventDefinition | undefined {
  return byType.get(type);
}
