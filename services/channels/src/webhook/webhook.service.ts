import { randomBytes, randomUUID } from 'node:crypto';
import type { DeskgraphEvent } from '@deskgraph/events';
import { isKnownEventType } from '@deskgraph/events';
import { maskSensitive, maskSensitiveValues, type BatchScope } from '@deskgraph/platform';
import type { DataSource, EntityManager } from 'typeorm';
import { z } from 'zod';
import { ChannelsError, ChannelsErrorCode, invalidInput } from '../channels.errors';
import type { WebhookConfig } from '../environment';
import { updateReturning } from '../work/sql';
import {
  ENDPOINT_FORMATS,
  ROBOT_DEFAULT_EVENT_TYPES,
  robotText,
  type EndpointFormat,
  type TicketFacts,
} from './robot-messages';
import { checkLiteralHost, parseAllowedNetworks } from './ssrf';

export interface EndpointRow {
  id: string;
  name: string;
  url: string;
  format: EndpointFormat;
  secret: string;
  event_types: string[];
  queue_ids: string[];
  enabled: boolean;
  consecutive_failures: number;
  disabled_reason: string | null;
  created_by: string;
  created_at: Date;
  updated_at: Date;
}

export interface DeliveryRow {
  id: string;
  endpoint_id: string;
  event_id: string;
  event_type: string;
  ticket_id: string | null;
  body: string;
  state: 'PENDING' | 'SUCCEEDED' | 'FAILED' | 'SKIPPED';
  attempts: number;
  next_attempt_at: Date;
  last_status: number | null;
  last_error: string | null;
  replay_of: string | null;
  created_at: Date;
  delivered_at: Date | null;
}

const eventTypes = z
  .array(
    z.string().refine(isKnownEventType, (value) => ({ message: `${value} is not a deskgraph event type` })),
  )
  .max(100);
const queueIds = z.array(z.string().min(1).max(64)).max(100);

function isHttpUrl(value: string): boolean {
  try {
    return ['http:', 'https:'].includes(new URL(value).protocol);
  } catch {
    return false;
  }
}

// One check, so a bad URL is one problem (z.string().url().refine() reported "not a URL" twice).
const httpUrl = z
  .string()
  .refine(isHttpUrl, 'url must be an absolute http or https URL, e.g. https://hooks.example.com/deskgraph');

const endpointInput = z.object({
  name: z.string().trim().min(1, 'name must not be empty').max(100),
  url: httpUrl,
  format: z.enum(ENDPOINT_FORMATS).default('GENERIC'),
  /** Robots: the signing secret DingTalk (SEC…) or Feishu shows; GENERIC endpoints get a generated one. */
  secret: z.string().max(200).nullish(),
  eventTypes: eventTypes.default([]),
  queueIds: queueIds.default([]),
});

const endpointUpdate = z.object({
  id: z.string().uuid('id must be an endpoint id'),
  name: z.string().trim().min(1).max(100).optional(),
  url: httpUrl.optional(),
  secret: z.string().max(200).nullish(),
  eventTypes: eventTypes.optional(),
  queueIds: queueIds.optional(),
  enabled: z.boolean().optional(),
});

/** Parses a mutation's input; every problem is reported in one BAD_USER_INPUT error. */
function parse<T>(schema: z.ZodType<T, z.ZodTypeDef, unknown>, input: unknown): T {
  const result = schema.safeParse(input);
  if (!result.success) {
    throw invalidInput(
      result.error.issues.map((issue) => ({
        field: issue.path.join('.') || 'input',
        message: issue.message,
      })),
    );
  }
  return result.data;
}

/** Where an event belongs: its ticket and queue, from the event or the kept ticket facts. */
function ticketIdOf(event: DeskgraphEvent): string | null {
  const data = event.data as { ticketId?: unknown };
  return typeof data.ticketId === 'string' ? data.ticketId : null;
}

const maskRobotText = (text: string | null) => (text === null ? null : maskSensitive(text));

/** Webhook endpoints, their fan-out from the event stream, and the delivery log. */
export class WebhookService {
  private readonly allowed;

  constructor(
    private readonly dataSource: DataSource,
    private readonly config: WebhookConfig,
  ) {
    this.allowed = parseAllowedNetworks(config.allowedNetworks);
  }

