import { randomUUID } from 'node:crypto';
import type { DeskgraphEvent } from '@deskgraph/events';
import fc from 'fast-check';

// Random ticket histories for the aggregate tests (property, backfill): each
// ticket's ticket and SLA events as the services would publish them, in time
// order across tickets.

export const TIME_ZONE = 'Asia/Shanghai';
export const QUEUES = ['q1', 'q2', 'q3'];
export const AGENTS = ['a1', 'a2', 'a3'];
// Monday 2026-11-02 00:00 in Shanghai.
export const BASE = Date.parse('2026-11-01T16:00:00Z');
export const HOUR = 3_600_000;
type Op =
  | { kind: 'assign'; agent: number }
  | { kind: 'reply'; agent: number; public: boolean }
  | { kind: 'resolve' }
  | { kind: 'reopen' }
  | { kind: 'close' }
  | { kind: 'rate'; satisfaction: number; repeat: boolean }
  | { kind: 'transfer'; queue: number }
  | { kind: 'escalate' }
  | { kind: 'classify'; type: number; priority: number }
  | { kind: 'clock'; target: number; outcome: number }
  | { kind: 'merge'; into: number }
  | { kind: 'visit'; reached: boolean; satisfied: boolean | null }
  | { kind: 'refuse'; agent: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('assign' as const), agent: fc.nat(2) }),
  fc.record({ kind: fc.constant('reply' as const), agent: fc.nat(2), public: fc.boolean() }),
  fc.record({ kind: fc.constant('resolve' as const) }),
  fc.record({ kind: fc.constant('reopen' as const) }),
  fc.record({ kind: fc.constant('close' as const) }),
  fc.record({ kind: fc.constant('rate' as const), satisfaction: fc.nat(3), repeat: fc.boolean() }),
  fc.record({ kind: fc.constant('transfer' as const), queue: fc.nat(2) }),
  fc.record({ kind: fc.constant('escalate' as const) }),
  fc.record({ kind: fc.constant('classify' as const), type: fc.nat(2), priority: fc.nat(3) }),
  fc.record({ kind: fc.constant('clock' as const), target: fc.nat(2), outcome: fc.nat(3) }),
  fc.record({ kind: fc.constant('merge' as const), into: fc.nat(5) }),
  fc.record({
    kind: fc.constant('visit' as const),
    reached: fc.boolean(),
    satisfied: fc.option(fc.boolean()),
  }),
  fc.record({ kind: fc.constant('refuse' as const), agent: fc.nat(2) }),
);

export const ticketScript = fc.record({
  created: fc.nat(9).map((n) => n > 0),
  startMs: fc.integer({ min: 0, max: 13 * 24 * HOUR }),
  queue: fc.nat(2),
  tier: fc.constantFrom('KEY', 'STANDARD', null),
  region: fc.constantFrom('north', 'south', null),
  type: fc.nat(2),
  ops: fc.array(fc.tuple(op, fc.integer({ min: 1, max: 40 * HOUR })), { maxLength: 12 }),
});

export const scenario = fc.record({
  tickets: fc.array(ticketScript, { minLength: 1, maxLength: 6 }),
  batch: fc.integer({ min: 1, max: 25 }),
  resend: fc.array(fc.nat(200), { maxLength: 6 }),
});

const TYPES = ['COMPLAINT', 'CONSULTATION', 'FAULT_REPORT'];
const SATISFACTION = ['VERY_SATISFIED', 'SATISFIED', 'NEUTRAL', 'UNSATISFIED'];
const TARGETS = ['FIRST_RESPONSE', 'NEXT_RESPONSE', 'RESOLUTION'];
const TITLES = ['Parcel delivery late', 'Refund for broken delivery', 'App login outage', '退款 没有 到账'];

function event(type: string, subject: string, at: number, data: Record<string, unknown>): DeskgraphEvent {
  return {
    id: randomUUID(),
    type,
    subject,
    time: new Date(at).toISOString(),
    data,
  } as unknown as DeskgraphEvent;
}

/** Turns a scenario into the ticket and SLA events the services would publish, in time order. */
export type TicketScript = typeof ticketScript extends fc.Arbitrary<infer T> ? T : never;

