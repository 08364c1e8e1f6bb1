import { randomUUID } from 'node:crypto';
import type { DeskgraphEvent } from '@deskgraph/events';

// The synthetic desk of the analytics bench (issue #14), shared by the bench
// (build + queries) and the build-only profiler: deterministic, so every run
// builds the same data.

export const TIME_ZONE = 'Asia/Shanghai';
export const QUEUES = Array.from({ length: 20 }, (_, index) => `queue-${String(index + 1).padStart(2, '0')}`);
export const AGENTS = Array.from({ length: 50 }, (_, index) => `agent-${String(index + 1).padStart(2, '0')}`);
const TYPES = ['CONSULTATION', 'COMPLAINT', 'FAULT_REPORT', 'SERVICE_REQUEST', 'SUGGESTION', 'OTHER'];
const CATEGORIES = ['product', 'service', 'delivery', 'transaction', 'technical'];
const CHANNELS = ['PHONE', 'CHAT', 'EMAIL', 'APP', 'SOCIAL_MEDIA'];
const PRIORITIES = ['P0', 'P1', 'P2', 'P3'];
const SATISFACTION = ['VERY_SATISFIED', 'SATISFIED', 'SATISFIED', 'NEUTRAL', 'UNSATISFIED'];
const WORDS = [
  'refund',
  'delivery',
  'login',
  'payment',
  'invoice',
  'outage',
  'parcel',
  'account',
  '退款',
  '物流',
];
export const DAY = 86_400_000;
const MINUTE = 60_000;

/** A small deterministic generator, so runs build the same data. */
let seed = 20261129;
function random(): number {
  seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
  return seed / 2_147_483_648;
}
const pick = <T>(list: T[]) => list[Math.floor(random() * list.length)];

function event(type: string, subject: string, at: number, data: Record<string, unknown>): DeskgraphEvent {
  return {
    id: randomUUID(),
    type,
    subject,
    time: new Date(at).toISOString(),
    data,
  } as unknown as DeskgraphEvent;
}

/**
 * One ticket's life: created, assigned, two SLA clocks, a reply; 85 % resolved, 35 % of those rated.
 * `created` is the creation time: each size's tickets sweep the year in order, as the topics hold them.
 */
function ticketEvents(created: number): DeskgraphEvent[] {
  const ticketId = randomUUID();
  const queueId = pick(QUEUES);
  const agent = pick(AGENTS);
  const iso = (at: number) => new Date(at).toISOString();
  const base = (at: number, version: number) => ({ ticketId, queueId, version, at: iso(at) });
  const events: DeskgraphEvent[] = [];
  // Each event's time is its `at`.
  const push = (type: string, data: Record<string, unknown>) =>
    events.push(event(type, ticketId, Date.parse(String(data.at)), data));
  push('deskgraph.ticket.created.v1', {
    ...base(created, 1),
    number: `B-${ticketId.slice(0, 8)}`,
    title: `${pick(WORDS)} ${pick(WORDS)} issue`,
    createdAt: iso(created),
    channel: pick(CHANNELS),
    type: pick(TYPES),
    category: pick(CATEGORIES),
    priority: pick(PRIORITIES),
    customerType: 'PERSONAL',
    customerTier: random() < 0.1 ? 'KEY' : 'STANDARD',
    customerRegion: pick(['north', 'south', 'east', 'west']),
  });
  push('deskgraph.ticket.assigned.v1', { ...base(created + MINUTE, 2), assigneeId: agent });
  const clocks = ['FIRST_RESPONSE', 'RESOLUTION'].map((target) => ({
    clockId: randomUUID(),
    cycle: 1,
    target,
  }));
  for (const clock of clocks) {
    push('deskgraph.sla.clock_started.v1', {
      ticketId,
      queueId,
      ...clock,
      businessTime: true,
      startedAt: iso(created),
      at: iso(created),
    });
  }
  const reply = created + Math.floor(random() * 8 * 60) * MINUTE + MINUTE;
  push('deskgraph.ticket.replied.v1', {
    ...base(reply, 3),
    messageId: randomUUID(),
    author: 'AGENT',
    actor: { id: agent },
    visibility: 'PUBLIC',
    createdAt: iso(reply),
  });
  push('deskgraph.sla.clock_fulfilled.v1', {
    ticketId,
    queueId,
    ...clocks[0],
    businessTime: true,
    breached: random() < 0.1,
    elapsedMs: reply - created,
    at: iso(reply),
  });
  if (random() < 0.85) {
    const resolved = reply + Math.floor(random() * 72 * 60) * MINUTE;
    push('deskgraph.ticket.status_changed.v1', {
      ...base(resolved, 4),
      from: 'IN_PROGRESS',
      to: 'RESOLVED',
      reopened: false,
    });
    push('deskgraph.sla.clock_fulfilled.v1', {
      ticketId,
      queueId,
      ...clocks[1],
      businessTime: true,
      breached: random() < 0.15,
      elapsedMs: resolved - created,
      at: iso(resolved),
    });
    if (random() < 0.35) {
      push('deskgraph.ticket.rated.v1', {
        ...base(resolved + 3 * 60 * MINUTE, 5),
        satisfaction: pick(SATISFACTION),
        repeatComplaint: false,
      });
    }
  }
  return events;
}

/**
 * `count` tickets from position `from` of `total` spread over the year from
 * `yearStart`: in creation order (within a day, at random), as a replay of
 * the topics sees them.
 */
export function batchOf(yearStart: number, from: number, total: number, count: number): DeskgraphEvent[] {
  return Array.from({ length: count }, (_, index) => {
    const position = (from + index) / total;
    return ticketEvents(yearStart + Math.floor(position * 364 * DAY + random() * DAY));
  }).flat();
}
