import type { DataSource } from 'typeorm';
import { maskSensitive, type Logger, type OutboxWriter } from '@deskgraph/platform';
import type { WebhookConfig } from '../environment';
import { channelEvents } from '../events/channel-events';
import { updateReturning } from '../work/sql';
import { backoffDelayMs } from '../work/work-loop';
import { robotAccepted, robotRequest, type EndpointFormat } from './robot-messages';
import { signWebhook } from './signatures';
import { ForbiddenAddressError, parseAllowedNetworks, type AllowedNetworks } from './ssrf';
import { createWebhookAgents, postWebhook, type WebhookAgents } from './webhook-http';
import type { DeliveryRow, EndpointRow } from './webhook.service';

export type Claimed = DeliveryRow & Pick<EndpointRow, 'url' | 'format' | 'secret' | 'enabled'>;

const LEASE_SECONDS = 120;

interface Success {
  id: string;
  status: number;
  at: Date;
}

interface AttemptResult {
  ok: boolean;
  status: number | null;
  error: string | null;
  /** No retry can help (a refused address). */
  permanent: boolean;
}

/**
 * Sends due deliveries, WEBHOOK_CONCURRENCY at once and at most
 * WEBHOOK_ENDPOINT_CONCURRENCY per endpoint, over keep-alive connections
 * (one pool per origin, every new connection checked by the request-forgery
 * guard). Deliveries are claimed as slots free up (`createClaimingPool`),
 * each with a lease (SKIP LOCKED), so replicas share the work and one that
 * dies mid-send leaves them to be sent again: at least once, with the same
 * event id and delivery id for the receiver to deduplicate on. Successes are
 * recorded in group writes.
 */
export class WebhookSender {
  private readonly allowed: AllowedNetworks;
  private readonly agents: WebhookAgents;
  private succeeded: Success[] = [];
  /** Per endpoint: whether its latest finished attempt since the last flush succeeded. */
  private lastOutcome = new Map<string, boolean>();
  private flushing: Promise<void> | null = null;

  constructor(
    private readonly dataSource: DataSource,
    private readonly outbox: OutboxWriter,
    private readonly config: WebhookConfig,
    private readonly logger: Logger,
  ) {
    this.allowed = parseAllowedNetworks(config.allowedNetworks);
    this.agents = createWebhookAgents({ allowed: this.allowed, maxSocketsPerOrigin: config.concurrency });
  }

  /** Closes pooled connections (at shutdown). */
  close(): void {
    this.agents.http.destroy();
    this.agents.https.destroy();
  }

  /**
   * Claims due deliveries with a lease, none of an endpoint in `busyEndpoints`
   * (those already have their share of slots here).
   */
  async claim(limit: number, busyEndpoints: string[] = []): Promise<Claimed[]> {
    return updateReturning<Claimed>(
      this.dataSource,
      `WITH due AS (
         SELECT d.id FROM webhook_deliveries d
         WHERE d.state = 'PENDING' AND d.next_attempt_at <= now() AND d.endpoint_id <> ALL($2::uuid[])
         ORDER BY d.next_attempt_at LIMIT $1 FOR UPDATE SKIP LOCKED)
       UPDATE webhook_deliveries d SET attempts = d.attempts + 1, next_attempt_at = now() + interval '${LEASE_SECONDS} seconds'
       FROM due, webhook_endpoints e
       WHERE d.id = due.id AND e.id = d.endpoint_id
       RETURNING d.*, e.url, e.format, e.secret, e.enabled`,
      [limit, busyEndpoints],
    );
  }

  /**
   * Sends one claimed delivery. A failure is recorded at once; a success
   * joins the next group write (`flush`), one statement for every success
   * that came in meanwhile. A crash before that write sends the delivery
   * again after its lease: at least once, as the receiver is told.
   */
  async send(row: Claimed): Promise<void> {
    const outcome = await this.deliver(row);
    if (outcome) this.succeeded.push(outcome);
    if (row.enabled) this.lastOutcome.set(row.endpoint_id, outcome !== null);
    if (outcome) void this.flush();
  }

  /** Writes the successes gathered so far; a write already running takes the next ones after it. */
  flush(): Promise<void> {
    this.flushing ??= (async () => {
      while (this.succeeded.length > 0) {
        const succeeded = this.succeeded.splice(0);
        const outcomes = this.lastOutcome;
        this.lastOutcome = new Map();
        try {
          await this.recordSuccesses(
            succeeded,
            [...outcomes].filter(([, ok]) => ok).map(([endpointId]) => endpointId),
          );
        } catch (error) {
          // Left to their lease: sent again later, which receivers deduplicate on the event id.
          this.logger.error(
            { err: error, deliveries: succeeded.length },
            'could not record webhook successes; they will be sent again',
          );
        }
      }
    })().finally(() => {
      this.flushing = null;
    });
    return this.flushing;
  }