export function eventsOf(tickets: TicketScript[]): DeskgraphEvent[] {
  const ids = tickets.map(() => randomUUID());
  const events: { at: number; event: DeskgraphEvent }[] = [];
  tickets.forEach((script, index) => {
    const ticketId = ids[index];
    let at = BASE + script.startMs;
    let version = 1;
    let queueId = QUEUES[script.queue];
    let status = 'NEW';
    const push = (type: string, data: Record<string, unknown>) =>
      events.push({
        at,
        event: event(type, ticketId, at, { ticketId, queueId, at: new Date(at).toISOString(), ...data }),
      });
    if (script.created) {
      push('deskgraph.ticket.created.v1', {
        version,
        number: `202611-${String(index + 1).padStart(3, '0')}`,
        title: TITLES[index % TITLES.length],
        createdAt: new Date(at).toISOString(),
        channel: 'EMAIL',
        type: TYPES[script.type],
        category: index % 2 === 0 ? 'delivery' : 'product',
        priority: 'P2',
        customerType: 'PERSONAL',
        customerTier: script.tier ?? undefined,
        customerRegion: script.region ?? undefined,
      });
    }
    for (const [step, gap] of script.ops) {
      at += gap;
      version++;
      const transition = (to: string, reopened = false) => {
        push('deskgraph.ticket.status_changed.v1', { version, from: status, to, reopened });
        status = to;
      };
      switch (step.kind) {
        case 'assign':
          push('deskgraph.ticket.assigned.v1', { version, assigneeId: AGENTS[step.agent] });
          break;
        case 'reply':
          push('deskgraph.ticket.replied.v1', {
            version,
            messageId: randomUUID(),
            author: 'AGENT',
            actor: { id: AGENTS[step.agent] },
            visibility: step.public ? 'PUBLIC' : 'INTERNAL',
            createdAt: new Date(at).toISOString(),
          });
          break;
        case 'resolve':
          transition('RESOLVED');
          break;
        case 'reopen':
          if (status === 'RESOLVED') transition('IN_PROGRESS', true);
          break;
        case 'close':
          if (status === 'RESOLVED') transition('CLOSED');
          break;
        case 'rate':
          push('deskgraph.ticket.rated.v1', {
            version,
            satisfaction: SATISFACTION[step.satisfaction],
            repeatComplaint: step.repeat,
          });
          break;
        case 'transfer': {
          const fromQueueId = queueId;
          queueId = QUEUES[step.queue];
          push('deskgraph.ticket.transferred.v1', { version, fromQueueId });
          break;
        }
        case 'escalate':
          push('deskgraph.ticket.escalated.v1', { version });
          break;
        case 'classify':
          push('deskgraph.ticket.classified.v1', {
            version,
            type: TYPES[step.type],
            category: 'technical',
            priority: `P${step.priority}`,
          });
          break;
        case 'clock': {
          const clock = { clockId: randomUUID(), cycle: 1, target: TARGETS[step.target] };
          push('deskgraph.sla.clock_started.v1', {
            ...clock,
            businessTime: false,
            startedAt: new Date(at).toISOString(),
          });
          if (step.outcome === 1) push('deskgraph.sla.clock_breached.v1', clock);
          if (step.outcome >= 2) {
            push('deskgraph.sla.clock_fulfilled.v1', {
              ...clock,
              businessTime: false,
              breached: step.outcome === 3,
              elapsedMs: gap,
            });
          }
          break;
        }
        case 'merge':
          if (ids[step.into] && ids[step.into] !== ticketId) {
            transition('CLOSED');
            push('deskgraph.ticket.merged.v1', { version, primaryTicketId: ids[step.into] });
          }
          break;
        case 'visit':
          push('deskgraph.ticket.visit_completed.v1', {
            visitId: randomUUID(),
            kind: 'FOLLOW_UP',
            reached: step.reached,
            satisfied: step.reached ? step.satisfied : null,
          });
          break;
        case 'refuse':
          push('deskgraph.ticket.reply_refused.v1', {
            version,
            actor: { id: AGENTS[step.agent] },
            phrases: ['滚'],
          });
          break;
      }
    }
  });
  return events.sort((a, b) => a.at - b.at).map((entry) => entry.event);
}
