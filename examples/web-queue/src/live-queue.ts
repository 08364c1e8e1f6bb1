import { createClient, type Client } from 'graphql-ws';

// A supervisor's live queue: the whole pattern a frontend needs.
// 1. The token goes in the Authorization header for HTTP, and in
//    connectionParams for the WebSocket (browsers cannot set WS headers).
// 2. Query a snapshot, then subscribe to queueUpdates with `since` set to
//    just before the snapshot, so nothing between the two is lost.
// 3. Drop updates already applied (by eventId); remember the `at` of the last.
// 4. On a dropped connection, resubscribe with `since` = that `at`: the
//    gateway replays what was missed, or sends RESYNC_REQUIRED when `since`
//    is older than its replay window: then take a fresh snapshot.

interface QueueTicket {
  id: string;
  number: string;
  title: string;
  status: string;
  priority: string;
  queueId: string;
  sla: { firstResponseDueAt: string | null } | null;
}

interface TicketUpdate {
  kind: string;
  at: string;
  eventId: string;
  ticketId: string | null;
  ticket: QueueTicket | null;
}

interface GraphQLResult<T> {
  data?: T | null;
  errors?: { message: string; extensions?: { code?: string } }[];
}

const TICKET_FIELDS = 'id number title status priority queueId sla { firstResponseDueAt }';
const SNAPSHOT = `query QueueSnapshot($queueIds: [ID!]!) {
  tickets(filter: { queueIds: $queueIds }, first: 50) { edges { node { ${TICKET_FIELDS} } } }
}`;
const UPDATES = `subscription QueueUpdates($queueIds: [ID!]!, $since: DateTime) {
  queueUpdates(queueIds: $queueIds, since: $since) { kind at eventId ticketId ticket { ${TICKET_FIELDS} } }
}`;
// Clocks differ between browser and gateway: reach a little further back; duplicates are dropped by eventId.
const SNAPSHOT_OVERLAP_MS = 5_000;
const MAX_BACKOFF_MS = 30_000;
const MAX_SEEN_EVENTS = 10_000;
const UNRECOVERABLE_CLOSE_CODES = [4401, 4403];

const httpUrl = new URL('/graphql', window.location.href).href;
const wsUrl = httpUrl.replace(/^http/, 'ws');

const tickets = new Map<string, QueueTicket>();
const seenEvents = new Set<string>();
let lastAt: string | null = null;
let session = 0;

const element = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

function setStatus(text: string): void {
  element('status').textContent = text;
}

function log(text: string): void {
  const line = `${new Date().toLocaleTimeString()} ${text}\n`;
  element('log').textContent = line + (element('log').textContent ?? '').slice(0, 5_000);
}

function render(freshId?: string): void {
  const rows = [...tickets.values()].sort((a, b) => b.number.localeCompare(a.number));
  element('tickets').replaceChildren(
    ...rows.map((ticket) => {
      const row = document.createElement('tr');
      row.dataset.ticketId = ticket.id;
      if (ticket.id === freshId) row.className = 'fresh';
      const due = ticket.sla?.firstResponseDueAt;
      for (const text of [
        ticket.number,
        ticket.title,
        ticket.status,
        ticket.priority,
        due ? new Date(due).toLocaleString() : '—',
      ]) {
        const cell = document.createElement('td');
        cell.textContent = text;
        row.append(cell);
      }
      return row;
    }),
  );
}

async function loadSnapshot(token: string, queueIds: string[]): Promise<void> {
  const response = await fetch(httpUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: SNAPSHOT, variables: { queueIds } }),
  });
  const result = (await response.json()) as GraphQLResult<{ tickets: { edges: { node: QueueTicket }[] } }>;
  if (result.errors?.length) {
    const [error] = result.errors;
    throw new Error(`${error.extensions?.code ?? 'ERROR'}: ${error.message}`);
  }
  tickets.clear();
  for (const { node } of result.data!.tickets.edges) tickets.set(node.id, node);
  render();
  log(`snapshot: ${tickets.size} tickets`);
}

function apply(update: TicketUpdate, token: string, queueIds: string[]): Promise<void> | void {
  if (seenEvents.has(update.eventId)) return;
  seenEvents.add(update.eventId);
  // Replays reach back at most the replay window: old ids can go (a Set iterates oldest first).
  if (seenEvents.size > MAX_SEEN_EVENTS) seenEvents.delete(seenEvents.values().next().value!);
  lastAt = update.at;
  if (update.kind === 'RESYNC_REQUIRED') {
    log('RESYNC_REQUIRED: the gap is older than the replay window, taking a new snapshot');
    return loadSnapshot(token, queueIds);
  }
  const ticket = update.ticket;
  if (!ticket || !queueIds.includes(ticket.queueId)) {
    // Null when we may no longer see it (e.g. transferred out of our queues).
    if (update.ticketId) tickets.delete(update.ticketId);
  } else {
    tickets.set(ticket.id, ticket);
  }
  render(update.ticketId ?? undefined);
  log(`${update.kind} ${ticket ? `${ticket.number} ${ticket.title}` : (update.ticketId ?? '')}`);
}

async function follow(client: Client, token: string, queueIds: string[], mySession: number): Promise<void> {
  for (let attempt = 0; mySession === session; attempt++) {
    try {
      const updates = client.iterate<{ queueUpdates: TicketUpdate }>({
        query: UPDATES,
        variables: { queueIds, since: lastAt },
      });
      for await (const result of updates) {
        if (mySession !== session) return;
        attempt = 0;
        if (result.errors?.length) {
          // A refusal (FORBIDDEN queue, bad input) does not heal by retrying.
          setStatus(`refused: ${result.errors.map((e) => e.message).join('; ')}`);
          return;
        }
        if (result.data) await apply(result.data.queueUpdates, token, queueIds);
      }
    } catch (error) {
      const code = (error as { code?: number }).code;
      if (code !== undefined && UNRECOVERABLE_CLOSE_CODES.includes(code)) {
        setStatus(`refused (${code} ${(error as { reason?: string }).reason ?? ''}): check the token`);
        return;
      }
      log(`subscription ended: ${code ?? (error as Error).message ?? String(error)}`);
    }
    const delay = Math.min(MAX_BACKOFF_MS, 1_000 * 2 ** attempt);
    setStatus(`reconnecting in ${delay / 1000} s (since ${lastAt ?? 'start'})`);
    await new Promise((resolve) => setTimeout(resolve, delay));
    log(`reconnecting with since=${lastAt}`);
  }
}

let client: Client | undefined;

element<HTMLFormElement>('connect').addEventListener('submit', (event) => {
  event.preventDefault();
  const token = element<HTMLInputElement>('token')
    .value.trim()
    .replace(/^Bearer\s+/i, '');
  const queueIds = element<HTMLInputElement>('queues')
    .value.split(',')
    .map((id) => id.trim())
    .filter(Boolean);
  const mySession = ++session;
  void client?.dispose();
  tickets.clear();
  seenEvents.clear();
  // Retries are ours (follow), so every reconnect carries the latest `since`.
  client = createClient({
    url: wsUrl,
    connectionParams: { authorization: `Bearer ${token}` },
    retryAttempts: 0,
  });
  const connected = client;
  connected.on('connected', () => setStatus(`live: queues ${queueIds.join(', ')}`));
  setStatus('loading…');
  lastAt = new Date(Date.now() - SNAPSHOT_OVERLAP_MS).toISOString();
  loadSnapshot(token, queueIds).then(
    () => follow(connected, token, queueIds, mySession),
    (error: Error) => setStatus(`snapshot failed: ${error.message}`),
  );
});
