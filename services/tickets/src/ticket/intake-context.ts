import { queryPrepared } from '@deskgraph/platform';
import type { EntityManager } from 'typeorm';
import type { ClassificationRule } from '../classification/classification-rules';
import { toClassificationRule } from '../classification/classification-rule.service';
import type { RoutingRule } from '../queue/queue.service';

/** Everything createTicket reads before it takes a number. */
export interface IntakeContext {
  classificationRules: ClassificationRule[];
  routingRules: RoutingRule[];
  /** Every queue and its duty manager: routing, a requested queue's check and the P0/P1 notice. */
  queues: Map<string, { dutyManagerId: string | null }>;
  /** The customer's latest open tickets, for the duplicate check. */
  openOfCustomer: { id: string; number: string; title: string }[];
  /** The tier and region last recorded for this customer, so a portal ticket keeps them. */
  known: { tier: string | null; region: string | null };
}

interface ContextRow {
  rules: {
    id: string;
    keywords: string[];
    type: string | null;
    category: string | null;
    priority: string | null;
    weight: number;
  }[];
  routing: { type: string | null; category: string | null; queue_id: string }[];
  queues: { id: string; duty_manager_id: string | null }[];
  open: { id: string; number: string; title: string }[];
  tier: string | null;
  region: string | null;
}

/**
 * Reads the intake context in one statement instead of five round trips
 * (rules, routing, queues, the customer's open tickets, their profile): the
 * accept path of a storm is bound by round trips, not by these small reads.
 * Read in the creation's transaction, so an admin's edit is seen by the next
 * creation with no cache to invalidate.
 */
export async function readIntakeContext(manager: EntityManager, customerId: string): Promise<IntakeContext> {
  const [row] = await queryPrepared<ContextRow>(
    manager,
    `SELECT
       (SELECT coalesce(json_agg(r ORDER BY r.position), '[]') FROM classification_rules r) AS rules,
       (SELECT coalesce(json_agg(r ORDER BY r.position), '[]') FROM routing_rules r) AS routing,
       (SELECT coalesce(json_agg(q), '[]') FROM (SELECT id, duty_manager_id FROM queues) q) AS queues,
       (SELECT coalesce(json_agg(t), '[]') FROM (
          SELECT id, number, title FROM tickets
           WHERE customer_id = $1 AND status NOT IN ('RESOLVED', 'CLOSED', 'ARCHIVED')
           ORDER BY created_at DESC LIMIT 50) t) AS open,
       (SELECT customer_tier FROM tickets WHERE customer_id = $1 AND customer_tier IS NOT NULL
         ORDER BY created_at DESC LIMIT 1) AS tier,
       (SELECT customer_region FROM tickets WHERE customer_id = $1 AND customer_region IS NOT NULL
         ORDER BY created_at DESC LIMIT 1) AS region`,
    [customerId],
  );
  return {
    classificationRules: row.rules.map((rule) => toClassificationRule(rule as never)),
    routingRules: row.routing.map((rule) => ({
      type: rule.type,
      category: rule.category,
      queueId: rule.queue_id,
    })),
    queues: new Map(row.queues.map((queue) => [queue.id, { dutyManagerId: queue.duty_manager_id }])),
    openOfCustomer: row.open,
    known: { tier: row.tier, region: row.region },
  };
}
