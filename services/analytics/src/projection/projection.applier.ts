import type { DeskgraphEvent } from '@deskgraph/events';
import { maskSensitive } from '@deskgraph/platform';
import type { EntityManager } from 'typeorm';
import { extractKeywords } from '../metrics/kpi-math';
import { contributionsOf, writeAggregateDeltas } from './aggregate-store';

export interface ApplyResult {
  applied: boolean;
  /** Queues whose figures this event may have changed (for the live metrics signal). */
  queueIds: string[];
}

const IGNORED: ApplyResult = { applied: false, queueIds: [] };

type Query = (sql: string, parameters: unknown[]) => Promise<unknown>;

/** Whether the projections fold events of this type (the rest are ignored). */
export function projects(type: string): boolean {
  return (
    type.startsWith('deskgraph.ticket.') ||
    type.startsWith('deskgraph.sla.') ||
    type.startsWith('deskgraph.knowledge.')
  );
}

/** The ticket an event folds into (its aggregates are recomputed around the batch). */
function ticketOf(event: DeskgraphEvent): string | null {
  const data = event.data as { ticketId?: unknown };
  return typeof data?.ticketId === 'string' ? data.ticketId : null;
}

/**
 * The domain key of a fact whose projection statement is not idempotent by
 * itself (a counter, an inserted row): a fact re-sent under a new event id
 * (after a restore or a re-emit) carries the same key and is applied once.
 */
export function factKey(event: DeskgraphEvent): string | null {
  const data = event.data as Record<string, unknown>;
  const at = (value: unknown) => String(value);
  switch (event.type) {
    case 'deskgraph.ticket.status_changed.v1':
      return `status:${at(data.ticketId)}:${at(data.version)}:${at(data.to)}`;
    case 'deskgraph.ticket.replied.v1':
      return `reply:${at(data.messageId)}`;
    case 'deskgraph.ticket.escalated.v1':
      return `escalated:${at(data.ticketId)}:${at(data.version)}`;
    case 'deskgraph.ticket.transferred.v1':
      return `transferred:${at(data.ticketId)}:${at(data.version)}:${at(data.queueId)}`;
    case 'deskgraph.ticket.rated.v1':
      return `rated:${at(data.ticketId)}:${at(data.version)}`;
    case 'deskgraph.ticket.reply_refused.v1':
      return `refused:${at(data.ticketId)}:${at((data.actor as { id?: unknown })?.id)}:${at(data.at)}`;
    case 'deskgraph.sla.clock_breached.v1':
    case 'deskgraph.sla.clock_fulfilled.v1':
      return `${event.type}:${at(data.clockId)}:${at(data.cycle)}`;
    default:
      return null;
  }
}

/**
 * Folds a batch of events into the projection tables of one generation
 * schema and keeps the daily aggregates in step, in the caller's
 * transaction: the contributions of the touched tickets are read before
 * and after the batch and the difference is written once (see
 * ticket-contribution.ts). The live consumer and a rebuild pass each Kafka
 * batch; the bench passes thousands.
 */
export async function applyEvents(
  events: DeskgraphEvent[],
  manager: EntityManager,
  schema: string,
  timeZone: string,
): Promise<ApplyResult[]> {
  const q: Query = (sql, parameters) => manager.query(sql.replaceAll('§', `"${schema}"`), parameters);
  const touched = [
    ...new Set(events.filter((event) => projects(event.type)).flatMap((event) => ticketOf(event) ?? [])),
  ];
  const before = await contributionsOf(q, touched, timeZone);
  // Each event at most once per generation: one statement marks the whole batch, repeats come back missing.
  const handled = events.filter((event) => projects(event.type));
  const fresh = new Set(
    handled.length === 0
      ? []
      : (
          (await q(
            `INSERT INTO §.applied_events (event_id) SELECT * FROM unnest($1::text[])
           ON CONFLICT DO NOTHING RETURNING event_id`,
            [handled.map((event) => event.id)],
          )) as { event_id: string }[]
        ).map((row) => row.event_id),
  );
  const results: ApplyResult[] = [];
  // delete: a second copy of one event in the batch is not fresh.
  for (const event of events) results.push(fresh.delete(event.id) ? await applyOne(event, q) : IGNORED);
  await writeAggregateDeltas(q, before, touched, timeZone);
  return results;
}

