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

/** Mirrors the tickets service's DESK_TIME_ZONE: days, weeks and months are the desk's. */
export const analyticsModel = z
  .object({
    DESK_TIME_ZONE: deskFields.DESK_TIME_ZONE,
    METRICS_SIGNAL_INTERVAL_MS: z.coerce.number().int().min(1000).default(1000),
    /** Customer tiers counted as key customers (大客户); mirror the tickets service's KEY_CUSTOMER_TIERS. */
    KEY_CUSTOMER_TIERS: deskFields.KEY_CUSTOMER_TIERS.refine(
      (tiers) => tiers.length > 0,
      'must name at least one tier, e.g. KEY',
    ),
  })
  .transform((env) => ({
    timeZone: env.DESK_TIME_ZONE,
    signalIntervalMs: env.METRICS_SIGNAL_INTERVAL_MS,
    keyCustomerTiers: env.KEY_CUSTOMER_TIERS,
  }));

export type AnalyticsConfig = z.output<typeof analyticsModel>;

export const analyticsEnvironmentModels = {
  runtime: runtimeModel,
  database: databaseModel,
  kafka: kafkaModel,
  http: httpModel(4004),
  trust: gatewayTrustModel,
  retention: retentionModel,
  analytics: analyticsModel,
};

export function loadEnvironment() {
  return parseEnvironmentOrExit(analyticsEnvironmentModels);
}