  private assertUrl(url: string): void {
    try {
      checkLiteralHost(new URL(url).hostname, this.allowed);
    } catch (error) {
      throw new ChannelsError(ChannelsErrorCode.ForbiddenAddress, (error as Error).message, { url });
    }
  }

  async list(): Promise<EndpointRow[]> {
    return this.dataSource.query(`SELECT * FROM webhook_endpoints ORDER BY created_at`);
  }

  async get(id: string): Promise<EndpointRow> {
    const [row]: EndpointRow[] = z.string().uuid().safeParse(id).success
      ? await this.dataSource.query(`SELECT * FROM webhook_endpoints WHERE id = $1`, [id])
      : [];
    if (!row) throw new ChannelsError(ChannelsErrorCode.NotFound, `No webhook endpoint ${id}.`, { id });
    return row;
  }

  /** Returns the endpoint and, for GENERIC ones, the signing secret (shown only here). */
  async create(
    rawInput: unknown,
    createdBy: string,
  ): Promise<{ endpoint: EndpointRow; secret: string | null }> {
    const input = parse(endpointInput, rawInput);
    this.assertUrl(input.url);
    const secret =
      input.format === 'GENERIC' ? `whsec_${randomBytes(32).toString('base64url')}` : (input.secret ?? '');
    const [endpoint]: EndpointRow[] = await this.dataSource.query(
      `INSERT INTO webhook_endpoints (id, name, url, format, secret, event_types, queue_ids, created_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING *`,
      [
        randomUUID(),
        input.name,
        input.url,
        input.format,
        secret,
        input.eventTypes,
        input.queueIds,
        createdBy,
      ],
    );
    return { endpoint, secret: input.format === 'GENERIC' ? secret : null };
  }

  /** Enabling an endpoint again starts its failure run from zero. */
  async update(rawInput: unknown): Promise<EndpointRow> {
    const input = parse(endpointUpdate, rawInput);
    const current = await this.get(input.id);
    if (input.url) this.assertUrl(input.url);
    const enabled = input.enabled ?? current.enabled;
    const [row] = await updateReturning<EndpointRow>(
      this.dataSource,
      `UPDATE webhook_endpoints SET name = $2, url = $3, secret = $4, event_types = $5, queue_ids = $6, enabled = $7,
         consecutive_failures = CASE WHEN $7 AND NOT enabled THEN 0 ELSE consecutive_failures END,
         disabled_reason = CASE WHEN $7 THEN NULL ELSE COALESCE(disabled_reason, 'disabled by an admin') END,
         updated_at = now()
       WHERE id = $1 RETURNING *`,
      [
        input.id,
        input.name ?? current.name,
        input.url ?? current.url,
        current.format === 'GENERIC' || input.secret === undefined ? current.secret : (input.secret ?? ''),
        input.eventTypes ?? current.event_types,
        input.queueIds ?? current.queue_ids,
        enabled,
      ],
    );
    return row;
  }

  async remove(id: string): Promise<boolean> {
    await this.get(id);
    await this.dataSource.query(`DELETE FROM webhook_endpoints WHERE id = $1`, [id]);
    return true;
  }

  async deliveries(rawArgs: {
    endpointId: string;
    states?: string[] | null;
    first?: number | null;
    before?: string | null;
  }): Promise<DeliveryRow[]> {
    await this.get(rawArgs.endpointId);
    const first = rawArgs.first ?? 50;
    if (first < 1 || first > 500)
      throw invalidInput([{ field: 'first', message: 'first must be between 1 and 500' }]);
    const before = rawArgs.before ? new Date(rawArgs.before) : null;
    if (before && Number.isNaN(before.getTime()))
      throw invalidInput([{ field: 'before', message: 'before must be an ISO-8601 instant' }]);
    return this.dataSource.query(
      `SELECT * FROM webhook_deliveries WHERE endpoint_id = $1
         AND ($2::text[] IS NULL OR state = ANY($2)) AND ($3::timestamptz IS NULL OR created_at < $3)
       ORDER BY created_at DESC, id LIMIT $4`,
      [
        rawArgs.endpointId,
        rawArgs.states && rawArgs.states.length > 0 ? rawArgs.states : null,
        before,
        first,
      ],
    );
  }

