import { z } from 'zod';
import {
  databaseModel,
  deskFields,
  gatewayTrustModel,
  httpModel,
  kafkaModel,
  parseEnvironmentOrExit,
  retentionModel,
  runtimeModel,
} from '@deskgraph/platform';

export const deskModel = z
  .object({
    DESK_TIME_ZONE: deskFields.DESK_TIME_ZONE,
    DEFAULT_QUEUE_ID: z.string().min(1).default('general'),
    AUTO_CLOSE_AFTER_SECONDS: z.coerce
      .number()
      .positive()
      .default(72 * 3600),
    ARCHIVE_AFTER_SECONDS: z.coerce
      .number()
      .positive()
      .default(30 * 86400),
    LIFECYCLE_SWEEP_SECONDS: z.coerce.number().positive().default(30),
    VISIT_FOLLOW_UP_DELAY_SECONDS: z.coerce
      .number()
      .min(0)
      .default(24 * 3600),
    KEY_CUSTOMER_TIERS: deskFields.KEY_CUSTOMER_TIERS,
    KEY_CUSTOMER_TRACKING_INTERVAL_SECONDS: z.coerce
      .number()
      .positive()
      .default(30 * 86400),
    IDEMPOTENCY_KEY_RETENTION_HOURS: z.coerce
      .number()
      .min(24, 'must be at least 24: clients may retry for a day')
      .default(24),
  })
  .transform((env) => ({
    timeZone: env.DESK_TIME_ZONE,
    defaultQueueId: env.DEFAULT_QUEUE_ID,
    lifecycle: {
      autoCloseAfterMs: env.AUTO_CLOSE_AFTER_SECONDS * 1000,
      archiveAfterMs: env.ARCHIVE_AFTER_SECONDS * 1000,
      sweepIntervalMs: env.LIFECYCLE_SWEEP_SECONDS * 1000,
    },
    visits: {
      followUpDelayMs: env.VISIT_FOLLOW_UP_DELAY_SECONDS * 1000,
      keyCustomerTiers: env.KEY_CUSTOMER_TIERS,
      trackingIntervalMs: env.KEY_CUSTOMER_TRACKING_INTERVAL_SECONDS * 1000,
    },
    idempotencyKeyRetentionMs: env.IDEMPOTENCY_KEY_RETENTION_HOURS * 3_600_000,
  }));

export type DeskConfig = z.output<typeof deskModel>;

export function loadEnvironment() {
  return parseEnvironmentOrExit({
    runtime: runtimeModel,
    database: databaseModel,
    kafka: kafkaModel,
    http: httpModel(4001),
    trust: gatewayTrustModel,
    retention: retentionModel,
    desk: deskModel,
  });
}