  /** One statement for a group of successes, and the failure runs of endpoints whose last attempt worked end. */
  private async recordSuccesses(succeeded: Success[], endpointIds: string[]): Promise<void> {
    if (succeeded.length === 0) return;
    await this.dataSource.transaction(async (manager) => {
      await manager.query(
        `UPDATE webhook_deliveries d SET state = 'SUCCEEDED', delivered_at = done.at, last_status = done.status, last_error = NULL
           FROM unnest($1::uuid[], $2::int[], $3::timestamptz[]) AS done(id, status, at)
          WHERE d.id = done.id`,
        [
          succeeded.map((entry) => entry.id),
          succeeded.map((entry) => entry.status),
          succeeded.map((entry) => entry.at),
        ],
      );
      await manager.query(
        `UPDATE webhook_endpoints SET consecutive_failures = 0 WHERE id = ANY($1) AND consecutive_failures > 0`,
        [endpointIds],
      );
    });
  }

  private async attempt(row: Claimed): Promise<AttemptResult> {
    const now = Date.now();
    const format = row.format as EndpointFormat;
    try {
      if (format === 'GENERIC') {
        const response = await postWebhook(
          row.url,
          row.body,
          {
            'user-agent': 'deskgraph-webhooks/1',
            'x-deskgraph-signature': signWebhook(row.secret, row.body, Math.floor(now / 1000)),
            'x-deskgraph-event-id': row.event_id,
            'x-deskgraph-event-type': row.event_type,
            'x-deskgraph-delivery-id': row.id,
          },
          { ...this.config, allowed: this.allowed, agents: this.agents },
        );
        const ok = response.status >= 200 && response.status < 300;
        return {
          ok,
          status: response.status,
          error: ok ? null : `HTTP ${response.status}: ${maskSensitive(response.body.slice(0, 200))}`,
          permanent: false,
        };
      }
      const request = robotRequest(format, row.url, row.secret, row.body, now);
      const response = await postWebhook(
        request.url,
        request.body,
        { 'user-agent': 'deskgraph-webhooks/1' },
        { ...this.config, allowed: this.allowed, agents: this.agents },
      );
      const ok = response.status >= 200 && response.status < 300 && robotAccepted(format, response.body);
      return {
        ok,
        status: response.status,
        error: ok ? null : `HTTP ${response.status}: ${maskSensitive(response.body.slice(0, 200))}`,
        permanent: false,
      };
    } catch (error) {
      const forbidden =
        error instanceof ForbiddenAddressError || (error as { code?: string }).code === 'FORBIDDEN_ADDRESS';
      return {
        ok: false,
        status: null,
        error: maskSensitive(String((error as Error).message ?? error)).slice(0, 500),
        permanent: forbidden,
      };
    }
  }

  /** Sends one delivery; a success is returned for the round to record, a failure is recorded here. */
  private async deliver(row: Claimed): Promise<Success | null> {
    if (!row.enabled) {
      await this.dataSource.query(
        `UPDATE webhook_deliveries SET state = 'SKIPPED', last_error = 'endpoint disabled' WHERE id = $1`,
        [row.id],
      );
      return null;
    }
    const result = await this.attempt(row);
    if (result.ok) return { id: row.id, status: result.status!, at: new Date() };
    const giveUp = result.permanent || row.attempts >= this.config.maxAttempts;
    await this.dataSource.transaction(async (manager) => {
      const [endpoint] = await updateReturning<{ enabled: boolean; consecutive_failures: number }>(
        manager,
        `UPDATE webhook_endpoints SET consecutive_failures = consecutive_failures + 1,
           enabled = enabled AND consecutive_failures + 1 < $2,
           disabled_reason = CASE WHEN enabled AND consecutive_failures + 1 >= $2
             THEN 'disabled after ' || (consecutive_failures + 1) || ' failed attempts in a row' ELSE disabled_reason END,
           updated_at = now()
         WHERE id = $1 RETURNING enabled, consecutive_failures`,
        [row.endpoint_id, this.config.disableAfterFailures],
      );
      const delay = backoffDelayMs(row.attempts, this.config.retryBaseMs, this.config.retryMaxMs);
      await manager.query(
        `UPDATE webhook_deliveries SET state = $2, last_status = $3, last_error = $4,
           next_attempt_at = now() + ($5 || ' milliseconds')::interval WHERE id = $1`,
        [row.id, giveUp ? 'FAILED' : 'PENDING', result.status, result.error, delay],
      );
      if (giveUp) {
        await this.outbox.enqueue(manager, [
          channelEvents.webhookDeliveryFailed({
            deliveryId: row.id,
            endpointId: row.endpoint_id,
            eventId: row.event_id,
            eventType: row.event_type,
            attempts: row.attempts,
            lastStatus: result.status,
            lastError: result.error ?? 'failed',
            endpointDisabled: endpoint ? !endpoint.enabled : false,
            at: new Date().toISOString(),
          }),
        ]);
      }
      this.logger.warn(
        {
          deliveryId: row.id,
          endpointId: row.endpoint_id,
          attempts: row.attempts,
          giveUp,
          status: result.status,
          err: result.error,
        },
        giveUp ? 'webhook delivery failed for good' : 'webhook delivery failed; will retry',
      );
    });
    return null;
  }
}
