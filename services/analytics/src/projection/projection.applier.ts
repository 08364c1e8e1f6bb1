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

/** Event types the projections take (others are left alone and not recorded). */
export function handles(type: string): boolean {
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

export interface ApplyOptions {
  /**
   * While the generation's aggregates are being backfilled (see
   * aggregate-backfill.ts): the last ticket id they count (null: none yet).
   * Deltas are written only for tickets up to it; the backfill counts the
   * others from their rows when it reaches them.
   */
  aggregatesThrough?: string | null;
}

/** An event that is fresh (new id, new fact) and will be applied, with its place in the batch. */
interface Fresh {
  index: number;
  event: DeskgraphEvent;
}

/**
 * Folds a batch of events into the projection tables of one generation
 * schema and keeps the daily aggregates in step, in the caller's
 * transaction, with a bounded number of statements whatever the batch size:
 * event ids and fact keys are deduplicated in one statement each, the
 * events are applied set-based (one multi-row statement per event type and
 * wave, see applyWave), and the contributions of the touched tickets are
 * read once before and once after the batch and their difference written
 * once (see ticket-contribution.ts). The live consumer passes its Kafka
 * batch; the rebuild and the bench pass thousands.
 */
export async function applyEvents(
  events: DeskgraphEvent[],
  manager: EntityManager,
  schema: string,
  timeZone: string,
  options: ApplyOptions = {},
): Promise<ApplyResult[]> {
  const q: Query = (sql, parameters) => manager.query(sql.replaceAll('§', `"${schema}"`), parameters);
  const results: ApplyResult[] = events.map(() => IGNORED);
  const handled = events.flatMap((event, index) => (handles(event.type) ? [{ index, event }] : []));
  if (handled.length === 0) return results;

  // Each event once per generation; a second copy in the same batch is a duplicate too (delete).
  const newIds = new Set(
    (
      (await q(
        `INSERT INTO §.applied_events (event_id) SELECT unnest($1::text[]) ON CONFLICT DO NOTHING RETURNING event_id`,
        [[...new Set(handled.map(({ event }) => event.id))]],
      )) as { event_id: string }[]
    ).map((row) => row.event_id),
  );
  let fresh: Fresh[] = handled.filter(({ event }) => newIds.delete(event.id));
  // Each fact once, by its domain key (a fact re-sent under a new event id).
  const keys = new Map(fresh.map(({ event }) => [event, factKey(event)]));
  const keyed = [...new Set([...keys.values()].filter((key): key is string => key !== null))];
  if (keyed.length > 0) {
    const newFacts = new Set(
      (
        (await q(
          `INSERT INTO §.applied_facts (fact_key) SELECT unnest($1::text[]) ON CONFLICT DO NOTHING RETURNING fact_key`,
          [keyed],
        )) as { fact_key: string }[]
      ).map((row) => row.fact_key),
    );
    fresh = fresh.filter(({ event }) => {
      const key = keys.get(event)!;
      return key === null || newFacts.delete(key);
    });
  }

  const through = options.aggregatesThrough;
  const touched = [...new Set(fresh.flatMap(({ event }) => ticketOf(event)?.toLowerCase() ?? []))].filter(
    (ticketId) => through === undefined || (through !== null && ticketId <= through),
  );
  const before = await contributionsOf(q, touched, timeZone);
  // Wave k holds the k-th event of each ticket in the batch: within a wave no row is hit twice, so
  // one multi-row statement per type gives what applying the events one by one in order gives.
  const waves: Fresh[][] = [];
  const seen = new Map<string, number>();
  for (const item of fresh) {
    const group = ticketOf(item.event) ?? item.event.id;
    const wave = seen.get(group) ?? 0;
    seen.set(group, wave + 1);
    (waves[wave] ??= []).push(item);
  }
  for (const wave of waves) {
    for (const { index, event } of wave) results[index] = { applied: true, queueIds: queuesOf(event) };
    await applyWave(
      q,
      wave.map(({ event }) => event),
    );
  }
  await writeAggregateDeltas(q, before, touched, timeZone);
  return results;
}

/** The queues whose figures an applied event may have changed (for the live metrics signal). */
function queuesOf(event: DeskgraphEvent): string[] {
  if (event.type.startsWith('deskgraph.knowledge.')) return [];
  const data = event.data as { queueId?: string; fromQueueId?: string; author?: string };
  switch (event.type) {
    case 'deskgraph.ticket.transferred.v1':
      return [data.queueId!, data.fromQueueId!];
    case 'deskgraph.ticket.replied.v1':
      return data.author === 'AGENT' ? [data.queueId!] : [];
    case 'deskgraph.ticket.created.v1':
    case 'deskgraph.ticket.classified.v1':
    case 'deskgraph.ticket.assigned.v1':
    case 'deskgraph.ticket.status_changed.v1':
    case 'deskgraph.ticket.escalated.v1':
    case 'deskgraph.ticket.rated.v1':
    case 'deskgraph.ticket.merged.v1':
    case 'deskgraph.sla.clock_started.v1':
    case 'deskgraph.sla.clock_breached.v1':
    case 'deskgraph.sla.clock_fulfilled.v1':
    case 'deskgraph.sla.clock_stopped.v1':
    case 'deskgraph.ticket.reply_refused.v1':
    case 'deskgraph.ticket.visit_scheduled.v1':
    case 'deskgraph.ticket.visit_overdue.v1':
    case 'deskgraph.ticket.visit_completed.v1':
      return [data.queueId!];
    default:
      // Pauses, warnings, notes … change no figure; the id stays recorded so a replay skips them cheaply.
      return [];
  }
}

/** Events of one type, narrowed to their data. */
function ofType<T extends DeskgraphEvent['type']>(
  events: DeskgraphEvent[],
  type: T,
): Extract<DeskgraphEvent, { type: T }>[] {
  return events.filter((event): event is Extract<DeskgraphEvent, { type: T }> => event.type === type);
}

/**
 * Folds one wave (at most one event per ticket) into the projection tables
 * (schema placeholder § in q): one statement per event type present, its
 * rows passed as one JSON array. The tickets and SLA topics interleave
 * freely (above all during a rebuild), so every statement upserts and
 * tolerates the other topic's events having come first.
 */
async function applyWave(q: Query, events: DeskgraphEvent[]): Promise<void> {
  const rows = async (sql: string, values: Record<string, unknown>[]) => {
    if (values.length > 0) await q(sql, [JSON.stringify(values)]);
  };
  const created = ofType(events, 'deskgraph.ticket.created.v1');
  const classified = ofType(events, 'deskgraph.ticket.classified.v1');
  const assigned = ofType(events, 'deskgraph.ticket.assigned.v1');
  const transferred = ofType(events, 'deskgraph.ticket.transferred.v1');
  const statusChanged = ofType(events, 'deskgraph.ticket.status_changed.v1');
  const agentReplies = ofType(events, 'deskgraph.ticket.replied.v1').filter(
    (event) => event.data.author === 'AGENT',
  );
  const publicReplies = agentReplies.filter((event) => event.data.visibility === 'PUBLIC');
  const escalated = ofType(events, 'deskgraph.ticket.escalated.v1');
  const rated = ofType(events, 'deskgraph.ticket.rated.v1');
  const merged = ofType(events, 'deskgraph.ticket.merged.v1');
  const clockStarted = ofType(events, 'deskgraph.sla.clock_started.v1');
  const clockBreached = ofType(events, 'deskgraph.sla.clock_breached.v1');
  const clockFulfilled = ofType(events, 'deskgraph.sla.clock_fulfilled.v1');
  const clockStopped = ofType(events, 'deskgraph.sla.clock_stopped.v1');
  const refused = ofType(events, 'deskgraph.ticket.reply_refused.v1');
  const knowledge = events.filter((event) => event.type.startsWith('deskgraph.knowledge.'));

  // Statements that update a ticket row create it bare first: its created event may come later.
  const ensured = [
    ...classified,
    ...transferred,
    ...statusChanged,
    ...agentReplies,
    ...escalated,
    ...merged,
    ...clockFulfilled.filter(
      (event) => event.data.target === 'FIRST_RESPONSE' || event.data.target === 'RESOLUTION',
    ),
  ].map((event) => event.data.ticketId);
  if (ensured.length > 0) {
    await q(`INSERT INTO §.tickets (ticket_id) SELECT unnest($1::uuid[]) ON CONFLICT DO NOTHING`, [ensured]);
  }

  // Generic: knowledge types evolve independently; their type, subject and time are enough to count activity.
  await rows(
    `INSERT INTO §.knowledge_activity (event_id, event_type, subject, at)
     SELECT * FROM jsonb_to_recordset($1::jsonb) AS v(event_id text, event_type text, subject text, at timestamptz)`,
    knowledge.map((event) => ({
      event_id: event.id,
      event_type: event.type,
      subject: event.subject,
      at: event.time,
    })),
  );
  // The title is free text from a public topic: mask it again rather than trust every producer did.
  const titled = created.map((event) => ({ data: event.data, title: maskSensitive(event.data.title) }));
  await rows(
    `INSERT INTO §.tickets (ticket_id, number, title, created_at, channel, type, category, priority, queue_id,
       customer_type, customer_tier, customer_region)
     SELECT * FROM jsonb_to_recordset($1::jsonb) AS v(ticket_id uuid, number text, title text, created_at timestamptz,
       channel text, type text, category text, priority text, queue_id text, customer_type text, customer_tier text,
       customer_region text)
     ON CONFLICT (ticket_id) DO UPDATE SET number = EXCLUDED.number, title = EXCLUDED.title,
       created_at = EXCLUDED.created_at, channel = EXCLUDED.channel, type = EXCLUDED.type,
       category = EXCLUDED.category, priority = EXCLUDED.priority, queue_id = EXCLUDED.queue_id,
       customer_type = EXCLUDED.customer_type, customer_tier = EXCLUDED.customer_tier,
       customer_region = EXCLUDED.customer_region`,
    titled.map(({ data, title }) => ({
      ticket_id: data.ticketId,
      number: data.number,
      title,
      created_at: data.createdAt,
      channel: data.channel,
      type: data.type,
      category: data.category,
      priority: data.priority,
      queue_id: data.queueId,
      customer_type: data.customerType ?? null,
      customer_tier: data.customerTier ?? null,
      customer_region: data.customerRegion ?? null,
    })),
  );
  await rows(
    `INSERT INTO §.ticket_keywords (ticket_id, keyword)
     SELECT * FROM jsonb_to_recordset($1::jsonb) AS v(ticket_id uuid, keyword text) ON CONFLICT DO NOTHING`,
    titled.flatMap(({ data, title }) =>
      [...new Set(extractKeywords(title))].map((keyword) => ({ ticket_id: data.ticketId, keyword })),
    ),
  );
  await rows(
    `UPDATE §.tickets t SET type = v.type, category = v.category, priority = v.priority
       FROM jsonb_to_recordset($1::jsonb) AS v(ticket_id uuid, type text, category text, priority text)
      WHERE t.ticket_id = v.ticket_id`,
    classified.map(({ data }) => ({
      ticket_id: data.ticketId,
      type: data.type,
      category: data.category,
      priority: data.priority,
    })),
  );
  // Agents credited with a ticket: assigned to it or wrote on it.
  await rows(
    `INSERT INTO §.ticket_agents (ticket_id, agent_id)
     SELECT * FROM jsonb_to_recordset($1::jsonb) AS v(ticket_id uuid, agent_id text) ON CONFLICT DO NOTHING`,
    [
      ...assigned.flatMap(({ data }) =>
        data.assigneeId ? [{ ticket_id: data.ticketId, agent_id: data.assigneeId }] : [],
      ),
      ...agentReplies.map(({ data }) => ({ ticket_id: data.ticketId, agent_id: data.actor.id })),
    ],
  );
  await rows(
    `UPDATE §.tickets t SET queue_id = v.queue_id, transfer_count = t.transfer_count + 1
       FROM jsonb_to_recordset($1::jsonb) AS v(ticket_id uuid, queue_id text) WHERE t.ticket_id = v.ticket_id`,
    transferred.map(({ data }) => ({ ticket_id: data.ticketId, queue_id: data.queueId })),
  );
  await rows(
    `INSERT INTO §.ticket_transitions (event_id, ticket_id, version, at, to_status, reopened)
     SELECT * FROM jsonb_to_recordset($1::jsonb)
       AS v(event_id text, ticket_id uuid, version integer, at timestamptz, to_status text, reopened boolean)`,
    statusChanged.map((event) => ({
      event_id: event.id,
      ticket_id: event.data.ticketId,
      version: event.data.version,
      at: event.data.at,
      to_status: event.data.to,
      reopened: event.data.reopened,
    })),
  );
  await rows(
    `UPDATE §.tickets t SET status = v.status,
       first_resolved_at = CASE WHEN v.resolved THEN COALESCE(t.first_resolved_at, v.at) ELSE t.first_resolved_at END,
       last_resolved_at = CASE WHEN v.resolved THEN v.at ELSE t.last_resolved_at END,
       resolution_count = t.resolution_count + CASE WHEN v.resolved THEN 1 ELSE 0 END,
       reopen_count = t.reopen_count + CASE WHEN v.reopened THEN 1 ELSE 0 END,
       merged_into = COALESCE(v.merged_into, t.merged_into)
     FROM jsonb_to_recordset($1::jsonb)
       AS v(ticket_id uuid, status text, resolved boolean, at timestamptz, reopened boolean, merged_into uuid)
     WHERE t.ticket_id = v.ticket_id`,
    // A close caused by a merge is no resolution; the merged event may follow it.
    statusChanged.map(({ data }) => ({
      ticket_id: data.ticketId,
      status: data.to,
      resolved: data.to === 'RESOLVED' && !data.mergedIntoTicketId,
      at: data.at,
      reopened: data.reopened,
      merged_into: data.mergedIntoTicketId ?? null,
    })),
  );
  await rows(
    `UPDATE §.tickets t SET public_agent_replies = t.public_agent_replies + 1,
       first_response_at = LEAST(COALESCE(t.first_response_at, v.at), v.at)
     FROM jsonb_to_recordset($1::jsonb) AS v(ticket_id uuid, at timestamptz) WHERE t.ticket_id = v.ticket_id`,
    publicReplies.map(({ data }) => ({ ticket_id: data.ticketId, at: data.createdAt })),
  );
  await rows(
    `UPDATE §.tickets t SET escalation_count = t.escalation_count + 1
       FROM jsonb_to_recordset($1::jsonb) AS v(ticket_id uuid) WHERE t.ticket_id = v.ticket_id`,
    escalated.map(({ data }) => ({ ticket_id: data.ticketId })),
  );
  await rows(
    `INSERT INTO §.ratings (event_id, ticket_id, at, satisfaction, repeat_complaint)
     SELECT * FROM jsonb_to_recordset($1::jsonb)
       AS v(event_id text, ticket_id uuid, at timestamptz, satisfaction text, repeat_complaint boolean)`,
    rated.map((event) => ({
      event_id: event.id,
      ticket_id: event.data.ticketId,
      at: event.data.at,
      satisfaction: event.data.satisfaction,
      repeat_complaint: event.data.repeatComplaint,
    })),
  );
  // The duplicate leaves every figure; its primary carries the work.
  await rows(
    `UPDATE §.tickets t SET merged_into = v.primary_id
       FROM jsonb_to_recordset($1::jsonb) AS v(ticket_id uuid, primary_id uuid) WHERE t.ticket_id = v.ticket_id`,
    merged.map(({ data }) => ({ ticket_id: data.ticketId, primary_id: data.primaryTicketId })),
  );
  await rows(
    `INSERT INTO §.sla_clocks (clock_id, cycle, ticket_id, queue_id, target, business_time, started_at, state)
     SELECT *, 'RUNNING' FROM jsonb_to_recordset($1::jsonb) AS v(clock_id uuid, cycle integer, ticket_id uuid,
       queue_id text, target text, business_time boolean, started_at timestamptz)
     ON CONFLICT (clock_id, cycle) DO UPDATE SET business_time = EXCLUDED.business_time,
       started_at = EXCLUDED.started_at`,
    clockStarted.map(({ data }) => ({
      clock_id: data.clockId,
      cycle: data.cycle ?? 1,
      ticket_id: data.ticketId,
      queue_id: data.queueId,
      target: data.target,
      business_time: data.businessTime,
      started_at: data.startedAt,
    })),
  );
  await rows(
    `INSERT INTO §.sla_clocks (clock_id, cycle, ticket_id, queue_id, target, state, breached_at, ended_at)
     SELECT clock_id, cycle, ticket_id, queue_id, target, 'BREACHED', at, at FROM jsonb_to_recordset($1::jsonb)
       AS v(clock_id uuid, cycle integer, ticket_id uuid, queue_id text, target text, at timestamptz)
     ON CONFLICT (clock_id, cycle) DO UPDATE SET state = 'BREACHED', breached_at = EXCLUDED.breached_at,
       ended_at = COALESCE(sla_clocks.ended_at, EXCLUDED.ended_at)`,
    clockBreached.map(({ data }) => ({
      clock_id: data.clockId,
      cycle: data.cycle,
      ticket_id: data.ticketId,
      queue_id: data.queueId,
      target: data.target,
      at: data.at,
    })),
  );
  await rows(
    `INSERT INTO §.sla_clocks (clock_id, cycle, ticket_id, queue_id, target, business_time, state, ended_at, elapsed_ms)
     SELECT * FROM jsonb_to_recordset($1::jsonb) AS v(clock_id uuid, cycle integer, ticket_id uuid, queue_id text,
       target text, business_time boolean, state text, ended_at timestamptz, elapsed_ms bigint)
     ON CONFLICT (clock_id, cycle) DO UPDATE SET elapsed_ms = EXCLUDED.elapsed_ms,
       state = CASE WHEN sla_clocks.state = 'BREACHED' THEN 'BREACHED' ELSE EXCLUDED.state END,
       ended_at = COALESCE(sla_clocks.ended_at, EXCLUDED.ended_at)`,
    clockFulfilled.map(({ data }) => ({
      clock_id: data.clockId,
      cycle: data.cycle,
      ticket_id: data.ticketId,
      queue_id: data.queueId,
      target: data.target,
      business_time: data.businessTime,
      state: data.breached ? 'BREACHED' : 'ACHIEVED',
      ended_at: data.at,
      elapsed_ms: data.elapsedMs,
    })),
  );
  // The SLA clock's counted time is the ticket's business time (pauses and off-hours excluded).
  await rows(
    `UPDATE §.tickets t SET first_response_business_ms = COALESCE(t.first_response_business_ms, v.elapsed_ms)
       FROM jsonb_to_recordset($1::jsonb) AS v(ticket_id uuid, elapsed_ms bigint) WHERE t.ticket_id = v.ticket_id`,
    clockFulfilled
      .filter(({ data }) => data.target === 'FIRST_RESPONSE')
      .map(({ data }) => ({ ticket_id: data.ticketId, elapsed_ms: data.elapsedMs })),
  );
  await rows(
    `UPDATE §.tickets t SET first_resolution_business_ms = COALESCE(t.first_resolution_business_ms, v.elapsed_ms),
       final_resolution_business_ms = v.elapsed_ms
       FROM jsonb_to_recordset($1::jsonb) AS v(ticket_id uuid, elapsed_ms bigint) WHERE t.ticket_id = v.ticket_id`,
    clockFulfilled
      .filter(({ data }) => data.target === 'RESOLUTION')
      .map(({ data }) => ({ ticket_id: data.ticketId, elapsed_ms: data.elapsedMs })),
  );
  await rows(
    `UPDATE §.sla_clocks c SET state = 'STOPPED'
       FROM jsonb_to_recordset($1::jsonb) AS v(clock_id uuid, cycle integer)
      WHERE c.clock_id = v.clock_id AND c.cycle = v.cycle AND c.state = 'RUNNING'`,
    clockStopped.map(({ data }) => ({ clock_id: data.clockId, cycle: data.cycle })),
  );
  await rows(
    `INSERT INTO §.reply_refusals (event_id, ticket_id, agent_id, at, phrases)
     SELECT * FROM jsonb_to_recordset($1::jsonb) AS v(event_id text, ticket_id uuid, agent_id text, at timestamptz,
       phrases text[])`,
    refused.map((event) => ({
      event_id: event.id,
      ticket_id: event.data.ticketId,
      agent_id: event.data.actor.id,
      at: event.data.at,
      phrases: event.data.phrases,
    })),
  );
  await rows(
    `INSERT INTO §.visits (visit_id, ticket_id, queue_id, kind, due_at, assignee_id)
     SELECT * FROM jsonb_to_recordset($1::jsonb)
       AS v(visit_id uuid, ticket_id uuid, queue_id text, kind text, due_at timestamptz, assignee_id text)
     ON CONFLICT (visit_id) DO UPDATE SET due_at = EXCLUDED.due_at,
       assignee_id = COALESCE(EXCLUDED.assignee_id, visits.assignee_id)`,
    ofType(events, 'deskgraph.ticket.visit_scheduled.v1').map(({ data }) => ({
      visit_id: data.visitId,
      ticket_id: data.ticketId,
      queue_id: data.queueId,
      kind: data.kind,
      due_at: data.dueAt,
      assignee_id: data.assigneeId,
    })),
  );
  await rows(
    `INSERT INTO §.visits (visit_id, ticket_id, queue_id, kind, due_at, assignee_id, overdue_at)
     SELECT * FROM jsonb_to_recordset($1::jsonb) AS v(visit_id uuid, ticket_id uuid, queue_id text, kind text,
       due_at timestamptz, assignee_id text, overdue_at timestamptz)
     ON CONFLICT (visit_id) DO UPDATE SET overdue_at = EXCLUDED.overdue_at`,
    ofType(events, 'deskgraph.ticket.visit_overdue.v1').map(({ data }) => ({
      visit_id: data.visitId,
      ticket_id: data.ticketId,
      queue_id: data.queueId,
      kind: data.kind,
      due_at: data.dueAt,
      assignee_id: data.assigneeId,
      overdue_at: data.at,
    })),
  );
  await rows(
    `INSERT INTO §.visits (visit_id, ticket_id, queue_id, kind, completed_at, reached, satisfied)
     SELECT * FROM jsonb_to_recordset($1::jsonb) AS v(visit_id uuid, ticket_id uuid, queue_id text, kind text,
       completed_at timestamptz, reached boolean, satisfied boolean)
     ON CONFLICT (visit_id) DO UPDATE SET completed_at = EXCLUDED.completed_at,
       reached = EXCLUDED.reached, satisfied = EXCLUDED.satisfied`,
    ofType(events, 'deskgraph.ticket.visit_completed.v1').map(({ data }) => ({
      visit_id: data.visitId,
      ticket_id: data.ticketId,
      queue_id: data.queueId,
      kind: data.kind,
      completed_at: data.at,
      reached: data.reached,
      satisfied: data.satisfied,
    })),
  );
}