  /** A new delivery of the same body, sent as soon as possible; the original keeps its log. */
  async replay(id: string): Promise<DeliveryRow> {
    const [original]: DeliveryRow[] = z.string().uuid().safeParse(id).success
      ? await this.dataSource.query(`SELECT * FROM webhook_deliveries WHERE id = $1`, [id])
      : [];
    if (!original) throw new ChannelsError(ChannelsErrorCode.NotFound, `No webhook delivery ${id}.`, { id });
    const [row]: DeliveryRow[] = await this.dataSource.query(
      `INSERT INTO webhook_deliveries (id, endpoint_id, event_id, event_type, ticket_id, body, state, replay_of)
       VALUES ($1, $2, $3, $4, $5, $6, 'PENDING', $7) RETURNING *`,
      [
        randomUUID(),
        original.endpoint_id,
        original.event_id,
        original.event_type,
        original.ticket_id,
        original.body,
        original.replay_of ?? original.id,
      ],
    );
    return row;
  }

  /**
   * Queues a delivery per enabled endpoint whose filters match, in the
   * consumer's transaction. Robots get their message text rendered now,
   * from the ticket as channels knows it at this event.
   */
  async fanOut(
    manager: EntityManager,
    event: DeskgraphEvent,
    batch: BatchScope,
    /** Runs before the ticket's facts are read, e.g. to write the batch's deferred ones. */
    beforeFactsRead?: () => Promise<void>,
  ): Promise<number> {
    const endpoints = await batch.once<EndpointRow[]>('webhook-endpoints', () =>
      manager.query(`SELECT * FROM webhook_endpoints WHERE enabled`),
    );
    if (endpoints.length === 0) return 0;
    const ticketId = ticketIdOf(event);
    let facts: (TicketFacts & { ticketId: string }) | null = null;
    if (ticketId) {
      await beforeFactsRead?.();
      const [row]: { number: string; title: string; priority: string; queue_id: string }[] =
        await manager.query(
          `SELECT number, title, priority, queue_id FROM ticket_facts WHERE ticket_id = $1`,
          [ticketId],
        );
      if (row)
        facts = {
          ticketId,
          number: row.number,
          title: row.title,
          priority: row.priority,
          queueId: row.queue_id,
        };
    }
    const data = event.data as { queueId?: unknown };
    const queueId = typeof data.queueId === 'string' ? data.queueId : (facts?.queueId ?? null);
    const ids: string[] = [];
    const endpointIds: string[] = [];
    const bodies: string[] = [];
    let generic: string | null = null;
    for (const endpoint of endpoints) {
      const types =
        endpoint.event_types.length > 0
          ? endpoint.event_types
          : endpoint.format === 'GENERIC'
            ? null
            : ROBOT_DEFAULT_EVENT_TYPES;
      if (types && !types.includes(event.type)) continue;
      if (endpoint.queue_ids.length > 0 && (!queueId || !endpoint.queue_ids.includes(queueId))) continue;
      // An endpoint is never told about its own failed deliveries: that would feed a failing endpoint more of them.
      if (
        event.type === 'deskgraph.channels.webhook_delivery_failed.v1' &&
        event.data.endpointId === endpoint.id
      )
        continue;
      // Free text from a public topic (an escalation reason, a reply) is masked again before it is
      // stored, rather than trusting every producer did; what is stored is what is sent and signed.
      const body =
        endpoint.format === 'GENERIC'
          ? (generic ??= JSON.stringify(maskSensitiveValues(event)))
          : maskRobotText(robotText(event, facts, this.config.ticketLinkTemplate));
      if (body === null) continue;
      ids.push(randomUUID());
      endpointIds.push(endpoint.id);
      bodies.push(body);
    }
    if (ids.length === 0) return 0;
    // One statement for every endpoint's delivery: fan-out costs one round trip per event, not one per endpoint.
    await manager.query(
      `INSERT INTO webhook_deliveries (id, endpoint_id, event_id, event_type, ticket_id, body, state)
       SELECT queued.id, queued.endpoint_id, $3, $4, $5, queued.body, 'PENDING'
         FROM unnest($1::uuid[], $2::uuid[], $6::text[]) AS queued(id, endpoint_id, body)
       ON CONFLICT (endpoint_id, event_id) WHERE replay_of IS NULL DO NOTHING`,
      [ids, endpointIds, event.id, event.type, ticketId, bodies],
    );
    return ids.length;
  }
}