/**
 * Folds one event into the projection tables (schema placeholder § in q).
 * Events of one ticket arrive in order per topic, but the tickets and SLA
 * topics interleave freely (above all during a rebuild), so every statement
 * upserts and tolerates the other topic's events having come first. Each
 * event is applied at most once per generation (applied_events), and each
 * fact once (applied_facts, by its domain key).
 */
async function applyOne(event: DeskgraphEvent, q: Query): Promise<ApplyResult> {
  const type: string = event.type;
  const key = factKey(event);
  if (key !== null) {
    const newFact = (await q(
      `INSERT INTO §.applied_facts (fact_key) VALUES ($1) ON CONFLICT DO NOTHING RETURNING fact_key`,
      [key],
    )) as unknown[];
    if (newFact.length === 0) return IGNORED;
  }
  const ensureTicket = (ticketId: string) =>
    q(`INSERT INTO §.tickets (ticket_id) VALUES ($1) ON CONFLICT DO NOTHING`, [ticketId]);

  if (type.startsWith('deskgraph.knowledge.')) {
    // Generic: knowledge types evolve independently; their type, subject and time are enough to count activity.
    await q(`INSERT INTO §.knowledge_activity (event_id, event_type, subject, at) VALUES ($1, $2, $3, $4)`, [
      event.id,
      event.type,
      event.subject,
      event.time,
    ]);
    return { applied: true, queueIds: [] };
  }

  switch (event.type) {
    case 'deskgraph.ticket.created.v1': {
      // The title is free text from a public topic: mask it again rather than trust every producer did.
      const data = { ...event.data, title: maskSensitive(event.data.title) };
      await q(
        `INSERT INTO §.tickets (ticket_id, number, title, created_at, channel, type, category, priority, queue_id,
           customer_type, customer_tier, customer_region)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
         ON CONFLICT (ticket_id) DO UPDATE SET number = EXCLUDED.number, title = EXCLUDED.title,
           created_at = EXCLUDED.created_at, channel = EXCLUDED.channel, type = EXCLUDED.type,
           category = EXCLUDED.category, priority = EXCLUDED.priority, queue_id = EXCLUDED.queue_id,
           customer_type = EXCLUDED.customer_type, customer_tier = EXCLUDED.customer_tier,
           customer_region = EXCLUDED.customer_region`,
        [
          data.ticketId,
          data.number,
          data.title,
          data.createdAt,
          data.channel,
          data.type,
          data.category,
          data.priority,
          data.queueId,
          data.customerType ?? null,
          data.customerTier ?? null,
          data.customerRegion ?? null,
        ],
      );
      const keywords = extractKeywords(data.title);
      if (keywords.length) {
        await q(
          `INSERT INTO §.ticket_keywords (ticket_id, keyword) SELECT $1::uuid, * FROM unnest($2::text[]) ON CONFLICT DO NOTHING`,
          [data.ticketId, keywords],
        );
      }
      return { applied: true, queueIds: [data.queueId] };
    }
    case 'deskgraph.ticket.classified.v1': {
      const { data } = event;
      await ensureTicket(data.ticketId);
      await q(`UPDATE §.tickets SET type = $2, category = $3, priority = $4 WHERE ticket_id = $1`, [
        data.ticketId,
        data.type,
        data.category,
        data.priority,
      ]);
      return { applied: true, queueIds: [data.queueId] };
    }
    case 'deskgraph.ticket.assigned.v1': {
      const { data } = event;
      if (data.assigneeId) await creditAgent(q, data.ticketId, data.assigneeId);
      return { applied: true, queueIds: [data.queueId] };
    }
    case 'deskgraph.ticket.transferred.v1': {
      const { data } = event;
      await ensureTicket(data.ticketId);
      await q(
        `UPDATE §.tickets SET queue_id = $2, transfer_count = transfer_count + 1 WHERE ticket_id = $1`,
        [data.ticketId, data.queueId],
      );
      return { applied: true, queueIds: [data.queueId, data.fromQueueId] };
    }
    case 'deskgraph.ticket.status_changed.v1': {
      const { data } = event;
      await ensureTicket(data.ticketId);
      await q(
        `INSERT INTO §.ticket_transitions (event_id, ticket_id, version, at, to_status, reopened)
         VALUES ($1, $2, $3, $4, $5, $6)`,
        [event.id, data.ticketId, data.version, data.at, data.to, data.reopened],
      );
      const resolved = data.to === 'RESOLVED';
      await q(
        `UPDATE §.tickets SET status = $2,
           first_resolved_at = CASE WHEN $3 THEN COALESCE(first_resolved_at, $4::timestamptz) ELSE first_resolved_at END,
           last_resolved_at = CASE WHEN $3 THEN $4::timestamptz ELSE last_resolved_at END,
           resolution_count = resolution_count + CASE WHEN $3 THEN 1 ELSE 0 END,
           reopen_count = reopen_count + CASE WHEN $5 THEN 1 ELSE 0 END,
           merged_into = COALESCE($6::uuid, merged_into)
         WHERE ticket_id = $1`,
        // A close caused by a merge is no resolution; the merged event may follow it.
        [
          data.ticketId,
          data.to,
          resolved && !data.mergedIntoTicketId,
          data.at,
          data.reopened,
          data.mergedIntoTicketId ?? null,
        ],
      );
      return { applied: true, queueIds: [data.queueId] };
    }
    case 'deskgraph.ticket.replied.v1': {
      const { data } = event;
      if (data.author !== 'AGENT') return { applied: true, queueIds: [] };
      await ensureTicket(data.ticketId);
      await creditAgent(q, data.ticketId, data.actor.id);
      if (data.visibility === 'PUBLIC') {
        await q(
          `UPDATE §.tickets SET public_agent_replies = public_agent_replies + 1,
             first_response_at = LEAST(COALESCE(first_response_at, $2::timestamptz), $2::timestamptz)
           WHERE ticket_id = $1`,
          [data.ticketId, data.createdAt],
        );
      }
      return { applied: true, queueIds: [data.queueId] };
    }
    case 'deskgraph.ticket.escalated.v1': {
      const { data } = event;
      await ensureTicket(data.ticketId);
      await q(`UPDATE §.tickets SET escalation_count = escalation_count + 1 WHERE ticket_id = $1`, [
        data.ticketId,
      ]);
      return { applied: true, queueIds: [data.queueId] };
    }
    case 'deskgraph.ticket.rated.v1': {
      const { data } = event;
      await q(
        `INSERT INTO §.ratings (event_id, ticket_id, at, satisfaction, repeat_complaint) VALUES ($1, $2, $3, $4, $5)`,
        [event.id, data.ticketId, data.at, data.satisfaction, data.repeatComplaint],
      );
      return { applied: true, queueIds: [data.queueId] };
    }
    case 'deskgraph.ticket.merged.v1': {
      const { data } = event;
      await ensureTicket(data.ticketId);
      // The duplicate leaves every figure; its primary carries the work.
      await q(`UPDATE §.tickets SET merged_into = $2 WHERE ticket_id = $1`, [
        data.ticketId,
        data.primaryTicketId,
      ]);
      return { applied: true, queueIds: [data.queueId] };
    }
    case 'deskgraph.sla.clock_started.v1': {
      const { data } = event;
      await q(
        `INSERT INTO §.sla_clocks (clock_id, cycle, ticket_id, queue_id, target, business_time, started_at, state)
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'RUNNING')
         ON CONFLICT (clock_id, cycle) DO UPDATE SET business_time = EXCLUDED.business_time,
           started_at = EXCLUDED.started_at`,
        [
          data.clockId,
          data.cycle ?? 1,
          data.ticketId,
          data.queueId,
          data.target,
          data.businessTime,
          data.startedAt,
        ],
      );
      return { applied: true, queueIds: [data.queueId] };
    }
    case 'deskgraph.sla.clock_breached.v1': {
      const { data } = event;
      await q(
        `INSERT INTO §.sla_clocks (clock_id, cycle, ticket_id, queue_id, target, state, breached_at, ended_at)
         VALUES ($1, $2, $3, $4, $5, 'BREACHED', $6, $6)
         ON CONFLICT (clock_id, cycle) DO UPDATE SET state = 'BREACHED', breached_at = EXCLUDED.breached_at,
           ended_at = COALESCE(sla_clocks.ended_at, EXCLUDED.ended_at)`,
        [data.clockId, data.cycle, data.ticketId, data.queueId, data.target, data.at],
      );
      return { applied: true, queueIds: [data.queueId] };
    }
    case 'deskgraph.sla.clock_fulfilled.v1': {
      const { data } = event;
      const state = data.breached ? 'BREACHED' : 'ACHIEVED';
      await q(
        `INSERT INTO §.sla_clocks (clock_id, cycle, ticket_id, queue_id, target, business_time, state, ended_at, elapsed_ms)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         ON CONFLICT (clock_id, cycle) DO UPDATE SET elapsed_ms = EXCLUDED.elapsed_ms,
           state = CASE WHEN sla_clocks.state = 'BREACHED' THEN 'BREACHED' ELSE EXCLUDED.state END,
           ended_at = COALESCE(sla_clocks.ended_at, EXCLUDED.ended_at)`,
        [
          data.clockId,
          data.cycle,
          data.ticketId,
          data.queueId,
          data.target,
          data.businessTime,
          state,
          data.at,
          data.elapsedMs,
        ],
      );
      // The SLA clock's counted time is the ticket's business time (pauses and off-hours excluded).
      if (data.target === 'FIRST_RESPONSE') {
        await ensureTicket(data.ticketId);
        await q(
          `UPDATE §.tickets SET first_response_business_ms = COALESCE(first_response_business_ms, $2) WHERE ticket_id = $1`,
          [data.ticketId, data.elapsedMs],
        );
      } else if (data.target === 'RESOLUTION') {
        await ensureTicket(data.ticketId);
        await q(
          `UPDATE §.tickets SET first_resolution_business_ms = COALESCE(first_resolution_business_ms, $2),
             final_resolution_business_ms = $2 WHERE ticket_id = $1`,
          [data.ticketId, data.elapsedMs],
        );
      }
      return { applied: true, queueIds: [data.queueId] };
    }
    case 'deskgraph.sla.clock_stopped.v1': {
      const { data } = event;
      await q(
        `UPDATE §.sla_clocks SET state = 'STOPPED' WHERE clock_id = $1 AND cycle = $2 AND state = 'RUNNING'`,
        [data.clockId, data.cycle],
      );
      return { applied: true, queueIds: [data.queueId] };
    }
    case 'deskgraph.ticket.reply_refused.v1': {
      const { data } = event;
      await q(
        `INSERT INTO §.reply_refusals (event_id, ticket_id, agent_id, at, phrases) VALUES ($1, $2, $3, $4, $5)`,
        [event.id, data.ticketId, data.actor.id, data.at, data.phrases],
      );
      return { applied: true, queueIds: [data.queueId] };
    }
    case 'deskgraph.ticket.visit_scheduled.v1': {
      const { data } = event;
      await q(
        `INSERT INTO §.visits (visit_id, ticket_id, queue_id, kind, due_at, assignee_id) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (visit_id) DO UPDATE SET due_at = EXCLUDED.due_at,
           assignee_id = COALESCE(EXCLUDED.assignee_id, visits.assignee_id)`,
        [data.visitId, data.ticketId, data.queueId, data.kind, data.dueAt, data.assigneeId],
      );
      return { applied: true, queueIds: [data.queueId] };
    }
    case 'deskgraph.ticket.visit_overdue.v1': {
      const { data } = event;
      await q(
        `INSERT INTO §.visits (visit_id, ticket_id, queue_id, kind, due_at, assignee_id, overdue_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (visit_id) DO UPDATE SET overdue_at = EXCLUDED.overdue_at`,
        [data.visitId, data.ticketId, data.queueId, data.kind, data.dueAt, data.assigneeId, data.at],
      );
      return { applied: true, queueIds: [data.queueId] };
    }
    case 'deskgraph.ticket.visit_completed.v1': {
      const { data } = event;
      await q(
        `INSERT INTO §.visits (visit_id, ticket_id, queue_id, kind, completed_at, reached, satisfied)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (visit_id) DO UPDATE SET completed_at = EXCLUDED.completed_at,
           reached = EXCLUDED.reached, satisfied = EXCLUDED.satisfied`,
        [data.visitId, data.ticketId, data.queueId, data.kind, data.at, data.reached, data.satisfied],
      );
      return { applied: true, queueIds: [data.queueId] };
    }
    default:
      // Pauses, warnings, notes … change no figure; the id stays recorded so a replay skips them cheaply.
      return { applied: true, queueIds: [] };
  }
}

async function creditAgent(q: Query, ticketId: string, agentId: string): Promise<void> {
  await q(`INSERT INTO §.ticket_agents (ticket_id, agent_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, [
    ticketId,
    agentId,
  ]);
}
