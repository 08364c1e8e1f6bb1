import {
  databaseModel,
  gatewayTrustModel,
  httpModel,
  kafkaModel,
  parseEnvironmentOrExit,
  retentionModel,
  runtimeModel,
} from '@deskgraph/platform';
import { z } from 'zod';

export const searchModel = z
  .object({
    /**
     * How many candidate articles a search ranks at most (title and summary
     * matches first): the cost of a search is bounded by this, not by the
     * number of matches.
     */
    SEARCH_RANK_CANDIDATES: z.coerce.number().int().min(10).max(10_000).default(200),
  })
  .transform((env) => ({ rankCandidates: env.SEARCH_RANK_CANDIDATES }));

export type SearchConfig = z.output<typeof searchModel>;

export function loadEnvironment() {
  return parseEnvironmentOrExit({
    runtime: runtimeModel,
    database: databaseModel,
    kafka: kafkaModel,
    http: httpModel(4003),
    trust: gatewayTrustModel,
    retention: retentionModel,
    search: searchModel,
  });
}
