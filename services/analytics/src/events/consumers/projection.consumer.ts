import { TOPICS, type DeskgraphEvent } from '@deskgraph/events';
import type { BatchAccumulator, BatchScope, ConsumerDefinition, EventHandler } from '@deskgraph/platform';
import type { EntityManager } from 'typeorm';
import { applyEvents, handles, type ApplyResult } from '../../projection/projection.applier';
import { aggregatesThrough } from '../../projection/aggregate-backfill';
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

/** The queues each applied event touched; one statement per batch, not per event. */
async function flushDirtyQueues(manager: EntityManager, touched: string[][]): Promise<void> {
  const events = new Map<string, number>();
  for (const queueIds of touched) {
    // The event counts once, on its first queue.
    for (const [index, queueId] of [...new Set(queueIds)].entries()) {
      events.set(queueId, (events.get(queueId) ?? 0) + (index === 0 ? 1 : 0));
    }
  }
  if (events.size === 0) return;
  // Rows in sorted order, so concurrent batches lock them in the same order.
  const queueIds = [...events.keys()].sort();
  await manager.query(
    `INSERT INTO analytics.dirty_queues (queue_id, events)
     SELECT * FROM unnest($1::text[], $2::int[])
     ON CONFLICT (queue_id) DO UPDATE SET events = dirty_queues.events + EXCLUDED.events`,
    [queueIds, queueIds.map((queueId) => events.get(queueId))],
  );
}

/**
 * A handler that collects the events of a consumer batch and applies them
 * set-based when the batch flushes (applyEvents, in the batch's
 * transaction), into the schema `target` names. An event counts as
 * 'applied' when it is of a projected type; a duplicate id or fact is
 * recognised at the flush and changes nothing. A flush that fails makes the
 * platform consumer apply the events one per transaction, so a poison event
 * is still retried and dead-lettered on its own.
 */
export function batchedProjection(
  timeZone: string,
  target: (manager: EntityManager, batch: BatchScope) => Promise<ProjectionTarget>,
  applied: (manager: EntityManager, results: ApplyResult[]) => Promise<void>,
): EventHandler {
  const events: BatchAccumulator<{ event: DeskgraphEvent; target: ProjectionTarget }> = {
    async flush(manager, items) {
      const [{ target: into }] = items;
      const results = await applyEvents(
        items.map((item) => item.event),
        manager,
        into.schema,
        timeZone,
        { aggregatesThrough: into.aggregatesThrough },
      );
      await applied(manager, results);
    },
  };
  return async (event, { manager, batch }) => {
    if (!handles(event.type)) return 'ignored';
    batch.add(events, { event, target: await target(manager, batch) });
    return 'applied';
  };
}

/** Where a batch is applied: a generation schema, and how far its aggregates are complete. */
export interface ProjectionTarget {
  schema: string;
  aggregatesThrough?: string | null;
}

/**
 * Folds a batch of events into the active projection generation (and its
 * daily aggregates, by desk days of timeZone) and marks their queues dirty.
 */
export function projectionHandler(timeZone: string): EventHandler {
  return batchedProjection(
    timeZone,
    // Read (and share-locked) once per batch: a rebuild's switch-over waits for the whole batch.
    (manager, batch) =>
      batch.once('analytics.target', async () => {
        const generation = await activeGeneration(manager, true);
        // FOR SHARE too: a backfill chunk waits for the batch, and the batch for the chunk.
        return {
          schema: generationSchema(generation),
          aggregatesThrough: await aggregatesThrough(manager, generation),
        };
      }),
    (manager, results) =>
      flushDirtyQueues(
        manager,
        results.filter((result) => result.applied).map((result) => result.queueIds),
      ),
  );
}

export function projectionConsumer(timeZone: string): ConsumerDefinition {
  return { group: PROJECTION_GROUP, topics: PROJECTED_TOPICS, handle: projectionHandler(timeZone) };
}
