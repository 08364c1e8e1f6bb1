import type { Cohort, TicketFact } from '../ticket-metrics';

// Builders shared by the metrics unit specs (not a spec itself: jest only
// runs *.spec.ts). Each spec states what differs from these defaults.

const DAY = 86_400_000;

/** Monday 2026-11-23 09:00 in Shanghai: when every fixture ticket is created unless a test says otherwise. */
export const T0 = new Date('2026-11-23T01:00:00Z');

export const emptyBacklog = { open: 0, ticketIds: [], byAge: [] };

/** The Shanghai day, or week from Monday, that holds T0. */
export function periodOfT0<K extends 'DAY' | 'WEEK'>(kind: K) {
  const from = new Date('2026-11-22T16:00:00Z');
  return {
    kind,
    from,
    to: new Date(from.getTime() + (kind === 'DAY' ? 1 : 7) * DAY),
    timeZone: 'Asia/Shanghai',
  };
}

/** A complaint in q-a created at T0 that nothing has happened to yet. */
export function ticketFact(id: string, overrides: Partial<TicketFact> = {}): TicketFact {
  return {
    ticketId: id,
    createdAt: T0,
    type: 'COMPLAINT',
    category: null,
    channel: 'CHAT',
    priority: 'P2',
    queueId: 'q-a',
    customerType: null,
    customerTier: null,
    customerRegion: null,
    status: 'NEW',
    firstResponseAt: null,
    firstResolvedAt: null,
    lastResolvedAt: null,
    resolutionCount: 0,
    reopenCount: 0,
    transferCount: 0,
    escalationCount: 0,
    publicAgentReplies: 0,
    firstResponseBusinessMs: null,
    firstResolutionBusinessMs: null,
    finalResolutionBusinessMs: null,
    ...overrides,
  };
}

/** A cohort holding only the given parts; every other list is empty. */
export function cohort(parts: Partial<Cohort>): Cohort {
  return {
    tickets: [],
    agents: [],
    ratings: [],
    clocks: [],
    keywords: [],
    visits: [],
    refusals: [],
    ...parts,
  };
}
