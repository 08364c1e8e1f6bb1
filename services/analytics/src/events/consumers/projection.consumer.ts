import { TOPICS, type DeskgraphEvent } from '@deskgraph/events';
import type {
  BatchAccumulator,
  ConsumerDefinition,
  EventHandlerContext,
  HandlerOutcome,
} from '@deskgraph/platform';
import type { EntityManager } from 'typeorm';
import { applyEvents, projects } from '../../projection/projection.applier';
import { generationSchema } from '../../projection/projection-tables';

/** The topics every figure is rebuilt from. */
export const PROJECTED_TOPICS = [TOPICS.tickets, TOPICS.sla, TOPICS.knowledge];
export const PROJECTION_GROUP = 'analytics';

/**
 * The generation that answers queries and takes live events. FOR SHARE makes
 * a rebuild's switch-over wait until in-flight events have committed.
 */
export async function activeGeneration(manager: EntityManager, lock = false): Promise<number> {
  const [{ generation }] = await manager.query(
    `SELECT generation FROM analytics.projection_state WHERE id = 1${lock ? ' FOR SHARE' : ''}`,
  );
  return generation;
}

/**
 * Marks queues whose figures changed, in the transaction that changed them;
 * the metrics signal worker turns the set into one batched event.
 */
export async function markQueuesDirty(manager: EntityManager, queueIds: string[]): Promise<void> {
  // The event counts once (on its first queue) so eventsApplied sums to events, not queue touches.
  for (const [index, queueId] of [...new Set(queueIds)].entries()) {
    await manager.query(
      `INSERT INTO analytics.dirty_queues (queue_id, events) VALUES ($1, $2)
       ON CONFLICT (queue_id) DO UPDATE SET events = dirty_queues.events + EXCLUDED.events`,
      [queueId, index === 0 ? 1 : 0],
    );
  }
}

/** The queues each applied event touched; one row update per queue per batch, not per event. */
const dirtyQueues: BatchAccumulator<string[]> = {
  async flush(manager, touched) {
    const events = new Map<string, number>();
    for (const queueIds of touched) {
      // The event counts once, on its first queue.
      for (const [index, queueId] of [...new Set(queueIds)].entries()) {
        events.set(queueId, (events.get(queueId) ?? 0) + (index === 0 ? 1 : 0));
      }
    }
    // One statement, rows in sorted order, so concurrent batches lock them in the same order.
    const queueIds = [...events.keys()].sort();
    await manager.query(
      `INSERT INTO analytics.dirty_queues (queue_id, events)
       SELECT * FROM unnest($1::text[], $2::int[])
       ON CONFLICT (queue_id) DO UPDATE SET events = dirty_queues.events + EXCLUDED.events`,
      [queueIds, queueIds.map((queueId) => events.get(queueId))],
    );
  },
};

/**
 * Folds events into the active projection generation (and its daily
 * aggregates, by desk days of timeZone) and marks their queues dirty: the
 * whole consumer batch through one applyEvents at its end, so the touched
 * tickets' aggregates are read and written once per batch, not per event.
 */
export function projectionHandler(timeZone: string) {
  const projected: BatchAccumulator<{ event: DeskgraphEvent; schema: string }> = {
    async flush(manager, items) {
      // One batch, one generation (read once per batch below).
      const results = await applyEvents(
        items.map(({ event }) => event),
        manager,
        items[0].schema,
        timeZone,
      );
      const touched = results.filter((result) => result.applied).map((result) => result.queueIds);
      if (touched.length) await dirtyQueues.flush(manager, touched);
    },
  };
  return async function applyToProjections(
    event: DeskgraphEvent,
    { manager, batch }: EventHandlerContext,
  ): Promise<HandlerOutcome> {
    if (!projects(event.type)) return 'ignored';
    // Read (and share-locked) once per batch: a rebuild's switch-over waits for the whole batch.
    const generation = await batch.once('analytics.generation', () => activeGeneration(manager, true));
    // Counted as applied; a repeat of a fact already applied changes nothing when the batch is applied.
    batch.add(projected, { event, schema: generationSchema(generation) });
    return 'applied';
  };
}

export function projectionConsumer(timeZone: string): ConsumerDefinition {
  return { group: PROJECTION_GROUP, topics: PROJECTED_TOPICS, handle: projectionHandler(timeZone) };
}
